package io.hal9.pool;

import io.hal9.pool.ObjectPoolListener.DiscardReason;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.PhantomReference;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ObjectPool} implementation: per-platform-thread caches and, for virtual threads, cells of
 * one resident object each, in front of striped JCTools queues; one permanent {@link Slot} (the lease)
 * per pooled object.
 *
 * <p>Thread safety: see {@link ObjectPool}: any number of threads.
 */
final class ObjectPoolImpl<T> implements ObjectPool<T> {
    /*
     * Design
     * - Every pooled object lives in one Slot for its whole life; the Slot IS the Lease, so a claim hands
     *   out an existing object and a release allocates nothing. Slot.state is IDLE or CLAIMED. claim sets
     *   CLAIMED with a plain store (the slot was just taken out of a cache or queue: nobody else holds
     *   it); close() moves CLAIMED -> IDLE, and finding it IDLE is the "released twice" error, thrown
     *   before anything else is touched. ABA limit: see ObjectPool's Javadoc.
     * - Fast path: a claim through a thread's cache remembers that cache in the slot (Slot.cache; the
     *   cache knows its owner thread). A close on that same thread (the common case: try-with-resources)
     *   then needs no ThreadLocal lookup and no atomic instruction: opaque check of the state, opaque
     *   store of IDLE, push into the remembered cache. A close on any other thread (or of a slot claimed
     *   without a cache) takes the slow path: a compareAndSet of the state, then the releasing thread's
     *   own cache through the ThreadLocal, or shared. A slot never enters shared with Slot.cache set, so
     *   shared never keeps a thread's cache (and the thread) reachable.
     * - Idle slots sit in (a) the cache of the platform thread that released them: a LIFO stack (a top
     *   field and an array) owned by that thread, reached through a per-pool ThreadLocal (or Slot.cache),
     *   or (b) `shared`, a small power-of-two set of MpmcArrayQueues; a thread starts at its home stripe
     *   (from its id). Claim: own cache, else shared, else the factory (miss). Release: reset, then own
     *   cache, else shared, else discard. Virtual threads never get a cache (ThreadLocal maps would
     *   multiply with them); they use cells (below), else shared.
     * - Cells (virtual threads; none with leak detection on or a small maxIdle): a fixed, padded array of
     *   Cell objects, each the home of at most one resident slot. A virtual thread hashes its id to a home
     *   cell. Claim: CAS the resident slot's state IDLE -> CLAIMED (home cell, then the next), else shared,
     *   else the factory. The slot stays in its cell while on loan (Slot.cell), so its close, on any
     *   thread, is an opaque state check, the reset, and a release store of IDLE: one atomic instruction
     *   per claim + release in all. A non-resident slot released on a virtual thread is installed into
     *   that thread's home cell if it is empty (CAS null -> slot), else goes to shared. A resident slot
     *   leaves its cell only for good, as DEAD (reset failed, or the pool closed), so a claimer that read
     *   a stale cell reference can never take it. The cell's counters are written only by the holder of
     *   its resident slot (one at a time, handed over through the state CAS / release store).
     * - maxIdle is exact: shared holds at most sharedCapacity (a power of two, so the JCTools queues are
     *   exactly bounded with no counter of their own), the cells at most one each; the remaining
     *   cacheBudget = maxIdle - sharedCapacity - cells is granted to caches as they are created (min(cacheCapacity, what is left), possibly 0) and given
     *   back when a cache is found dead. So idle <= sharedCapacity + sum(grants) <= maxIdle at all times.
     * - Counting: claims on the cached path count into the thread's Counters (plain fields, one writer,
     *   opaque stores so that stats() reads untorn values); everything else (virtual threads, caches off,
     *   after close, discards, leaks) counts into LongAdders. claims = hits + misses, not counted apart.
     * - Registry: for stats and budget, each cache has a CacheRef (weak to the cache, strong to its
     *   Counters and grant) in `registry`. The cache itself is strongly reachable only from its thread's
     *   ThreadLocal map, so when the thread ends (Thread.exit drops the map) the cache and its idle
     *   objects become garbage; the CacheRef is enqueued, and the next sweep (cache creation or stats())
     *   folds its counters into retired* and returns its grant. Nothing global pins a dead thread's cache.
     * - close(): sets `closed` once, clears shared. A thread's cache cannot be cleared by another thread
     *   (its accesses are plain), so each thread drops its own on its next claim/release by replacing it
     *   with closedCache (capacity 0, holds no slot and no pool). After close, claims allocate and
     *   releases discard, so game loops keep running during shutdown.
     * - Leak detection (optional): each claim registers a LeakTracker, a PhantomReference to the slot
     *   holding the claim's stack trace, in a concurrent set (reference objects must stay reachable to be
     *   enqueued). close() clears it and removes it. A slot dropped while CLAIMED is referenced by no
     *   cache or queue (pop and poll null out their entries), so the collector enqueues its tracker;
     *   claim(), stats() and close() poll the queue and report.
     *
     * Concurrency
     * - Slot.state: see above. get() reads it opaquely: the owner sees its own stores; a thread that got
     *   the lease through a happens-before edge (the Lease contract) sees the claim's store.
     * - Why the fast close may use opaque accesses instead of a CAS. A lease has one owner at a time, and
     *   ownership moves only along happens-before edges (Lease contract). Every close that the contract
     *   lets us see as "twice" is ordered after the first close by such an edge or by program order, so it
     *   reads IDLE (or CLAIMED from a later claim: the documented ABA limit), whichever path each close
     *   took: (a) the same thread twice: program order; the first close wrote IDLE (opaque or CAS) and
     *   left Slot.cache as it was or null. (b) First close on thread B, second on the claiming thread A
     *   after an edge from B: A sees the Slot.cache B left (null, or B's own cache), takes the slow path,
     *   and its CAS fails. (c) First close on A (fast path), second on B after an edge: B sees IDLE and
     *   its CAS fails. The only closes that may both pass are two closes of one lease racing on two
     *   threads with no edge between them: two owners at once, outside the contract, like the ABA case
     *   (a CAS would catch that race, at the price of an atomic on every release). Opaque (not plain) so
     *   that the JIT can neither drop the store nor reuse a stale read across calls. The IDLE store needs
     *   no release ordering: the slot then goes into the owner's own cache (same thread) or through
     *   shared, whose offer/poll give the edge to the next claimer.
     * - Slot.cache: plain; written only by the thread that holds the slot (claimed, or being released):
     *   set by every claim through a cache and by a slow-path push into the releaser's cache,
     *   cleared (null) by a slow-path close after its CAS and before any slot goes to shared. A close
     *   reads it after the hand-off edge and only compares the cache's final owner with its own thread,
     *   so only the owner itself can take the fast path, on a cache only it ever writes.
     * - Cache: every access by its owner thread except the opaque reads of `size` and `top` by stats().
     *   Counters: one writer (the owner), opaque stores; stats() reads them opaquely (untorn, maybe stale).
     * - shared: JCTools MPMC queues; offer/poll give the hand-off between the releasing and the claiming
     *   thread its happens-before edge (the reset's writes are visible to the next owner).
     * - closed: written once by a volatile CAS in close(); read opaquely on every claim and release. A
     *   claim or release racing with close() may still use the caches or shared once; those objects are
     *   dropped on that thread's next call (or by the next post-close call, for shared).
     * - registry, retired*, cacheBudget, cachesCreated: guarded by registryLock (cache creation and
     *   stats() only: never on the steady-state path, and nothing waits while holding it).
     *
     * Invariants
     * 1. A slot is in at most one place: one cache, one stripe, or one owner's hands; IDLE in the first
     *    two, CLAIMED in the third (except a slot being reset or discarded: IDLE, in no place).
     * 2. idle objects <= maxIdle (see Design), exactly, at every instant.
     * 3. A failed close() changes nothing: the state check (CAS or opaque read) comes before any write.
     * 4. A slot idle in a cache has Slot.cache == that cache; a slot idle in shared has Slot.cache ==
     *    null; a slot on loan has the cache it was claimed through, or null if claimed without one.
     */
    private static final Logger LOG = LoggerFactory.getLogger(ObjectPool.class);

    private static final VarHandle CLOSED;

    static {
        try {
            CLOSED = MethodHandles.lookup().findVarHandle(ObjectPoolImpl.class, "closed", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final Consumer<Object> NO_RESET = o -> {};

    /** Shared-queue stripes per available processor (fewer if the capacity is small). */
    static final int STRIPES_PER_PROCESSOR = 4;

    /** Most cells for virtual threads (each holds one object; a quarter of the caches' share at most). */
    static final int MAX_CELLS = 128;
    /** Fewer cells than this and virtual threads would mostly probe full cells: none, use shared. */
    static final int MIN_CELLS = 16;
    /** Cells a virtual thread's claim tries, starting at its home, before the shared queue. */
    static final int CELL_PROBES = 2;

    final String name;
    final String component;
    private final Supplier<? extends T> factory;
    private final Consumer<? super T> reset;
    private final int maxIdle;
    private final int cacheCapacity;
    private final boolean cachesEnabled;
    private final ObjectPoolListener listener;
    private final ObjectPoolStripes<Slot<T>> shared;
    /** Virtual threads' home cells (empty when there are none: leak detection on, or maxIdle too small). */
    private final Cell<T>[] cells;

    private final int cellMask;
    private final boolean cellsEnabled;
    private final ThreadLocal<Cache<T>> caches;
    /** Stands in for a thread's cache once the pool is closed: capacity 0, references no slot, no pool. */
    private final Cache<T> closedCache = new Cache<>(0, new Counters(), 0, null);

    private final @Nullable LeakDetector leakDetector;

    private final LongAdder sharedHits = new LongAdder();
    private final LongAdder sharedMisses = new LongAdder();
    private final LongAdder sharedReleases = new LongAdder();
    private final LongAdder discards = new LongAdder();
    private final LongAdder resetFailures = new LongAdder();
    private final LongAdder leaks = new LongAdder();

    private final ReentrantLock registryLock = new ReentrantLock();
    private final ArrayList<CacheRef> registry = new ArrayList<>(); // guarded by registryLock
    private final ReferenceQueue<Cache<?>> deadCaches = new ReferenceQueue<>();
    private int cacheBudget; // guarded by registryLock
    private int cachesCreated; // guarded by registryLock
    private long retiredHits; // guarded by registryLock
    private long retiredMisses; // guarded by registryLock
    private long retiredReleases; // guarded by registryLock

    /** Set once by close(). Accessed through CLOSED only. */
    private boolean closed;

    /** benign race: at worst two threads both log their first reset failure at WARN. */
    private volatile boolean resetFailureLogged;

    ObjectPoolImpl(
            String name,
            Supplier<? extends T> factory,
            Consumer<? super T> reset,
            int maxIdle,
            int sharedCapacity,
            int cacheCapacity,
            boolean leakDetection,
            ObjectPoolListener listener) {
        this.name = name;
        this.component = "object pool '" + name + "'";
        this.factory = factory;
        this.reset = reset;
        this.maxIdle = maxIdle;
        this.cacheCapacity = cacheCapacity;
        this.cachesEnabled = cacheCapacity > 0;
        this.listener = listener;
        // Four stripes per processor (as far as the capacity allows 16 entries each): two threads that
        // run at the same time then rarely share a stripe, whose indexes would bounce between cores.
        this.shared = new ObjectPoolStripes<>(
                sharedCapacity, STRIPES_PER_PROCESSOR * Runtime.getRuntime().availableProcessors());
        int cellCount = leakDetection ? 0 : cellCount(maxIdle - sharedCapacity);
        // Generic array creation: every element is set below to a Cell<T>, and the array never escapes.
        @SuppressWarnings("unchecked")
        Cell<T>[] cellArray = (Cell<T>[]) new Cell<?>[cellCount];
        for (int i = 0; i < cellCount; i++) {
            cellArray[i] = new Cell<>();
        }
        this.cells = cellArray;
        this.cellMask = cellCount - 1;
        this.cellsEnabled = cellCount > 0;
        this.cacheBudget = maxIdle - sharedCapacity - cellCount;
        this.caches = ThreadLocal.withInitial(this::newCache);
        this.leakDetector = leakDetection ? new LeakDetector() : null;
    }

    /**
     * The shared queue's capacity for a given maxIdle: the largest power of two not above maxIdle / 2
     * (at least 2), or not above maxIdle if per-thread caches are off. The rest of maxIdle is for caches.
     */
    static int sharedCapacity(int maxIdle, int cacheCapacity) {
        int target = cacheCapacity == 0 ? maxIdle : maxIdle / 2;
        return Math.max(2, Integer.highestOneBit(target));
    }

    /**
     * Cells for virtual threads out of the caches' share of maxIdle: a quarter of it as a power of two, at
     * most {@value #MAX_CELLS}, none below {@value #MIN_CELLS}.
     */
    static int cellCount(int cacheShare) {
        int n = Math.min(MAX_CELLS, Integer.highestOneBit(Math.max(1, cacheShare / 4)));
        return n < MIN_CELLS ? 0 : n;
    }

    /** The reset hook used when none is configured. */
    @SuppressWarnings("unchecked") // a Consumer<Object> accepts every T; Consumer is contravariant in use
    static <T> Consumer<? super T> noReset() {
        return (Consumer<? super T>) NO_RESET;
    }

    // ---------------------------------------------------------------- claim

    @Override
    public Lease<T> claim() {
        LeakDetector detector = leakDetector;
        if (detector != null) {
            reportLeaks(detector);
        }
        Thread thread = Thread.currentThread();
        Slot<T> slot;
        // Opaque: a claim racing with close() may still reuse an idle object; nothing depends on seeing
        // close() at once, only eventually (see Concurrency).
        if ((boolean) CLOSED.getOpaque(this)) {
            slot = claimAfterClose(thread);
        } else if (thread.isVirtual()) {
            slot = cellsEnabled ? claimFromCells(thread) : claimShared(thread);
        } else if (cachesEnabled) {
            slot = claimCached(caches.get(), thread);
        } else {
            slot = claimShared(thread);
        }
        if (detector != null) {
            slot.tracker = detector.track(slot, thread, component);
        }
        // Plain: the slot was just taken out of a cache or a queue (or made), so no other thread holds
        // it; the next owner sees this store through the hand-off edge the Lease contract requires.
        Slot.STATE.set(slot, Slot.CLAIMED);
        return slot;
    }

    private Slot<T> claimCached(Cache<T> cache, Thread thread) {
        if (cache == closedCache) { // closed after the check in claim()
            return claimAfterClose(thread);
        }
        Slot<T> slot = cache.pop();
        if (slot == null) {
            slot = shared.poll(cache.home);
            if (slot == null) {
                slot = allocate();
                cache.counters.miss();
                slot.cache = cache;
                return slot;
            }
        }
        cache.counters.hit();
        // Remembered for close(): a release on this thread then skips the ThreadLocal lookup and the CAS.
        // Stored even when it is already there (a slot from this cache, invariant 4): when claim and
        // close are compiled into one method (try-with-resources) the JIT then knows the value close()
        // reads, and the measured cycle is faster than with a conditional or no store.
        slot.cache = cache;
        return slot;
    }

    /**
     * A virtual thread's claim: the idle object resident in its home cell (or the next), taken with one
     * CAS of the object's own state; the object stays in its cell while on loan, so its release needs no
     * atomic instruction. Else the shared queue, else the factory.
     */
    private Slot<T> claimFromCells(Thread thread) {
        int home = cellHome(thread);
        for (int i = 0; i < CELL_PROBES; i++) {
            Cell<T> cell = cells[(home + i) & cellMask];
            Slot<T> slot = cell.slot();
            if (slot != null && Slot.STATE.compareAndSet(slot, Slot.IDLE, Slot.CLAIMED)) {
                cell.hit(); // the owner of the cell's object is the cell's only writer
                return slot;
            }
        }
        return claimShared(thread);
    }

    /** A virtual thread's home cell: its id, mixed (Fibonacci hashing, high bits), modulo the cell count. */
    private int cellHome(Thread thread) {
        long id = thread.threadId();
        return ((int) (id ^ (id >>> 32)) * 0x9E3779B9) >>> 16 & cellMask;
    }

    private Slot<T> claimShared(Thread thread) {
        Slot<T> slot = shared.poll(shared.home(thread));
        if (slot != null) {
            sharedHits.increment();
            return slot;
        }
        slot = allocate();
        sharedMisses.increment();
        return slot;
    }

    private Slot<T> claimAfterClose(Thread thread) {
        dropLeftovers(thread);
        Slot<T> slot = allocate();
        sharedMisses.increment();
        return slot;
    }

    private Slot<T> allocate() {
        T value = factory.get();
        if (value == null) {
            throw new NullPointerException(component + ": factory returned null");
        }
        return new Slot<>(this, value);
    }

    // ---------------------------------------------------------------- release

    /**
     * Called by Slot.close() on the thread that owns {@code cache}, the cache the slot was claimed from,
     * after the state check (the slot is IDLE and in no place).
     */
    void releaseOwned(Slot<T> slot, Cache<T> cache) {
        // Opaque: see claim(). A racing close() is seen on a later call (the cache is dropped then).
        if ((boolean) CLOSED.getOpaque(this)) {
            slot.cache = null;
            releaseAfterClose(Thread.currentThread());
            return;
        }
        cache.counters.release();
        if (resetOrDiscard(slot) && !cache.push(slot)) {
            slot.cache = null; // the shared queue must not keep this thread's cache reachable
            if (!shared.offer(slot, cache.home)) {
                discard(DiscardReason.IDLE_FULL, null);
            }
        }
    }

    /** Called by Slot.close() after its CAS succeeded (the slot is IDLE and in no place). */
    void release(Slot<T> slot) {
        slot.cache = null; // set by a claim on another thread (or a cache since dropped): forget it
        Thread thread = Thread.currentThread();
        if ((boolean) CLOSED.getOpaque(this)) { // opaque: see claim()
            releaseAfterClose(thread);
            return;
        }
        if (cachesEnabled && !thread.isVirtual()) {
            Cache<T> cache = caches.get();
            if (cache == closedCache) {
                releaseAfterClose(thread);
                return;
            }
            cache.counters.release();
            if (resetOrDiscard(slot)) {
                if (cache.push(slot)) {
                    slot.cache = cache; // invariant 4; its next claim here will then release fast
                } else if (!shared.offer(slot, cache.home)) {
                    discard(DiscardReason.IDLE_FULL, null);
                }
            }
        } else {
            sharedReleases.increment();
            if (resetOrDiscard(slot)
                    && !(cellsEnabled && thread.isVirtual() && install(slot, thread))
                    && !shared.offer(slot, shared.home(thread))) {
                discard(DiscardReason.IDLE_FULL, null);
            }
        }
    }

    /**
     * Makes an idle, reset slot resident in the releasing virtual thread's home cell if that cell is
     * empty; false if it is taken. The CAS publishes the slot with its IDLE state and its reset.
     */
    private boolean install(Slot<T> slot, Thread thread) {
        Cell<T> cell = cells[cellHome(thread)];
        if (cell.slot() != null) {
            return false;
        }
        slot.cell = cell; // before the CAS that publishes the slot: its claimers read it after that CAS
        if (cell.install(slot)) {
            return true;
        }
        slot.cell = null;
        return false;
    }

    /**
     * Called by Slot.close() for a slot resident in {@code cell}, after the state check (still CLAIMED:
     * nobody else can claim it, and the caller owns the cell's counters).
     */
    void releaseResident(Slot<T> slot, Cell<T> cell) {
        if ((boolean) CLOSED.getOpaque(this)) { // opaque: see claim()
            vacate(slot, cell);
            releaseAfterClose(Thread.currentThread());
            return;
        }
        cell.release();
        if (resetOrDiscard(slot)) {
            // Release store: the next claimer's CAS reads it, and so sees the reset and the counters.
            Slot.STATE.setRelease(slot, Slot.IDLE);
        } else {
            vacate(slot, cell);
        }
    }

    /** Takes an owned slot out of its cell for good (DEAD: no CAS can claim it again, closing it throws). */
    private void vacate(Slot<T> slot, Cell<T> cell) {
        slot.cell = null;
        Slot.STATE.setOpaque(slot, Slot.DEAD);
        cell.vacate();
    }

    /** After close: takes every idle object out of the cells (those on loan leave on release). */
    private void vacateIdleCells() {
        for (Cell<T> cell : cells) {
            Slot<T> slot = cell.slot();
            if (slot != null && Slot.STATE.compareAndSet(slot, Slot.IDLE, Slot.CLAIMED)) {
                vacate(slot, cell);
            }
        }
    }

    private boolean resetOrDiscard(Slot<T> slot) {
        Consumer<? super T> hook = reset;
        if (hook == NO_RESET) { // no call at all (the shared call site is megamorphic across pools)
            return true;
        }
        try {
            hook.accept(slot.value);
            return true;
        } catch (RuntimeException e) {
            resetFailures.increment();
            if (!resetFailureLogged) {
                resetFailureLogged = true;
                LOG.warn("{}: reset hook threw; the object is discarded (further failures at DEBUG)", component, e);
            } else {
                LOG.debug("{}: reset hook threw; the object is discarded", component, e);
            }
            discard(DiscardReason.RESET_FAILED, e);
            return false;
        }
    }

    private void releaseAfterClose(Thread thread) {
        sharedReleases.increment();
        dropLeftovers(thread);
        discard(DiscardReason.CLOSED, null);
    }

    /** After close: drops this thread's cache, and whatever releases racing with close() left in shared. */
    private void dropLeftovers(Thread thread) {
        if (cachesEnabled && !thread.isVirtual()) {
            Cache<T> cache = caches.get();
            if (cache != closedCache) {
                cache.clear(); // at once, rather than when the collector finds the cache unreachable
                caches.set(closedCache);
            }
        }
        if (!shared.isEmpty()) {
            shared.clear();
        }
        if (cellsEnabled && thread.isVirtual()) {
            vacateIdleCells(); // an install that raced with close() (rare path: after close only)
        }
    }

    private void discard(DiscardReason reason, @Nullable Throwable cause) {
        discards.increment();
        try {
            listener.onDiscard(name, reason, cause);
        } catch (RuntimeException e) {
            LOG.warn("{}: listener threw from onDiscard({})", component, reason, e);
        }
    }

    // ---------------------------------------------------------------- caches

    /** ThreadLocal initial value: a new cache with its grant from the budget, registered for stats. */
    private Cache<T> newCache() {
        if ((boolean) CLOSED.getVolatile(this)) { // volatile: rare path, and a fresh answer is cheap here
            return closedCache;
        }
        Thread thread = Thread.currentThread();
        registryLock.lock();
        try {
            sweepDeadCaches();
            int grant = Math.min(cacheCapacity, cacheBudget);
            cacheBudget -= grant;
            Counters counters = new Counters();
            Cache<T> cache = new Cache<>(grant, counters, shared.home(thread), thread);
            registry.add(new CacheRef(cache, deadCaches, counters, grant));
            cachesCreated++;
            return cache;
        } finally {
            registryLock.unlock();
        }
    }

    /** Folds the caches of ended threads into retired* and returns their grants. Holds registryLock. */
    private void sweepDeadCaches() {
        Reference<?> r;
        while ((r = deadCaches.poll()) != null) {
            CacheRef ref = (CacheRef) r;
            if (registry.remove(ref)) {
                retiredHits += ref.counters.hits();
                retiredMisses += ref.counters.misses();
                retiredReleases += ref.counters.releases();
                cacheBudget += ref.grant;
            }
        }
    }

    // ---------------------------------------------------------------- leaks

    private void reportLeaks(LeakDetector detector) {
        Reference<?> r;
        while ((r = detector.queue.poll()) != null) {
            LeakTracker tracker = (LeakTracker) r;
            if (detector.live.remove(tracker)) {
                leaks.increment();
                LOG.warn(
                        "{}: a lease was garbage-collected without being released (leak); claimed at:",
                        component,
                        tracker.claimSite);
                try {
                    listener.onLeak(name, tracker.claimSite);
                } catch (RuntimeException e) {
                    LOG.warn("{}: listener threw from onLeak", component, e);
                }
            }
        }
    }

    void untrack(LeakTracker tracker) {
        LeakDetector detector = leakDetector;
        tracker.clear(); // cleared before it could be enqueued: the slot is reachable (we are closing it)
        if (detector != null) {
            detector.live.remove(tracker);
        }
    }

    // ---------------------------------------------------------------- the rest of the API

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean isClosed() {
        return (boolean) CLOSED.getVolatile(this);
    }

    @Override
    public Stats stats() {
        LeakDetector detector = leakDetector;
        if (detector != null) {
            reportLeaks(detector);
        }
        long hits = sharedHits.sum();
        long misses = sharedMisses.sum();
        long releases = sharedReleases.sum();
        registryLock.lock();
        try {
            sweepDeadCaches();
            hits += retiredHits;
            misses += retiredMisses;
            releases += retiredReleases;
            for (CacheRef ref : registry) {
                hits += ref.counters.hits();
                misses += ref.counters.misses();
                releases += ref.counters.releases();
            }
        } finally {
            registryLock.unlock();
        }
        for (Cell<T> cell : cells) {
            hits += cell.hits();
            releases += cell.releases();
        }
        boolean isClosed = isClosed();
        // Once closed, nothing is available for reuse, whatever caches still wait to be dropped. Even a
        // racy sum cannot exceed maxIdle (each part is read once and is bounded by its own capacity, and
        // the capacities sum to at most maxIdle); the min is only a guard.
        int idle = isClosed ? 0 : (int) Math.min(maxIdle, idleCount());
        return new Stats(
                hits + misses,
                hits,
                misses,
                releases,
                discards.sum(),
                resetFailures.sum(),
                leaks.sum(),
                idle,
                maxIdle,
                isClosed);
    }

    /**
     * Idle objects in the live caches and the shared queue, summed one after another: exact when no
     * claim or release runs at the same time, else approximate (never clamped: tests check the bound).
     */
    long idleCount() {
        long idle = shared.size() + residentIdle();
        registryLock.lock();
        try {
            for (CacheRef ref : registry) {
                Cache<?> cache = ref.get();
                if (cache != null) {
                    idle += cache.size();
                }
            }
        } finally {
            registryLock.unlock();
        }
        return idle;
    }

    @Override
    public void close() {
        LeakDetector detector = leakDetector;
        if (detector != null) {
            reportLeaks(detector); // on every call: a later close() may find leaks an earlier one did not
        }
        // Volatile CAS: exactly one caller closes; later opaque reads see it eventually (see claim()).
        if (!CLOSED.compareAndSet(this, false, true)) {
            return;
        }
        shared.clear();
        vacateIdleCells();
        LOG.debug("{}: closed", component);
    }

    @Override
    public String toString() {
        return component;
    }

    // ---------------------------------------------------------------- for tests

    /** How many per-thread caches were ever created. */
    int cachesCreated() {
        registryLock.lock();
        try {
            return cachesCreated;
        } finally {
            registryLock.unlock();
        }
    }

    /** Caches registered and not yet found dead (after a sweep). */
    int liveCaches() {
        registryLock.lock();
        try {
            sweepDeadCaches();
            return registry.size();
        } finally {
            registryLock.unlock();
        }
    }

    /** The shared queue's capacity (the part of maxIdle not granted to caches). */
    int sharedCapacity() {
        return shared.capacity();
    }

    /** Idle objects resident in cells (racy, like {@link #idleCount()}). */
    int residentIdle() {
        int idle = 0;
        for (Cell<T> cell : cells) {
            Slot<T> slot = cell.slot();
            if (slot != null && (int) Slot.STATE.getOpaque(slot) == Slot.IDLE) {
                idle++;
            }
        }
        return idle;
    }

    /** The number of cells for virtual threads (0: none). */
    int cellCount() {
        return cells.length;
    }

    /** The per-thread cache capacity in effect (0: caches off). */
    int cacheCapacity() {
        return cacheCapacity;
    }

    // ---------------------------------------------------------------- parts

    /**
     * One pooled object and its lease, for the object's whole life. See the Design comment.
     *
     * <p>Thread safety: owned by one thread at a time (Lease contract); state is atomic so that a second
     * close is detected even from another thread.
     */
    static final class Slot<T> implements Lease<T> {
        static final int IDLE = 0;
        static final int CLAIMED = 1;
        /** Taken out of its cell for good (reset failed, or the pool closed): never claimed again. */
        static final int DEAD = 2;

        static final VarHandle STATE;

        static {
            try {
                STATE = MethodHandles.lookup().findVarHandle(Slot.class, "state", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final ObjectPoolImpl<T> pool;
        final T value;
        /** IDLE or CLAIMED; accessed through STATE only. */
        private int state;
        /** Set by claim, cleared by close, both by the owner (leak detection only). */
        @Nullable
        LeakTracker tracker;
        /**
         * On loan: the cache it was claimed through (null if claimed without one), so that a release on
         * that cache's owner thread skips the ThreadLocal lookup and the CAS. Idle: the cache it sits in,
         * or null in shared (so that shared never keeps a dead thread's cache reachable). Plain; see
         * Concurrency and invariant 4 in ObjectPoolImpl.
         */
        @Nullable
        Cache<T> cache;
        /**
         * The cell this slot lives in, on loan or idle, if it was made resident there (virtual threads);
         * then cache is null. Plain: written by the slot's owner before the CAS that installs it and when
         * it leaves the cell for good; later owners read it after their claim's CAS.
         */
        @Nullable
        Cell<T> cell;

        Slot(ObjectPoolImpl<T> pool, T value) {
            this.pool = pool;
            this.value = value;
        }

        @Override
        public T get() {
            // Opaque: see Concurrency in ObjectPoolImpl. A stale lease whose object was claimed again
            // passes this check (the ABA limit).
            if ((int) STATE.getOpaque(this) != CLAIMED) {
                throw new IllegalStateException(pool.component + ": lease already released");
            }
            return value;
        }

        @Override
        public void close() {
            Cell<T> home = cell;
            if (home != null) {
                // Resident in a cell: it stays there, so no queue or cache is touched. Opaque check, for the
                // reasons of the fast path below; the IDLE store comes after the reset (releaseResident).
                if ((int) STATE.getOpaque(this) != CLAIMED) {
                    throw new IllegalStateException(pool.component + ": lease released twice");
                }
                pool.releaseResident(this, home);
                return;
            }
            Cache<T> c = cache;
            if (c != null && c.owner == Thread.currentThread()) {
                // Released on the thread that claimed it, into that thread's cache: check and write the
                // state with opaque accesses, no atomic instruction (see Concurrency in ObjectPoolImpl for
                // why this still detects every double close the contract promises to detect).
                if ((int) STATE.getOpaque(this) != CLAIMED) {
                    throw new IllegalStateException(pool.component + ": lease released twice");
                }
                STATE.setOpaque(this, IDLE);
                untrackIfTracked();
                pool.releaseOwned(this, c);
                return;
            }
            // Volatile CAS: a release on another thread than the claim's (or without a cache) is atomic,
            // strong (not weak) so that a spurious failure never reads as "twice".
            if (!STATE.compareAndSet(this, CLAIMED, IDLE)) {
                throw new IllegalStateException(pool.component + ": lease released twice");
            }
            untrackIfTracked();
            pool.release(this);
        }

        private void untrackIfTracked() {
            LeakTracker t = tracker;
            if (t != null) {
                tracker = null;
                pool.untrack(t);
            }
        }

        @Override
        public String toString() {
            boolean claimed = (int) STATE.getOpaque(this) == CLAIMED;
            return pool.component + " lease (" + (claimed ? "on loan" : "released") + ")";
        }
    }

    /**
     * A platform thread's idle slots: a LIFO stack, last released first claimed (it is the warmest in the
     * CPU cache). Its top is a field of its own, {@code top}, and the rest an array: a thread that claims
     * and releases one object at a time (the common case) touches only that field. Thread safety: owned
     * by one thread; only {@link #size()} may be read by others.
     */
    static final class Cache<T> {
        private static final VarHandle SIZE;
        private static final VarHandle TOP;

        static {
            try {
                MethodHandles.Lookup lookup = MethodHandles.lookup();
                SIZE = lookup.findVarHandle(Cache.class, "size", int.class);
                TOP = lookup.findVarHandle(Cache.class, "top", Slot.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        /**
         * The top of the stack, if any (null while the stack is empty); the rest is in slots. Written by
         * the owner only, through TOP (opaque, for stats()).
         */
        private @Nullable Slot<T> top;
        /** Whether top may be used: false for a cache of capacity 0. */
        private final boolean hasTop;
        /** Below top, bottom first; capacity - 1 entries (0 for capacity 0). */
        private final @Nullable Slot<T>[] slots;

        final Counters counters;
        final int home;
        /** The thread this cache belongs to (null for closedCache, which belongs to no thread). */
        final @Nullable Thread owner;
        /** Written by the owner only (opaque, for stats()); accessed through SIZE for writes. */
        private int size;

        Cache(int capacity, Counters counters, int home, @Nullable Thread owner) {
            // Generic array creation: only Slot<T>s are stored, and the array never leaves this object.
            @SuppressWarnings("unchecked")
            @Nullable
            Slot<T>[] array = (@Nullable Slot<T>[]) new Slot<?>[Math.max(0, capacity - 1)];
            this.slots = array;
            this.hasTop = capacity > 0;
            this.counters = counters;
            this.home = home;
            this.owner = owner;
        }

        /** Takes the top; null if empty. Invariant: top == null implies the array is empty. */
        @Nullable
        Slot<T> pop() {
            Slot<T> slot = top;
            if (slot == null) {
                return null;
            }
            int n = size - 1;
            if (n < 0) {
                // Opaque: see size(). Cleared: a claimed slot must not stay reachable from here (leaks, GC).
                TOP.setOpaque(this, null);
            } else {
                TOP.setOpaque(this, slots[n]); // the array's last entry becomes the top
                slots[n] = null;
                SIZE.setOpaque(this, n); // opaque: untorn for stats(); no ordering needed
            }
            return slot;
        }

        /** Puts a slot on top; false (and nothing changed) if full. */
        boolean push(Slot<T> slot) {
            Slot<T> below = top;
            if (below == null) {
                if (!hasTop) {
                    return false;
                }
            } else {
                int n = size;
                if (n == slots.length) {
                    return false;
                }
                slots[n] = below;
                SIZE.setOpaque(this, n + 1); // opaque: see pop()
            }
            TOP.setOpaque(this, slot); // opaque: see size()
            return true;
        }

        void clear() {
            Arrays.fill(slots, 0, size, null);
            SIZE.setOpaque(this, 0); // opaque: see pop()
            TOP.setOpaque(this, null); // opaque: see size()
        }

        /**
         * Slots held (racy when read by another thread than the owner: the two fields are read one after
         * the other, each opaquely, so untorn, and the sum never exceeds the capacity).
         */
        int size() {
            int n = (int) SIZE.getOpaque(this);
            return TOP.getOpaque(this) == null ? n : n + 1;
        }
    }

    /** Padding before a cell's fields, so that two cells never share a cache line. */
    abstract static class CellPad0 {
        long p00, p01, p02, p03, p04, p05, p06, p07;
    }

    /** A cell's fields (see {@link Cell}). */
    abstract static class CellFields<T> extends CellPad0 {
        /** The resident slot, or null. Accessed through SLOT only. */
        @Nullable
        Slot<T> slot;
        /** Written by the owner of the resident slot only (through HITS / RELEASES, opaque). */
        long hits;

        long releases;
    }

    /**
     * One home for one object, used by virtual threads instead of a per-thread cache: a virtual thread
     * claims the object resident in the cell its id hashes to with a CAS of the object's state, and the
     * object stays there while on loan, so its release is a plain state store. The counters are written
     * only by whoever holds the resident object, so they need no atomic instruction either. A slot enters
     * a cell once (CAS from null, by a releasing virtual thread) and leaves it only as DEAD.
     *
     * <p>Thread safety: slot by CAS and acquire/release accesses; counters single-writer as described.
     */
    static final class Cell<T> extends CellFields<T> {
        private static final VarHandle SLOT;
        private static final VarHandle HITS;
        private static final VarHandle RELEASES;

        static {
            try {
                MethodHandles.Lookup lookup = MethodHandles.lookup();
                SLOT = lookup.findVarHandle(CellFields.class, "slot", Slot.class);
                HITS = lookup.findVarHandle(CellFields.class, "hits", long.class);
                RELEASES = lookup.findVarHandle(CellFields.class, "releases", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        long p10, p11, p12, p13, p14, p15, p16, p17;

        /** The resident slot; acquire, so that its installation (and its reset) is seen. */
        @SuppressWarnings("unchecked") // SLOT only ever holds this cell's Slot<T>
        @Nullable
        Slot<T> slot() {
            return (Slot<T>) SLOT.getAcquire(this);
        }

        boolean install(Slot<T> s) {
            return SLOT.compareAndSet(this, null, s);
        }

        void vacate() {
            SLOT.setRelease(this, null);
        }

        void hit() {
            HITS.setOpaque(this, hits + 1);
        }

        void release() {
            RELEASES.setOpaque(this, releases + 1);
        }

        long hits() {
            return (long) HITS.getOpaque(this);
        }

        long releases() {
            return (long) RELEASES.getOpaque(this);
        }
    }

    /**
     * A cache's counters, kept apart from the cache so that they outlive its thread (the registry holds
     * them strongly). Thread safety: one writer, the cache's owner; opaque reads from stats().
     */
    static final class Counters {
        private static final VarHandle HITS;
        private static final VarHandle MISSES;
        private static final VarHandle RELEASES;

        static {
            try {
                MethodHandles.Lookup lookup = MethodHandles.lookup();
                HITS = lookup.findVarHandle(Counters.class, "hits", long.class);
                MISSES = lookup.findVarHandle(Counters.class, "misses", long.class);
                RELEASES = lookup.findVarHandle(Counters.class, "releases", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private long hits;
        private long misses;
        private long releases;

        // Single writer: a plain read of its own last store plus an opaque store (untorn for readers, and
        // not merged away by the compiler) is a complete increment without any atomic instruction.
        void hit() {
            HITS.setOpaque(this, hits + 1);
        }

        void miss() {
            MISSES.setOpaque(this, misses + 1);
        }

        void release() {
            RELEASES.setOpaque(this, releases + 1);
        }

        long hits() {
            return (long) HITS.getOpaque(this);
        }

        long misses() {
            return (long) MISSES.getOpaque(this);
        }

        long releases() {
            return (long) RELEASES.getOpaque(this);
        }
    }

    /** Registry entry: weak to a cache (dies with its thread), strong to its counters and grant. */
    static final class CacheRef extends WeakReference<Cache<?>> {
        final Counters counters;
        final int grant;

        CacheRef(Cache<?> cache, ReferenceQueue<Cache<?>> queue, Counters counters, int grant) {
            super(cache, queue);
            this.counters = counters;
            this.grant = grant;
        }
    }

    /** Leak detection state. Thread safety: a concurrent set and a reference queue, both thread-safe. */
    static final class LeakDetector {
        final ReferenceQueue<Object> queue = new ReferenceQueue<>();
        /** Keeps trackers reachable (a reference object that is collected is never enqueued). */
        final Set<LeakTracker> live = ConcurrentHashMap.newKeySet();

        LeakTracker track(Slot<?> slot, Thread thread, String component) {
            Throwable site = new Throwable(component + ": lease claimed here, by thread '" + thread.getName() + "' (#"
                    + thread.threadId() + "), and never released");
            LeakTracker tracker = new LeakTracker(slot, queue, site);
            live.add(tracker);
            return tracker;
        }
    }

    /** A phantom reference to a claimed slot, with where it was claimed. */
    static final class LeakTracker extends PhantomReference<Object> {
        final Throwable claimSite;

        LeakTracker(Object slot, ReferenceQueue<Object> queue, Throwable claimSite) {
            super(slot, queue);
            this.claimSite = claimSite;
        }
    }
}

package io.hal9.pool;

import io.hal9.pool.ObjectPoolListener.DiscardReason;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.util.ArrayList;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ObjectPool} implementation: per-platform-thread caches and, for virtual threads, cells of
 * one resident object each, in front of striped JCTools queues; one permanent {@link ObjectPoolSlot} (the lease)
 * per pooled object.
 *
 * <p>Files: this class claims, releases, keeps the registry of caches and closes; {@link ObjectPoolSlot} is
 * a pooled object and its lease, {@link ThreadCache} a platform thread's stack of idle slots (with its
 * {@link CacheCounters}), {@link ObjectPoolCell} a virtual thread's home cell, {@link LeakDetector} the
 * optional leak tracking, {@link ObjectPoolStripes} the shared queues. The comment below is the one
 * description of how they work together; each of those files follows it. That comment (about 90 lines of
 * numbered invariants) is why this file is a little over ~700 lines: split, it would be read in two places.
 *
 * <p>Thread safety: see {@link ObjectPool}: any number of threads.
 */
final class ObjectPoolImpl<T> implements ObjectPool<T> {
    /*
     * Design
     * - Every pooled object lives in one ObjectPoolSlot for its whole life; the ObjectPoolSlot IS the Lease, so a claim hands
     *   out an existing object and a release allocates nothing. ObjectPoolSlot.state is IDLE or CLAIMED. claim sets
     *   CLAIMED with a plain store (the slot was just taken out of a cache or queue: nobody else holds
     *   it); close() moves CLAIMED -> IDLE, and finding it IDLE is the "released twice" error, thrown
     *   before anything else is touched. ABA limit: see ObjectPool's Javadoc.
     * - Fast path: a claim through a thread's cache remembers that cache in the slot (ObjectPoolSlot.cache; the
     *   cache knows its owner thread). A close on that same thread (the common case: try-with-resources)
     *   then needs no ThreadLocal lookup and no atomic instruction: opaque check of the state, opaque
     *   store of IDLE, push into the remembered cache. A close on any other thread (or of a slot claimed
     *   without a cache) takes the slow path: a compareAndSet of the state, then the releasing thread's
     *   own cache through the ThreadLocal, or shared. A slot never enters shared with ObjectPoolSlot.cache set, so
     *   shared never keeps a thread's cache (and the thread) reachable.
     * - Idle slots sit in (a) the cache of the platform thread that released them: a LIFO stack (a top
     *   field and an array) owned by that thread, reached through a per-pool ThreadLocal (or ObjectPoolSlot.cache),
     *   or (b) `shared`, a small power-of-two set of MpmcArrayQueues; a thread starts at its home stripe
     *   (from its id). Claim: own cache, else shared, else the factory (miss). Release: reset, then own
     *   cache, else shared, else discard. Virtual threads never get a cache (ThreadLocal maps would
     *   multiply with them); they use cells (below), else shared.
     * - Cells (virtual threads; none with leak detection on or a small maxIdle): a fixed, padded array of
     *   ObjectPoolCell objects, each the home of at most one resident slot. A virtual thread hashes its id to a home
     *   cell. Claim: CAS the resident slot's state IDLE -> CLAIMED (home cell, then the next), else shared,
     *   else the factory. The slot stays in its cell while on loan (ObjectPoolSlot.cell), so its close, on any
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
     * - Counting: claims on the cached path count into the thread's CacheCounters (plain fields, one writer,
     *   opaque stores so that stats() reads untorn values); everything else (virtual threads, caches off,
     *   after close, discards, leaks) counts into LongAdders. claims = hits + misses, not counted apart.
     * - Registry: for stats and budget, each cache has a ThreadCache.Ref (weak to the cache, strong to its
     *   CacheCounters and grant) in `registry`. The cache itself is strongly reachable only from its thread's
     *   ThreadLocal map, so when the thread ends (Thread.exit drops the map) the cache and its idle
     *   objects become garbage; the ThreadCache.Ref is enqueued, and the next sweep (cache creation or stats())
     *   folds its counters into retired* and returns its grant. Nothing global pins a dead thread's cache.
     * - close(): sets `closed` once, clears shared. A thread's cache cannot be cleared by another thread
     *   (its accesses are plain), so each thread drops its own on its next claim/release by replacing it
     *   with closedCache (capacity 0, holds no slot and no pool). After close, claims allocate and
     *   releases discard, so game loops keep running during shutdown.
     * - Leak detection (optional): each claim registers a LeakDetector.Tracker, a PhantomReference to the slot
     *   holding the claim's stack trace, in a concurrent set (reference objects must stay reachable to be
     *   enqueued). close() clears it and removes it. A slot dropped while CLAIMED is referenced by no
     *   cache or queue (pop and poll null out their entries), so the collector enqueues its tracker;
     *   claim(), stats() and close() poll the queue and report.
     *
     * Concurrency
     * - ObjectPoolSlot.state: see above. get() reads it opaquely: the owner sees its own stores; a thread that got
     *   the lease through a happens-before edge (the Lease contract) sees the claim's store.
     * - Why the fast close may use opaque accesses instead of a CAS. A lease has one owner at a time, and
     *   ownership moves only along happens-before edges (Lease contract). Every close that the contract
     *   lets us see as "twice" is ordered after the first close by such an edge or by program order, so it
     *   reads IDLE (or CLAIMED from a later claim: the documented ABA limit), whichever path each close
     *   took: (a) the same thread twice: program order; the first close wrote IDLE (opaque or CAS) and
     *   left ObjectPoolSlot.cache as it was or null. (b) First close on thread B, second on the claiming thread A
     *   after an edge from B: A sees the ObjectPoolSlot.cache B left (null, or B's own cache), takes the slow path,
     *   and its CAS fails. (c) First close on A (fast path), second on B after an edge: B sees IDLE and
     *   its CAS fails. The only closes that may both pass are two closes of one lease racing on two
     *   threads with no edge between them: two owners at once, outside the contract, like the ABA case
     *   (a CAS would catch that race, at the price of an atomic on every release). Opaque (not plain) so
     *   that the JIT can neither drop the store nor reuse a stale read across calls. The IDLE store needs
     *   no release ordering: the slot then goes into the owner's own cache (same thread) or through
     *   shared, whose offer/poll give the edge to the next claimer.
     * - ObjectPoolSlot.cache: plain; written only by the thread that holds the slot (claimed, or being released):
     *   set by every claim through a cache and by a slow-path push into the releaser's cache,
     *   cleared (null) by a slow-path close after its CAS and before any slot goes to shared. A close
     *   reads it after the hand-off edge and only compares the cache's final owner with its own thread,
     *   so only the owner itself can take the fast path, on a cache only it ever writes.
     * - ThreadCache: every access by its owner thread except the opaque reads of `size` and `top` by stats().
     *   CacheCounters: one writer (the owner), opaque stores; stats() reads them opaquely (untorn, maybe stale).
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
     * 4. A slot idle in a cache has ObjectPoolSlot.cache == that cache; a slot idle in shared has ObjectPoolSlot.cache ==
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

    /** The listener of a pool built without one: every callback does nothing. */
    static final ObjectPoolListener NO_LISTENER = new ObjectPoolListener() {};

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
    private final ObjectPoolStripes<ObjectPoolSlot<T>> shared;
    /** Virtual threads' home cells (empty when there are none: leak detection on, or maxIdle too small). */
    private final ObjectPoolCell<T>[] cells;

    private final int cellMask;
    private final boolean cellsEnabled;
    private final ThreadLocal<ThreadCache<T>> caches;
    /** Stands in for a thread's cache once the pool is closed: capacity 0, references no slot, no pool. */
    private final ThreadCache<T> closedCache = new ThreadCache<>(0, new CacheCounters(), 0, null);

    private final @Nullable LeakDetector leakDetector;

    private final LongAdder sharedHits = new LongAdder();
    private final LongAdder sharedMisses = new LongAdder();
    private final LongAdder sharedReleases = new LongAdder();
    private final LongAdder discards = new LongAdder();
    private final LongAdder resetFailures = new LongAdder();
    private final LongAdder leaks = new LongAdder();

    private final ReentrantLock registryLock = new ReentrantLock();
    private final ArrayList<ThreadCache.Ref> registry = new ArrayList<>(); // guarded by registryLock
    private final ReferenceQueue<ThreadCache<?>> deadCaches = new ReferenceQueue<>();
    private int cacheBudget; // guarded by registryLock
    private int cachesCreated; // guarded by registryLock
    private long retiredHits; // guarded by registryLock
    private long retiredMisses; // guarded by registryLock
    private long retiredReleases; // guarded by registryLock

    /** Set once by close(). Accessed through CLOSED only. */
    private boolean closed;

    /** benign race: at worst two threads both log their first reset failure at WARN. */
    private volatile boolean resetFailureLogged;

    ObjectPoolImpl(ObjectPool.Builder<T> b) {
        String name = b.name;
        int maxIdle = b.maxIdle;
        int cacheCapacity = b.effectiveThreadLocalCapacity();
        int sharedCapacity = sharedCapacity(maxIdle, cacheCapacity);
        boolean leakDetection = b.leakDetection;
        this.name = name;
        this.component = "object pool '" + name + "'";
        this.factory = b.factory;
        this.reset = b.reset;
        this.maxIdle = maxIdle;
        this.cacheCapacity = cacheCapacity;
        this.cachesEnabled = cacheCapacity > 0;
        this.listener = b.listener;
        // Four stripes per processor (as far as the capacity allows 16 entries each): two threads that
        // run at the same time then rarely share a stripe, whose indexes would bounce between cores.
        this.shared = new ObjectPoolStripes<>(
                sharedCapacity, STRIPES_PER_PROCESSOR * Runtime.getRuntime().availableProcessors());
        int cellCount = leakDetection ? 0 : cellCount(maxIdle - sharedCapacity);
        // Generic array creation: every element is set below to an ObjectPoolCell<T>, and the array never escapes.
        @SuppressWarnings("unchecked")
        ObjectPoolCell<T>[] cellArray = (ObjectPoolCell<T>[]) new ObjectPoolCell<?>[cellCount];
        for (int i = 0; i < cellCount; i++) {
            cellArray[i] = new ObjectPoolCell<>();
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
        ObjectPoolSlot<T> slot;
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
        ObjectPoolSlot.STATE.set(slot, ObjectPoolSlot.CLAIMED);
        return slot;
    }

    private ObjectPoolSlot<T> claimCached(ThreadCache<T> cache, Thread thread) {
        if (cache == closedCache) { // closed after the check in claim()
            return claimAfterClose(thread);
        }
        ObjectPoolSlot<T> slot = cache.pop();
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
    private ObjectPoolSlot<T> claimFromCells(Thread thread) {
        int home = cellHome(thread);
        for (int i = 0; i < CELL_PROBES; i++) {
            ObjectPoolCell<T> cell = cells[(home + i) & cellMask];
            ObjectPoolSlot<T> slot = cell.slot();
            if (slot != null && ObjectPoolSlot.STATE.compareAndSet(slot, ObjectPoolSlot.IDLE, ObjectPoolSlot.CLAIMED)) {
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

    private ObjectPoolSlot<T> claimShared(Thread thread) {
        ObjectPoolSlot<T> slot = shared.poll(shared.home(thread));
        if (slot != null) {
            sharedHits.increment();
            return slot;
        }
        slot = allocate();
        sharedMisses.increment();
        return slot;
    }

    private ObjectPoolSlot<T> claimAfterClose(Thread thread) {
        dropLeftovers(thread);
        ObjectPoolSlot<T> slot = allocate();
        sharedMisses.increment();
        return slot;
    }

    private ObjectPoolSlot<T> allocate() {
        T value = factory.get();
        if (value == null) {
            throw new NullPointerException(component + ": factory returned null");
        }
        return new ObjectPoolSlot<>(this, value);
    }

    // ---------------------------------------------------------------- release

    /**
     * Called by ObjectPoolSlot.close() on the thread that owns {@code cache}, the cache the slot was claimed from,
     * after the state check (the slot is IDLE and in no place).
     */
    void releaseOwned(ObjectPoolSlot<T> slot, ThreadCache<T> cache) {
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

    /** Called by ObjectPoolSlot.close() after its CAS succeeded (the slot is IDLE and in no place). */
    void release(ObjectPoolSlot<T> slot) {
        slot.cache = null; // set by a claim on another thread (or a cache since dropped): forget it
        Thread thread = Thread.currentThread();
        if ((boolean) CLOSED.getOpaque(this)) { // opaque: see claim()
            releaseAfterClose(thread);
            return;
        }
        if (cachesEnabled && !thread.isVirtual()) {
            ThreadCache<T> cache = caches.get();
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
    private boolean install(ObjectPoolSlot<T> slot, Thread thread) {
        ObjectPoolCell<T> cell = cells[cellHome(thread)];
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
     * Called by ObjectPoolSlot.close() for a slot resident in {@code cell}, after the state check (still CLAIMED:
     * nobody else can claim it, and the caller owns the cell's counters).
     */
    void releaseResident(ObjectPoolSlot<T> slot, ObjectPoolCell<T> cell) {
        if ((boolean) CLOSED.getOpaque(this)) { // opaque: see claim()
            vacate(slot, cell);
            releaseAfterClose(Thread.currentThread());
            return;
        }
        cell.release();
        if (resetOrDiscard(slot)) {
            // Release store: the next claimer's CAS reads it, and so sees the reset and the counters.
            ObjectPoolSlot.STATE.setRelease(slot, ObjectPoolSlot.IDLE);
        } else {
            vacate(slot, cell);
        }
    }

    /** Takes an owned slot out of its cell for good (DEAD: no CAS can claim it again, closing it throws). */
    private void vacate(ObjectPoolSlot<T> slot, ObjectPoolCell<T> cell) {
        slot.cell = null;
        ObjectPoolSlot.STATE.setOpaque(slot, ObjectPoolSlot.DEAD);
        cell.vacate();
    }

    /** After close: takes every idle object out of the cells (those on loan leave on release). */
    private void vacateIdleCells() {
        for (ObjectPoolCell<T> cell : cells) {
            ObjectPoolSlot<T> slot = cell.slot();
            if (slot != null && ObjectPoolSlot.STATE.compareAndSet(slot, ObjectPoolSlot.IDLE, ObjectPoolSlot.CLAIMED)) {
                vacate(slot, cell);
            }
        }
    }

    private boolean resetOrDiscard(ObjectPoolSlot<T> slot) {
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
            ThreadCache<T> cache = caches.get();
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
    private ThreadCache<T> newCache() {
        if ((boolean) CLOSED.getVolatile(this)) { // volatile: rare path, and a fresh answer is cheap here
            return closedCache;
        }
        Thread thread = Thread.currentThread();
        registryLock.lock();
        try {
            sweepDeadCaches();
            int grant = Math.min(cacheCapacity, cacheBudget);
            cacheBudget -= grant;
            CacheCounters counters = new CacheCounters();
            ThreadCache<T> cache = new ThreadCache<>(grant, counters, shared.home(thread), thread);
            registry.add(new ThreadCache.Ref(cache, deadCaches, counters, grant));
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
            ThreadCache.Ref ref = (ThreadCache.Ref) r;
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
        for (Throwable claimSite = detector.pollLeak(); claimSite != null; claimSite = detector.pollLeak()) {
            leaks.increment();
            LOG.warn(
                    "{}: a lease was garbage-collected without being released (leak); claimed at:",
                    component,
                    claimSite);
            try {
                listener.onLeak(name, claimSite);
            } catch (RuntimeException e) {
                LOG.warn("{}: listener threw from onLeak", component, e);
            }
        }
    }

    void untrack(LeakDetector.Tracker tracker) {
        LeakDetector detector = leakDetector;
        if (detector != null) {
            detector.untrack(tracker);
        } else {
            tracker.clear();
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
            for (ThreadCache.Ref ref : registry) {
                hits += ref.counters.hits();
                misses += ref.counters.misses();
                releases += ref.counters.releases();
            }
        } finally {
            registryLock.unlock();
        }
        for (ObjectPoolCell<T> cell : cells) {
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
            for (ThreadCache.Ref ref : registry) {
                ThreadCache<?> cache = ref.get();
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
        for (ObjectPoolCell<T> cell : cells) {
            ObjectPoolSlot<T> slot = cell.slot();
            if (slot != null && (int) ObjectPoolSlot.STATE.getOpaque(slot) == ObjectPoolSlot.IDLE) {
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
}

package io.hal9.pool;

import static io.hal9.pool.ConnectionEntry.CREATING;
import static io.hal9.pool.ConnectionEntry.FREE;
import static io.hal9.pool.ConnectionEntry.IDLE;
import static io.hal9.pool.ConnectionEntry.IN_USE;
import static io.hal9.pool.ConnectionEntry.ONE_GENERATION;
import static io.hal9.pool.ConnectionEntry.RESERVED;
import static io.hal9.pool.ConnectionEntry.STAMP;
import static io.hal9.pool.ConnectionEntry.STATE_MASK;
import static io.hal9.pool.ConnectionEntry.expired;
import static io.hal9.pool.ConnectionEntry.tryClaim;
import static io.hal9.pool.ConnectionWaiter.GRANTED;
import static io.hal9.pool.ConnectionWaiter.REFUSED;
import static io.hal9.pool.ConnectionWaiter.WAITING;

import io.hal9.core.Admission;
import io.hal9.core.RejectedException;
import io.hal9.core.Ticker;
import io.hal9.core.internal.Checks;
import io.hal9.core.internal.WaiterFifo;
import io.hal9.pool.internal.Housekeeper;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ConnectionPool} built by {@link ConnectionPool.Builder}.
 *
 * <p>Design: a fixed array of {@code maxConnections} slots ({@link ConnectionEntry}, which documents the stamp and who may touch which field), filled lowest index first
 * and never shrunk; {@link #extent} is the number of slots ever used. Each slot carries one 64-bit
 * {@code stamp}: bits 0-2 its state ({@link ConnectionEntry#FREE FREE}, {@code CREATING}, {@code IDLE},
 * {@code IN_USE}, {@code RESERVED}), bits 3-63 a claim generation that grows by one at every claim. A claim is one CAS
 * IDLE(g) -> IN_USE(g+1); the lease keeps the stamp it claimed with, so a lease can only ever give back
 * the claim it made: a second close, or a close of a stale lease after the slot was claimed again,
 * fails its CAS and is refused (no ABA, no corrupted pool). A release is one CAS IN_USE(g) -> IDLE(g).
 * The permit that bounds the pool is the slot itself: a connection exists only in an occupied slot, so
 * at most {@code maxConnections} exist, counting those being opened (CREATING) and closed (RESERVED).
 *
 * <p>The fast path ({@link #claimIdle()}) tries the slot this thread's stripe used last (a hint, so
 * that one or two threads each keep hitting their own slot without sharing a cache line), then scans
 * from slot 0 up: low slots are reused first, so high slots go idle and are evicted. It applies only
 * while {@link #control} is 0: no waiter and not closed. Waiters, fairness, creation and close go
 * through {@link #lock}, which guards the FIFO {@link #waiters} (HAL9's one {@link WaiterFifo}, of {@link
 * ConnectionWaiter}s) and the creation-failure state kept by the {@link ConnectionCreator}. A slot that becomes IDLE while someone waits is handed to the oldest waiter under the lock ({@link
 * #dispatchLocked()}); newcomers do not take it first because the fast path backs off while {@code
 * control != 0}.
 *
 * <p>Concurrency: {@code stamp} changes only by CAS or volatile store. IDLE slots are claimed by CAS
 * from any thread (fast path, dispatcher, housekeeping, close); IN_USE, CREATING and RESERVED slots
 * belong to one thread (the lease holder, the creating task, the destroying thread), which alone moves
 * them on. An entry's plain fields ({@code connection}, {@code createdAt}, {@code lifetime}, {@code
 * lastUsed}) are written only by the slot's owner before it publishes the slot with a volatile stamp
 * write, and read by others only after a volatile stamp read that saw that write (and, for decisions,
 * validated with a CAS on the same stamp). {@link #control} packs "closed" (bit 31) and the number of
 * waiters (bits 0-30); it changes only under the lock, by atomic operations. The one ordering that
 * matters across the two: a thread that makes a slot IDLE (release, creation) then reads {@code
 * control}; a waiter that registers increments {@code control} then scans the slots under the lock;
 * close sets the bit then scans. All are volatile (sequentially consistent) accesses, so in each pair
 * at least one side sees the other (Dekker): an IDLE slot is never left behind while someone waits,
 * nor left open after close.
 *
 * <p>Time: a claim reads the ticker once (lifetime and idle-validation checks); a return reads none.
 * It stamps the slot's idle start from {@link #clock}, the most recent reading any thread made: about
 * a millisecond old in a busy pool, at most the time since the last claim (and, as housekeeping reads
 * the ticker too, at most one housekeeping interval) in a quiet one. That only ever overestimates
 * idleness, slightly: at worst a connection is validated once more than needed or evicted a little
 * early.
 *
 * <p>Files: this class claims, returns, dispatches to waiters and closes; {@link ConnectionCreator} opens
 * connections and backs off while that fails; {@link ConnectionHousekeeping} evicts idle and old
 * connections; {@link ConnectionEntry} is a slot, {@link ConnectionLeaseImpl} a claim of one, {@link
 * ConnectionWaiter} a blocked caller. This file stays above ~700 lines on purpose: claim, return, dispatch
 * and close are the two sides of the Dekker pairing on {@code control} and the slot stamps described
 * above, and their invariants must be read together.
 *
 * <p>Invariants: (1) {@code live + creating} equals the occupied slots, modulo the few instructions
 * between a slot changing and its counter. (2) While anyone waits, any IDLE slot is handed out by the
 * next dispatch (every transition to IDLE is followed by a {@code control} check). (3) Every created
 * connection is destroyed exactly once: destroy needs the slot RESERVED, which only one CAS wins. (4)
 * While creation fails, at most one creation runs at a time, and only after the backoff expired.
 */
final class ConnectionPoolImpl<C> implements ConnectionPool<C> {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionPool.class);

    private static final int CLOSED_BIT = Integer.MIN_VALUE;
    private static final int WAITING_MASK = Integer.MAX_VALUE;

    /** Hint stripes (a power of two), each on its own 64-byte line ({@link #PAD} ints apart). */
    private static final int STRIPES = 16;

    private static final int PAD = 16;

    /** The shared clock is refreshed when it lags the ticker by more than this. */
    private static final long CLOCK_GRANULARITY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private static final VarHandle CONTROL;
    private static final VarHandle CLOCK;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            CONTROL = lookup.findVarHandle(ConnectionPoolImpl.class, "control", int.class);
            CLOCK = lookup.findVarHandle(ConnectionPoolImpl.class, "clock", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String name;
    final String component;
    private final ConnectionFactory<C> factory;
    private final int maxConnections;
    private final int minConnections;
    private final Duration connectionTimeout;
    private final long validateAfterIdleNanos;
    private final Duration housekeepingInterval;
    private final Duration closeTimeout;
    private final Ticker ticker;
    private final @Nullable ConnectionPoolListener listener;
    private final ScheduledExecutorService housekeeper;
    private final Executor executor;

    /** The slots; {@code slots[i]} for {@code i < extent} is set and final once published. */
    final ConnectionEntry<C>[] slots;

    /** Slots ever used. Volatile: the write after {@code slots[extent] = e} publishes the new entry. */
    volatile int extent;

    /** Last slot claimed per stripe. benign race: plain ints; a stale hint costs one failed CAS. */
    private final int[] hints = new int[STRIPES * PAD];

    /** Bit 31: closed; bits 0-30: waiters. Accessed through {@link #CONTROL}; changed under the lock. */
    private volatile int control;

    /** Guards the waiters, the creator's failure state and the slots' FREE -> CREATING step. */
    final ReentrantLock lock = new ReentrantLock();

    private final Condition terminated = lock.newCondition();

    /** Callers blocked in acquire, oldest first; guarded by {@link #lock}. */
    final WaiterFifo<ConnectionWaiter<C>> waiters = new WaiterFifo<>();

    /** Connections that exist (IDLE, IN_USE or RESERVED with a connection). */
    final AtomicInteger live = new AtomicInteger();

    /** Slots in CREATING. */
    final AtomicInteger creating = new AtomicInteger();

    final LongAdder created = new LongAdder();
    final LongAdder destroyed = new LongAdder();
    final LongAdder creationFailures = new LongAdder();
    private final LongAdder timeouts = new LongAdder();
    /** Claims that did not become leases (stale on check-out, interrupted waiter); see stats(). */
    private final LongAdder unhanded = new LongAdder();

    /**
     * A recent ticker reading, refreshed by every claim and slow path that reads the ticker (at most
     * once per {@link #CLOCK_GRANULARITY_NANOS}, so that busy threads do not keep writing its line).
     * A return stamps its slot's idle time from it instead of reading the ticker: returning costs no
     * clock read. Accessed through {@link #CLOCK} in opaque mode: atomic (no torn long), no ordering
     * needed, as it is only a lower bound of "now".
     */
    @SuppressWarnings("unused") // accessed through CLOCK
    private long clock;

    /** Opens connections and keeps the creation-failure state; see {@link ConnectionCreator}. */
    final ConnectionCreator<C> creator;

    /** Idle eviction, lifetime checks and the minimum fill; see {@link ConnectionHousekeeping}. */
    private final ConnectionHousekeeping<C> housekeeping;

    private volatile @Nullable ScheduledFuture<?> schedule;

    private ConnectionPoolImpl(ConnectionPool.Builder<C> b) {
        this.name = b.name;
        this.component = b.component;
        this.factory = b.factory;
        this.maxConnections = b.maxConnections;
        this.minConnections = b.effectiveMinConnections();
        this.connectionTimeout = b.connectionTimeout;
        this.validateAfterIdleNanos = Checks.saturatedNanos(b.validateAfterIdle);
        this.housekeepingInterval = b.housekeepingInterval;
        this.closeTimeout = b.closeTimeout;
        this.ticker = b.ticker;
        this.listener = b.listener;
        this.housekeeper = b.housekeeper;
        this.executor = b.executor;
        @SuppressWarnings("unchecked") // an array of a generic type; it only ever holds ConnectionEntry<C>
        ConnectionEntry<C>[] array = (ConnectionEntry<C>[]) new ConnectionEntry<?>[b.maxConnections];
        this.slots = array;
        this.clock = ticker.read();
        this.creator = new ConnectionCreator<>(this, b);
        this.housekeeping = new ConnectionHousekeeping<>(this, b);
    }

    /** Builds the pool from its builder, schedules housekeeping and starts the minimum fill. */
    static <C> ConnectionPoolImpl<C> start(ConnectionPool.Builder<C> b) {
        ConnectionPoolImpl<C> pool = new ConnectionPoolImpl<>(b);
        try {
            pool.schedule = Housekeeper.scheduleWithFixedDelay(
                    pool.housekeeper, pool.component, pool.housekeeping::trigger, pool.housekeepingInterval);
        } catch (RejectedExecutionException e) {
            LOG.warn("{}: the housekeeping scheduler refused the pool; no idle eviction or lifetime checks", b.name, e);
        }
        LOG.info(
                "{}: started (maxConnections={}, minConnections={}, connectionTimeout={})",
                b.name,
                b.maxConnections,
                pool.minConnections,
                Checks.formatDuration(b.connectionTimeout));
        pool.creator.fill();
        return pool;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public @Nullable ConnectionPoolListener listener() {
        return listener;
    }

    // ------------------------------------------------------------------ claiming

    @Override
    public @Nullable ConnectionLease<C> tryAcquire() {
        for (; ; ) {
            // Volatile read: a waiter or close seen here makes us back off (no barging, no claim after
            // close); one registered after this read may lose an IDLE slot to us (we came first).
            if ((int) CONTROL.getVolatile(this) != 0) {
                return null;
            }
            ConnectionEntry<C> e = claimIdle();
            if (e == null) {
                creator.requestCreation();
                return null;
            }
            ConnectionLeaseImpl<C> lease = checkOut(e, now(), -1L);
            if (lease != null) {
                return lease;
            }
        }
    }

    @Override
    public ConnectionLease<C> acquire() {
        return acquire(connectionTimeout);
    }

    @Override
    public ConnectionLease<C> acquire(Duration timeout) {
        long timeoutNanos = Checks.timeoutNanos(component, timeout);
        long start = now();
        boolean front = false;
        for (; ; ) {
            int c = (int) CONTROL.getVolatile(this);
            if (c < 0) {
                throw closedException();
            }
            ConnectionEntry<C> e = c == 0 && !front ? claimIdle() : null;
            long at = start;
            if (e == null) {
                e = awaitEntry(start, timeoutNanos, timeout, front);
                front = true; // if it turns out stale, try again at the head of the line
                at = now();
            }
            ConnectionLeaseImpl<C> lease = checkOut(e, at, start);
            if (lease != null) {
                return lease;
            }
        }
    }

    /** Reads the ticker and refreshes the shared clock if it lags. */
    long now() {
        long now = ticker.read();
        long seen = (long) CLOCK.getOpaque(this);
        if (now - seen > CLOCK_GRANULARITY_NANOS) {
            // CAS, not a store: a thread delayed since its reading must not move the clock back. If it
            // fails, another thread refreshed it meanwhile, which is as good.
            CLOCK.compareAndSet(this, seen, now);
        }
        return now;
    }

    /** Claims an IDLE slot: this stripe's last slot first, then the lowest. Null if none is idle. */
    private @Nullable ConnectionEntry<C> claimIdle() {
        int n = extent; // volatile read: slots[0..n) are published
        int hintAt = ((int) Thread.currentThread().threadId() & (STRIPES - 1)) * PAD;
        int hint = hints[hintAt];
        if (hint < n) {
            ConnectionEntry<C> e = slots[hint];
            if (tryClaim(e)) {
                return e;
            }
        }
        for (int i = 0; i < n; i++) {
            ConnectionEntry<C> e = slots[i];
            if (tryClaim(e)) {
                if (hint != i) {
                    hints[hintAt] = i;
                }
                return e;
            }
        }
        return null;
    }

    /**
     * Checks a claimed slot before handing it out: destroys it (on this thread) if it outlived its
     * lifetime or fails validation after sitting idle; returns null then.
     *
     * @param start when the acquire began, or -1 for tryAcquire (reports a wait of 0)
     */
    private @Nullable ConnectionLeaseImpl<C> checkOut(ConnectionEntry<C> e, long now, long start) {
        // Plain read of our own stamp: an IN_USE slot changes only by its owner, which is us.
        long stamp = (long) STAMP.get(e);
        if (expired(e, now)) {
            unhanded.increment();
            retire(e, stamp, DestroyReason.LIFETIME);
            return null;
        }
        if (now - e.lastUsed >= validateAfterIdleNanos && !validate(e)) {
            unhanded.increment();
            retire(e, stamp, DestroyReason.INVALID);
            return null;
        }
        ConnectionPoolListener l = listener;
        if (l != null) {
            notifyAcquired(l, start < 0 ? 0L : Math.max(0L, now - start));
        }
        return new ConnectionLeaseImpl<>(e, stamp);
    }

    private boolean validate(ConnectionEntry<C> e) {
        try {
            return factory.validate(connectionOf(e));
        } catch (Exception ex) {
            LOG.debug("{}: validate threw; the connection is destroyed", name, ex);
            return false;
        }
    }

    /** Waits in line for a slot; returns it claimed (IN_USE) or throws. */
    private ConnectionEntry<C> awaitEntry(long start, long timeoutNanos, Duration timeout, boolean front) {
        ConnectionWaiter<C> w = new ConnectionWaiter<>(Thread.currentThread());
        lock.lock();
        try {
            if ((int) CONTROL.getVolatile(this) < 0) {
                throw closedException();
            }
            if (front) {
                waiters.addFirst(w);
            } else {
                waiters.addLast(w);
            }
            // Atomic add (volatile): pairs with the control read after every slot turns IDLE.
            CONTROL.getAndAdd(this, 1);
            dispatchLocked(); // a slot that turned IDLE before our add is handed out now
        } finally {
            lock.unlock();
        }
        if (w.state == WAITING) {
            creator.fill(); // open connections for the line if the pool may grow
        }
        boolean interrupted = false;
        for (; ; ) {
            int st = w.state; // volatile read: a GRANTED seen here makes w.entry visible
            if (st == GRANTED) {
                return Objects.requireNonNull(w.entry, "granted entry");
            }
            if (st == REFUSED) {
                throw closedException();
            }
            long remaining = timeoutNanos - (now() - start);
            if (remaining <= 0) {
                break;
            }
            if (Thread.interrupted()) {
                interrupted = true;
                break;
            }
            LockSupport.parkNanos(this, remaining);
        }
        return giveUp(w, start, timeout, interrupted);
    }

    /** Leaves the line after a timeout or an interrupt, unless a slot or a refusal came first. */
    private ConnectionEntry<C> giveUp(ConnectionWaiter<C> w, long start, Duration timeout, boolean interrupted) {
        String state = null;
        Throwable cause = null;
        lock.lock();
        try {
            if (w.state == WAITING) {
                state = stateText();
                cause = creator.failureLocked();
                waiters.remove(w);
                CONTROL.getAndAdd(this, -1);
            }
        } finally {
            lock.unlock();
        }
        if (w.state == GRANTED) {
            ConnectionEntry<C> e = Objects.requireNonNull(w.entry, "granted entry");
            if (!interrupted) {
                return e; // granted at the deadline: take it
            }
            unhanded.increment();
            release(e, (long) STAMP.get(e)); // our own IN_USE slot: give it to the next in line
            state = stateText();
        } else if (w.state == REFUSED) {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            throw closedException();
        }
        String failureText = cause == null ? "" : "; creating connections fails: " + cause;
        if (interrupted) {
            Thread.currentThread().interrupt();
            throw new PoolExhaustedException(
                    component,
                    component + ": interrupted after waiting " + nanosText(now() - start) + " for a connection " + state
                            + failureText,
                    cause);
        }
        timeouts.increment();
        ConnectionPoolListener l = listener;
        if (l != null) {
            try {
                l.onTimeout();
            } catch (RuntimeException ex) {
                LOG.warn("{}: listener threw from onTimeout", name, ex);
            }
        }
        throw new PoolExhaustedException(
                component,
                component + ": no connection within " + Checks.formatDuration(timeout) + " " + state + failureText,
                cause);
    }

    /** Under the lock: hands IDLE slots to the oldest waiters, as long as both exist. */
    private void dispatchLocked() {
        for (ConnectionWaiter<C> w = waiters.peekFirst(); w != null; w = waiters.peekFirst()) {
            ConnectionEntry<C> e = claimLowest();
            if (e == null) {
                return;
            }
            waiters.remove(w);
            CONTROL.getAndAdd(this, -1);
            w.entry = e;
            w.state = GRANTED; // volatile write: publishes w.entry to the waiter
            LockSupport.unpark(w.thread);
        }
    }

    private void dispatch() {
        lock.lock();
        try {
            dispatchLocked();
        } finally {
            lock.unlock();
        }
    }

    private @Nullable ConnectionEntry<C> claimLowest() {
        int n = extent;
        for (int i = 0; i < n; i++) {
            ConnectionEntry<C> e = slots[i];
            if (tryClaim(e)) {
                return e;
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ returning

    /** Gives a claimed slot back (ConnectionLease.close). */
    void release(ConnectionEntry<C> e, long stamp) {
        // Opaque read: only a stale or doubly closed lease sees another value; the CAS below decides.
        if ((long) STAMP.getOpaque(e) != stamp) {
            throw alreadyClosed();
        }
        // No ticker read on return: the shared clock is recent enough for an idle time and a lifetime
        // check (claims check the lifetime again with a fresh reading).
        long now = (long) CLOCK.getOpaque(this);
        boolean closed = (int) CONTROL.getVolatile(this) < 0;
        if (closed || expired(e, now)) {
            retire(e, stamp, closed ? DestroyReason.CLOSED : DestroyReason.LIFETIME);
            return;
        }
        e.lastUsed = now; // plain: published by the CAS below
        long idle = stamp - IN_USE + IDLE;
        if (!STAMP.compareAndSet(e, stamp, idle)) {
            throw alreadyClosed();
        }
        afterIdle(e, idle);
    }

    /** Destroys a claimed slot's connection (ConnectionLease.closeBroken, stale on claim). */
    void retire(ConnectionEntry<C> e, long stamp, DestroyReason reason) {
        if (!STAMP.compareAndSet(e, stamp, (stamp & ~STATE_MASK) | RESERVED)) {
            throw alreadyClosed();
        }
        destroy(e, reason);
    }

    /**
     * After a slot turned IDLE: if anyone waits, dispatch; if closed, destroy it. The volatile read of
     * control follows the volatile stamp write (Dekker with awaitEntry and close).
     */
    void afterIdle(ConnectionEntry<C> e, long idleStamp) {
        int c = (int) CONTROL.getVolatile(this);
        if (c == 0) {
            return;
        }
        if (c < 0) {
            if (STAMP.compareAndSet(e, idleStamp, (idleStamp & ~STATE_MASK) | RESERVED)) {
                destroy(e, DestroyReason.CLOSED);
            }
            return;
        }
        dispatch();
    }

    /** Destroys the connection of a RESERVED slot we own, frees the slot, and refills if needed. */
    void destroy(ConnectionEntry<C> e, DestroyReason reason) {
        C c = connectionOf(e);
        try {
            factory.destroy(c);
        } catch (Exception ex) {
            LOG.warn("{}: destroying a connection ({}) failed; it is forgotten", name, reason, ex);
        } finally {
            e.connection = null;
            long s = (long) STAMP.get(e);
            STAMP.setVolatile(e, s & ~STATE_MASK); // FREE, same generation; publishes connection = null
            live.decrementAndGet();
            destroyed.increment();
        }
        ConnectionPoolListener l = listener;
        if (l != null) {
            try {
                l.onDestroyed(reason);
            } catch (RuntimeException ex) {
                LOG.warn("{}: listener threw from onDestroyed", name, ex);
            }
        }
        afterSlotFreed();
    }

    private void afterSlotFreed() {
        int c = (int) CONTROL.getVolatile(this);
        if (c < 0) {
            signalIfTerminated();
        } else if (c > 0 || creator.tryDemand || live.get() + creating.get() < minConnections) {
            creator.fill();
        }
    }

    /** The connection of a slot we own that holds one (IDLE seen by its claimer, IN_USE or RESERVED). */
    C connectionOf(ConnectionEntry<C> e) {
        C c = e.connection;
        assert c != null : "slot without a connection";
        return c;
    }

    // ------------------------------------------------------------------ slots for the creator

    /** Under the lock: a FREE slot turned CREATING (a new one at the end if needed), or null. */
    @Nullable
    ConnectionEntry<C> reserveFreeSlotLocked() {
        int n = extent;
        for (int i = 0; i < n; i++) {
            ConnectionEntry<C> e = slots[i];
            long s = (long) STAMP.getVolatile(e);
            // CAS although only lock holders take FREE slots: cheap, and safe against any future path.
            if ((s & STATE_MASK) == FREE && STAMP.compareAndSet(e, s, s | CREATING)) {
                return e;
            }
        }
        if (n == slots.length) {
            return null;
        }
        ConnectionEntry<C> e = new ConnectionEntry<>(this, CREATING);
        slots[n] = e;
        extent = n + 1; // volatile write: publishes slots[n] to the scans that read extent
        return e;
    }

    // ------------------------------------------------------------------ housekeeping

    /**
     * Runs housekeeping now (see {@link ConnectionHousekeeping#run()}). Package-private so that tests can
     * run it after advancing their ticker.
     */
    void housekeep() {
        housekeeping.run();
    }

    // ------------------------------------------------------------------ observing

    @Override
    public Stats stats() {
        int inUse = 0;
        int idle = 0;
        long claims = 0;
        int n = extent;
        for (int i = 0; i < n; i++) {
            long s = (long) STAMP.getVolatile(slots[i]);
            long st = s & STATE_MASK;
            if (st == IN_USE) {
                inUse++;
            } else if (st == IDLE) {
                idle++;
            }
            claims += s / ONE_GENERATION; // every claim moved its slot one generation on
        }
        return new Stats(
                maxConnections,
                inUse,
                idle,
                (int) CONTROL.getVolatile(this) & WAITING_MASK,
                creating.get(),
                created.sum(),
                destroyed.sum(),
                creationFailures.sum(),
                timeouts.sum(),
                claims - unhanded.sum());
    }

    @Override
    public boolean isClosed() {
        return (int) CONTROL.getVolatile(this) < 0;
    }

    private String stateText() {
        Stats s = stats();
        return "(maxConnections=" + s.maxConnections() + ", inUse=" + s.inUse() + ", idle=" + s.idle() + ", waiting="
                + s.pending() + ", creating=" + s.creating() + ")";
    }

    @Override
    public String toString() {
        return component + " " + stateText();
    }

    // ------------------------------------------------------------------ closing

    @Override
    public void close() {
        lock.lock();
        try {
            if ((int) CONTROL.getVolatile(this) < 0) {
                return;
            }
            // Atomic or: from now on the fast paths back off and every slot turning IDLE is destroyed.
            CONTROL.getAndBitwiseOr(this, CLOSED_BIT);
            for (ConnectionWaiter<C> w = waiters.pollFirst(); w != null; w = waiters.pollFirst()) {
                CONTROL.getAndAdd(this, -1);
                w.state = REFUSED;
                LockSupport.unpark(w.thread);
            }
            creator.tryDemand = false;
        } finally {
            lock.unlock();
        }
        ScheduledFuture<?> s = schedule;
        if (s != null) {
            s.cancel(false);
        }
        int n = extent;
        for (int i = 0; i < n; i++) {
            ConnectionEntry<C> e = slots[i];
            long st = (long) STAMP.getVolatile(e);
            if ((st & STATE_MASK) == IDLE && STAMP.compareAndSet(e, st, (st & ~STATE_MASK) | RESERVED)) {
                destroy(e, DestroyReason.CLOSED);
            }
        }
        if (awaitTermination()) {
            LOG.info("{}: closed", name);
        } else {
            LOG.warn(
                    "{}: close did not finish within {}: {} connections still in use, {} still being opened; they"
                            + " are destroyed when they come back",
                    name,
                    Checks.formatDuration(closeTimeout),
                    live.get(),
                    creating.get());
        }
    }

    /** Waits up to closeTimeout until no connection exists and none is being opened. */
    private boolean awaitTermination() {
        long nanos = Checks.saturatedNanos(closeTimeout);
        long start = now();
        lock.lock();
        try {
            for (; ; ) {
                if (live.get() == 0 && creating.get() == 0) {
                    return true;
                }
                long remaining = nanos - (now() - start);
                if (remaining <= 0) {
                    return false;
                }
                terminated.awaitNanos(remaining);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }

    void signalIfTerminated() {
        if ((int) CONTROL.getVolatile(this) < 0 && live.get() == 0 && creating.get() == 0) {
            lock.lock();
            try {
                terminated.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    // ------------------------------------------------------------------ reporting

    private void notifyAcquired(ConnectionPoolListener l, long waitNanos) {
        try {
            l.onAcquired(waitNanos);
        } catch (RuntimeException ex) {
            LOG.warn("{}: listener threw from onAcquired", name, ex);
        }
    }

    private RejectedException closedException() {
        return new RejectedException(component, Admission.CLOSED, component + ": closed " + stateText());
    }

    IllegalStateException alreadyClosed() {
        return new IllegalStateException(component + ": this lease was already closed; its connection is no longer"
                + " yours (close a lease once, and do not use it afterwards)");
    }

    static String nanosText(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos) + "ms";
    }
}

package io.hal9.pool;

import static io.hal9.pool.ConnectionEntry.IDLE;
import static io.hal9.pool.ConnectionEntry.STAMP;
import static io.hal9.pool.ConnectionEntry.STATE_MASK;

import io.hal9.core.internal.Checks;
import io.hal9.core.internal.RateLimitedLog;
import io.hal9.pool.internal.Housekeeper;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the connections of one {@link ConnectionPoolImpl}: decides how many the demand calls for ({@link
 * #fill()}), runs {@link ConnectionFactory#create()} on the pool's executor, offers each new connection to
 * the pool, and, while creation keeps failing, backs off exponentially with one probe at a time.
 *
 * <p>Design: the pool owns the slots and the counters ({@code live}, {@code creating}); the creator owns
 * the demand of refused {@code tryAcquire} calls ({@link #tryDemand}) and the creation-failure streak. A
 * creation reserves a FREE slot as CREATING under the pool's lock, runs outside it, and publishes the new
 * connection with a volatile stamp write to IDLE, after which the pool's {@code afterIdle} hands it to a
 * waiter (or, if the pool closed meanwhile, destroys it).
 *
 * <p>Concurrency: every field below that is not final is guarded by the pool's lock, except {@link
 * #tryDemand} (volatile, see there). The creator takes no lock of its own: each method takes the pool's
 * lock for exactly the steps the pool's class comment lists, never calls the factory, the executor or a
 * listener while holding it, and touches a slot only while it owns it (CREATING).
 *
 * <p>Invariants: (1) while creation fails ({@code consecutiveFailures > 0}), at most one creation runs at a
 * time, and only after {@code retryAt}; (2) at most one retry is scheduled at a time ({@link
 * #retryScheduled}); (3) a CREATING slot ends either IDLE with a connection (counted in {@code live}) or FREE
 * again, and leaves {@code creating} exactly once.
 *
 * <p>Thread safety: all methods may be called from any thread.
 *
 * @param <C> the connection type
 */
final class ConnectionCreator<C> {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionPool.class);

    /** At most one WARN per this interval while creation keeps failing. */
    private static final long WARN_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final ConnectionPoolImpl<C> pool;
    private final String name;
    private final String component;
    private final ConnectionFactory<C> factory;
    private final int maxConnections;
    private final int minConnections;
    private final long maxLifetimeNanos;
    private final long backoffInitialNanos;
    private final long backoffMaxNanos;
    private final int maxConcurrentCreations;
    private final @Nullable ConnectionPoolListener listener;
    private final ScheduledExecutorService housekeeper;
    private final Executor executor;

    // Creation-failure state, guarded by the pool's lock.
    private int consecutiveFailures;
    private long retryAt;
    private boolean retryScheduled;
    private @Nullable Throwable lastFailure;
    private boolean warnedThisStreak;
    /** One creation-failure WARN per interval, across streaks (a flapping backend must not flood the log). */
    private final RateLimitedLog warnLog;

    /**
     * A tryAcquire found nothing and asked for one more connection. Written under the pool's lock, read
     * without it to spare the lock on repeated refusals (benign race: a stale false costs one lock).
     */
    volatile boolean tryDemand;

    ConnectionCreator(ConnectionPoolImpl<C> pool, ConnectionPool.Builder<C> b) {
        this.pool = pool;
        this.name = b.name;
        this.component = b.component;
        this.factory = b.factory;
        this.maxConnections = b.maxConnections;
        this.minConnections = b.effectiveMinConnections();
        this.maxLifetimeNanos = Checks.saturatedNanos(b.maxLifetime);
        this.backoffInitialNanos = Checks.saturatedNanos(b.creationBackoffInitial);
        this.backoffMaxNanos = Checks.saturatedNanos(b.creationBackoffMax);
        this.maxConcurrentCreations = b.maxConcurrentCreations;
        this.listener = b.listener;
        this.housekeeper = b.housekeeper;
        this.executor = b.executor;
        this.warnLog = new RateLimitedLog(b.ticker, WARN_INTERVAL_NANOS);
    }

    /** Under the pool's lock: the failure that keeps creation failing, or null while it works. */
    @Nullable
    Throwable failureLocked() {
        return consecutiveFailures > 0 ? lastFailure : null;
    }

    /** A refused tryAcquire: ask for one connection if none is on its way and the pool may grow. */
    void requestCreation() {
        // benign race: volatile reads without the lock; fill() decides again under it.
        if (tryDemand || pool.creating.get() != 0 || pool.live.get() >= maxConnections) {
            return;
        }
        pool.lock.lock();
        try {
            if (pool.isClosed()) {
                return;
            }
            tryDemand = true;
        } finally {
            pool.lock.unlock();
        }
        fill();
    }

    /**
     * Starts the creations that the demand calls for: enough for {@code minConnections}, for every
     * waiter and for a refused tryAcquire, within {@code maxConnections} and {@code
     * maxConcurrentCreations}; while creation fails, one probe after the backoff (scheduled).
     */
    void fill() {
        @Nullable ConnectionEntry<C>[] batch = null;
        pool.lock.lock();
        try {
            if (pool.isClosed()) {
                return;
            }
            int l = pool.live.get();
            int cr = pool.creating.get();
            int want =
                    Math.min(maxConnections, Math.max(minConnections, l + pool.waiters.size() + (tryDemand ? 1 : 0)));
            int need = want - l - cr;
            if (need <= 0) {
                return;
            }
            if (consecutiveFailures > 0) {
                long wait = retryAt - pool.now();
                if (wait > 0) {
                    scheduleRetryLocked(wait);
                    return;
                }
                if (cr > 0) {
                    return; // the probe is running
                }
                need = 1;
            } else {
                need = Math.min(need, maxConcurrentCreations - cr);
                if (need <= 0) {
                    return;
                }
            }
            @SuppressWarnings("unchecked") // an array of a generic type; it only ever holds ConnectionEntry<C>
            @Nullable
            ConnectionEntry<C>[] b = (ConnectionEntry<C>[]) new ConnectionEntry<?>[need];
            for (int i = 0; i < need; i++) {
                ConnectionEntry<C> e = pool.reserveFreeSlotLocked();
                if (e == null) {
                    break; // slots still being freed; their destroy calls fill() again
                }
                pool.creating.incrementAndGet();
                b[i] = e;
            }
            batch = b;
        } finally {
            pool.lock.unlock();
        }
        for (ConnectionEntry<C> e : batch) {
            if (e == null) {
                break;
            }
            try {
                executor.execute(new Creation<>(this, e));
            } catch (RuntimeException ex) {
                LOG.warn("{}: the executor refused a connection creation", name, ex);
                STAMP.setVolatile(e, (long) STAMP.get(e) & ~STATE_MASK);
                pool.creating.decrementAndGet();
                pool.signalIfTerminated();
            }
        }
    }

    /** Under the lock: schedules one fill() after {@code wait} nanos, unless one is scheduled. */
    private void scheduleRetryLocked(long wait) {
        if (retryScheduled) {
            return;
        }
        retryScheduled = true;
        try {
            housekeeper.schedule(Housekeeper.guarded(component, this::retry), wait, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            retryScheduled = false;
            LOG.warn("{}: the housekeeping scheduler refused a creation retry; retrying on demand only", name, e);
        }
    }

    private void retry() {
        pool.lock.lock();
        try {
            retryScheduled = false;
        } finally {
            pool.lock.unlock();
        }
        fill();
    }

    /** Runs on the executor: opens a connection for a CREATING slot and offers it. */
    void create(ConnectionEntry<C> e) {
        C c = null;
        Throwable failure = null;
        try {
            c = factory.create();
            if (c == null) {
                failure = new NullPointerException(component + ": ConnectionFactory.create() returned null");
            }
        } catch (VirtualMachineError fatal) {
            creationFailed(e, fatal);
            throw fatal;
        } catch (Throwable t) {
            failure = t;
        }
        if (failure != null || c == null) {
            creationFailed(e, Objects.requireNonNull(failure, "failure"));
            return;
        }
        long now = pool.now();
        e.connection = c;
        e.createdAt = now;
        e.lastUsed = now;
        e.lifetime = maxLifetimeNanos == 0
                ? 0L
                : maxLifetimeNanos - ThreadLocalRandom.current().nextLong(maxLifetimeNanos / 40 + 1);
        pool.live.incrementAndGet();
        pool.created.increment();
        int recovered = 0;
        boolean warned = false;
        pool.lock.lock();
        try {
            tryDemand = false;
            if (consecutiveFailures > 0) {
                recovered = consecutiveFailures;
                warned = warnedThisStreak;
                consecutiveFailures = 0;
                warnedThisStreak = false;
                lastFailure = null;
            }
        } finally {
            pool.lock.unlock();
        }
        pool.creating.decrementAndGet();
        if (warned) {
            LOG.info("{}: opening connections works again after {} failed attempts", name, recovered);
        } else if (recovered > 0) {
            LOG.debug("{}: opening connections works again after {} failed attempts", name, recovered);
        }
        ConnectionPoolListener l = listener;
        if (l != null) {
            try {
                l.onCreated();
            } catch (RuntimeException ex) {
                LOG.warn("{}: listener threw from onCreated", name, ex);
            }
        }
        long idle = ((long) STAMP.get(e) & ~STATE_MASK) | IDLE;
        STAMP.setVolatile(e, idle); // publishes the connection and its times
        pool.afterIdle(e, idle);
        fill(); // more demand, or the end of a failure streak: open the rest
    }

    private void creationFailed(ConnectionEntry<C> e, Throwable failure) {
        STAMP.setVolatile(e, (long) STAMP.get(e) & ~STATE_MASK); // FREE again: the slot is not leaked
        pool.creationFailures.increment();
        long now = pool.now();
        long delay;
        int streak;
        boolean warn;
        long suppressed;
        pool.lock.lock();
        try {
            streak = ++consecutiveFailures;
            lastFailure = failure;
            delay = backoffNanos(streak);
            retryAt = now + delay;
            // At most one WARN per interval, across streaks too (a flapping backend must not flood the log).
            long heldBack = warnLog.tryAcquire();
            warn = heldBack != RateLimitedLog.HELD_BACK;
            suppressed = warn ? heldBack : 0;
            if (warn) {
                warnedThisStreak = true;
            }
        } finally {
            pool.lock.unlock();
        }
        pool.creating.decrementAndGet();
        ConnectionPoolListener l = listener;
        if (l != null) {
            try {
                l.onCreationFailed(failure);
            } catch (RuntimeException ex) {
                LOG.warn("{}: listener threw from onCreationFailed", name, ex);
            }
        }
        if (warn) {
            LOG.warn(
                    "{}: could not open a connection ({} failed in a row, {} more failures since the last"
                            + " warning); next attempt in {}",
                    name,
                    streak,
                    suppressed,
                    ConnectionPoolImpl.nanosText(delay),
                    failure);
        } else {
            LOG.debug("{}: could not open a connection ({} failures in a row)", name, streak, failure);
        }
        if (pool.isClosed()) {
            pool.signalIfTerminated();
        } else {
            fill(); // schedules the retry if anything still needs a connection
        }
    }

    /** initial * 2^(n-1), at most max. */
    long backoffNanos(int failures) {
        long d = backoffInitialNanos;
        for (int i = 1; i < failures && d < backoffMaxNanos; i++) {
            d = d > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : d * 2;
        }
        return Math.min(d, backoffMaxNanos);
    }

    /** Opens one connection on the executor. */
    private record Creation<C>(ConnectionCreator<C> creator, ConnectionEntry<C> entry) implements Runnable {
        @Override
        public void run() {
            creator.create(entry);
        }
    }
}

package io.hal9.pool;

import static io.hal9.pool.ConnectionEntry.IDLE;
import static io.hal9.pool.ConnectionEntry.RESERVED;
import static io.hal9.pool.ConnectionEntry.STAMP;
import static io.hal9.pool.ConnectionEntry.STATE_MASK;
import static io.hal9.pool.ConnectionEntry.expired;

import io.hal9.core.internal.Checks;
import io.hal9.pool.ConnectionPool.DestroyReason;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The housekeeping of one {@link ConnectionPoolImpl}: destroys idle connections past their lifetime, and
 * idle ones past {@code idleTimeout} while the pool holds more than {@code minConnections}, then refills the
 * pool to its minimum. The pool's scheduler calls {@link #trigger()} every {@code housekeepingInterval};
 * the run itself goes to the pool's executor, so the shared scheduler thread never blocks.
 *
 * <p>Concurrency: takes no lock. It reads slot stamps with volatile reads and takes an IDLE slot for
 * destruction only by a CAS IDLE(g) -> RESERVED(g) on the stamp it read, which fails if the slot was claimed
 * since (its generation moved on); a slot it reserved is its own to destroy (the pool's invariant 3). At
 * most one run at a time ({@link #running}).
 *
 * <p>Thread safety: all methods may be called from any thread.
 *
 * @param <C> the connection type
 */
final class ConnectionHousekeeping<C> {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionPool.class);

    private final ConnectionPoolImpl<C> pool;
    private final String name;
    private final int minConnections;
    private final long idleTimeoutNanos;
    private final Executor executor;

    /** A run is queued or running: set by CAS in {@link #trigger()}, cleared when the run ends. */
    private final AtomicBoolean running = new AtomicBoolean();

    ConnectionHousekeeping(ConnectionPoolImpl<C> pool, ConnectionPool.Builder<C> b) {
        this.pool = pool;
        this.name = b.name;
        this.minConnections = b.effectiveMinConnections();
        this.idleTimeoutNanos = Checks.saturatedNanos(b.idleTimeout);
        this.executor = b.executor;
    }

    /**
     * On the shared scheduler: if there is anything to do, hands one housekeeping run to the executor
     * (never two at once). The check only reads slot states and times, so the shared thread never
     * blocks and an idle pool with nothing to evict costs no worker thread.
     */
    void trigger() {
        if (pool.isClosed() || !due(pool.now()) || !running.compareAndSet(false, true)) {
            return;
        }
        try {
            executor.execute(() -> {
                try {
                    run();
                } finally {
                    running.set(false);
                }
            });
        } catch (RuntimeException e) {
            running.set(false);
            LOG.warn("{}: the executor refused housekeeping", name, e);
        }
    }

    /** True if some idle slot is due for eviction or the pool is below its minimum. */
    boolean due(long now) {
        if (pool.live.get() + pool.creating.get() < minConnections) {
            return true;
        }
        boolean aboveMin = pool.live.get() > minConnections;
        int n = pool.extent;
        for (int i = 0; i < n; i++) {
            ConnectionEntry<C> e = pool.slots[i];
            // benign race: a slot claimed right after this read only makes the run find less to do.
            if (((long) STAMP.getVolatile(e) & STATE_MASK) == IDLE
                    && (expired(e, now)
                            || (aboveMin && idleTimeoutNanos > 0 && now - e.lastUsed >= idleTimeoutNanos))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Destroys idle connections past their lifetime, and idle ones past {@code idleTimeout} while the
     * pool holds more than {@code minConnections} (highest slots first: the least used), then refills.
     */
    void run() {
        if (pool.isClosed()) {
            return;
        }
        long now = pool.now();
        int aboveMin = pool.live.get() - minConnections;
        for (int i = pool.extent - 1; i >= 0; i--) {
            ConnectionEntry<C> e = pool.slots[i];
            long s = (long) STAMP.getVolatile(e); // acquire: the times below belong to this stamp
            if ((s & STATE_MASK) != IDLE) {
                continue;
            }
            boolean old = expired(e, now);
            boolean idleTooLong = !old && idleTimeoutNanos > 0 && aboveMin > 0 && now - e.lastUsed >= idleTimeoutNanos;
            // The CAS fails if the slot was claimed since the read (its generation moved on).
            if ((old || idleTooLong) && STAMP.compareAndSet(e, s, (s & ~STATE_MASK) | RESERVED)) {
                aboveMin--;
                pool.destroy(e, old ? DestroyReason.LIFETIME : DestroyReason.IDLE);
            }
        }
        pool.creator.fill();
    }
}

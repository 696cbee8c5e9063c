package io.hal9.pool;

import static io.hal9.pool.ConnectionEntry.STAMP;

import io.hal9.pool.ConnectionPool.DestroyReason;

/**
 * One claim of a {@link ConnectionEntry}, handed out by {@link ConnectionPoolImpl}. Holds the stamp it
 * claimed with; every operation is a CAS from that stamp, so a stale lease can never touch a later claim.
 * The {@code broken} flag is plain: a lease belongs to one thread at a time, and a plain field lets the JIT
 * scalar-replace a lease that does not escape a try-with-resources block (no allocation per claim).
 *
 * <p>Thread safety: one thread at a time (the {@link ConnectionLease} contract); a stale or second close
 * from any thread is refused by the stamp CAS.
 *
 * @param <C> the connection type
 */
final class ConnectionLeaseImpl<C> implements ConnectionLease<C> {
    private final ConnectionEntry<C> entry;
    private final long stamp;
    private boolean broken;

    ConnectionLeaseImpl(ConnectionEntry<C> entry, long stamp) {
        this.entry = entry;
        this.stamp = stamp;
    }

    @Override
    public C get() {
        // Acquire read: if it still shows our claim, the connection field is ours to read.
        if ((long) STAMP.getAcquire(entry) != stamp) {
            throw entry.pool.alreadyClosed();
        }
        return entry.pool.connectionOf(entry);
    }

    @Override
    public void close() {
        if (broken) {
            return; // closeBroken() already gave it back
        }
        entry.pool.release(entry, stamp);
    }

    @Override
    public void closeBroken() {
        if (broken) {
            throw entry.pool.alreadyClosed();
        }
        entry.pool.retire(entry, stamp, DestroyReason.BROKEN);
        broken = true;
    }

    @Override
    public String toString() {
        return "ConnectionLease[" + entry.pool.component + "]";
    }
}

package io.hal9.pool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.jspecify.annotations.Nullable;

/**
 * One slot of a {@link ConnectionPoolImpl}: the permit that bounds the pool, and the home of at most one
 * connection. One object per slot, created once and never replaced.
 *
 * <p>Design: one 64-bit {@link #stamp}: bits 0-2 the slot's state ({@link #FREE}, {@link #CREATING}, {@link
 * #IDLE}, {@link #IN_USE}, {@link #RESERVED}), bits 3-63 a claim generation that grows by one at every claim
 * ({@link #tryClaim}: IDLE(g) -> IN_USE(g+1)). A lease keeps the stamp it claimed with, so it can only ever
 * give back the claim it made.
 *
 * <p>Concurrency: {@code stamp} changes only by CAS or volatile store through {@link #STAMP}. IDLE slots are
 * claimed by CAS from any thread; IN_USE, CREATING and RESERVED slots belong to one thread (the lease
 * holder, the creating task, the destroying thread), which alone moves them on. The plain fields ({@link
 * #connection}, {@link #createdAt}, {@link #lifetime}, {@link #lastUsed}) are written only by the slot's
 * owner before it publishes the slot with a volatile stamp write, and read by others only after a volatile
 * stamp read that saw that write (and, for decisions, validated with a CAS on the same stamp).
 *
 * <p>Thread safety: as above; every rule is kept by {@link ConnectionPoolImpl}, {@link ConnectionCreator}
 * and {@link ConnectionLeaseImpl}.
 *
 * @param <C> the connection type
 */
final class ConnectionEntry<C> {
    static final long FREE = 0;
    static final long CREATING = 1;
    static final long IDLE = 2;
    static final long IN_USE = 3;
    static final long RESERVED = 4;
    static final long STATE_MASK = 7;
    static final long ONE_GENERATION = 8;

    static final VarHandle STAMP;

    static {
        try {
            STAMP = MethodHandles.lookup().findVarHandle(ConnectionEntry.class, "stamp", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final ConnectionPoolImpl<C> pool;

    /** State and generation; accessed through {@link #STAMP}. */
    volatile long stamp;

    @Nullable
    C connection;

    long createdAt;
    long lifetime;
    long lastUsed;

    ConnectionEntry(ConnectionPoolImpl<C> pool, long stamp) {
        this.pool = pool;
        this.stamp = stamp;
    }

    /** IDLE(g) -> IN_USE(g+1). The CAS is the claim; the volatile read only picks the expected value. */
    static boolean tryClaim(ConnectionEntry<?> e) {
        long s = (long) STAMP.getVolatile(e);
        return (s & STATE_MASK) == IDLE && STAMP.compareAndSet(e, s, s + ONE_GENERATION + (IN_USE - IDLE));
    }

    /** Whether the slot's connection outlived its (jittered) lifetime at {@code now}; 0 means no limit. */
    static boolean expired(ConnectionEntry<?> e, long now) {
        return e.lifetime > 0 && now - e.createdAt >= e.lifetime;
    }
}

package io.hal9.pool;

import io.hal9.pool.LeakDetector.Tracker;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.jspecify.annotations.Nullable;

/**
 * One pooled object of an {@link ObjectPoolImpl} and its lease, for the object's whole life: the slot IS
 * the {@link Lease}, so a claim hands out an existing object and a release allocates nothing. See the
 * Design, Concurrency and Invariants comment of {@link ObjectPoolImpl}, which every access here follows.
 *
 * <p>Thread safety: owned by one thread at a time (Lease contract); state is atomic so that a second
 * close is detected even from another thread.
 */
final class ObjectPoolSlot<T> implements Lease<T> {
    static final int IDLE = 0;
    static final int CLAIMED = 1;
    /** Taken out of its cell for good (reset failed, or the pool closed): never claimed again. */
    static final int DEAD = 2;

    static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(ObjectPoolSlot.class, "state", int.class);
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
    Tracker tracker;
    /**
     * On loan: the cache it was claimed through (null if claimed without one), so that a release on
     * that cache's owner thread skips the ThreadLocal lookup and the CAS. Idle: the cache it sits in,
     * or null in shared (so that shared never keeps a dead thread's cache reachable). Plain; see
     * Concurrency and invariant 4 in ObjectPoolImpl.
     */
    @Nullable
    ThreadCache<T> cache;
    /**
     * The cell this slot lives in, on loan or idle, if it was made resident there (virtual threads);
     * then cache is null. Plain: written by the slot's owner before the CAS that installs it and when
     * it leaves the cell for good; later owners read it after their claim's CAS.
     */
    @Nullable
    ObjectPoolCell<T> cell;

    ObjectPoolSlot(ObjectPoolImpl<T> pool, T value) {
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
        ObjectPoolCell<T> home = cell;
        if (home != null) {
            // Resident in a cell: it stays there, so no queue or cache is touched. Opaque check, for the
            // reasons of the fast path below; the IDLE store comes after the reset (releaseResident).
            if ((int) STATE.getOpaque(this) != CLAIMED) {
                throw new IllegalStateException(pool.component + ": lease released twice");
            }
            pool.releaseResident(this, home);
            return;
        }
        ThreadCache<T> c = cache;
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
        Tracker t = tracker;
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

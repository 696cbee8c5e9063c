package io.hal9.pool;

import org.jspecify.annotations.Nullable;

/**
 * Told what an {@link ObjectPool} lets go of: objects it did not keep, and leases that leaked. Not told
 * about claims and releases that went well: that path stays free of callbacks. Every method has a no-op
 * default, so implement only what you need.
 *
 * <p>Thread safety: called on the thread that released (discards), or that happened to run the leak check
 * ({@link ObjectPool#claim()}, {@link ObjectPool#stats()} or {@link ObjectPool#close()}), so from many
 * threads at once; implementations must be thread-safe and fast, and must not call back into the pool's
 * leases they are told about. An exception thrown by a listener is caught and logged; it never breaks the
 * pool.
 */
public interface ObjectPoolListener {
    /**
     * A released object was not kept; it is left to the garbage collector.
     *
     * @param pool the pool's name
     * @param reason why it was not kept
     * @param cause what the reset hook threw, for {@link DiscardReason#RESET_FAILED}; else null
     */
    default void onDiscard(String pool, DiscardReason reason, @Nullable Throwable cause) {}

    /**
     * A lease became unreachable while on loan: it was never closed. Its object is lost to the pool (it
     * will be garbage-collected); the pool itself is unharmed.
     *
     * @param pool the pool's name
     * @param whereClaimed a throwable (never thrown) whose stack trace is where the lease was claimed, and
     *     whose message names the claiming thread
     */
    default void onLeak(String pool, Throwable whereClaimed) {}

    /** Why a released object was not kept. */
    enum DiscardReason {
        /** {@code maxIdle} objects were idle already: no room in the thread's cache or the shared queue. */
        IDLE_FULL,
        /** The reset hook threw; the object may hold the previous user's data, so it is never reused. */
        RESET_FAILED,
        /** The pool was closed. */
        CLOSED
    }
}

package io.hal9.pool;

/**
 * Receives what a {@link ConnectionPool} does, e.g. to count creations and time acquires in a metrics
 * registry ({@code hal9-metrics} binds it to Micrometer). Every method has a no-op default.
 *
 * <p>Calls are made on the thread that caused the event (the acquiring thread for {@link
 * #onAcquired} and {@link #onTimeout}, a creation thread for {@link #onCreated} and {@link
 * #onCreationFailed}, the destroying thread for {@link #onDestroyed}); keep them short and
 * non-blocking. An exception thrown by a listener is caught and logged at WARN; it never breaks the
 * pool.
 *
 * <p>Thread safety: implementations must be safe to call from many threads at once.
 */
public interface ConnectionPoolListener {

    /** A connection was opened by {@link ConnectionFactory#create()}. */
    default void onCreated() {}

    /**
     * {@link ConnectionFactory#create()} failed (or returned {@code null}); the pool retries after a
     * backoff.
     *
     * @param failure what create() threw
     */
    default void onCreationFailed(Throwable failure) {}

    /**
     * A connection was destroyed (after {@link ConnectionFactory#destroy} returned or threw).
     *
     * @param reason why it left the pool
     */
    default void onDestroyed(ConnectionPool.DestroyReason reason) {}

    /** A timed acquire gave up: no connection within its timeout. */
    default void onTimeout() {}

    /**
     * A caller got a connection.
     *
     * @param waitNanos how long the caller waited, from the pool's ticker; 0 when one was free at once
     */
    default void onAcquired(long waitNanos) {}
}

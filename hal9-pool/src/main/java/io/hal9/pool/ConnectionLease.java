package io.hal9.pool;

/**
 * A connection on loan from a {@link ConnectionPool}: {@link #get()} it, use it, then either {@link
 * #close()} the lease to give the connection back, or {@link #closeBroken()} it if the connection
 * failed, so that the pool destroys it and opens a replacement in the background.
 *
 * <pre>{@code
 * try (ConnectionLease<MatchmakingClient> lease = pool.acquire()) {
 *     try {
 *         return lease.get().findMatch(ticket);
 *     } catch (IOException e) {
 *         lease.closeBroken(); // destroyed and replaced; the close() that follows is a no-op
 *         throw e;
 *     }
 * }
 * }</pre>
 *
 * <p>Each claim hands out a new lease object; a lease stays tied to that one claim. After the lease
 * is closed (either way), {@link #get()} throws and a second {@link #close()} or {@link
 * #closeBroken()} throws an {@link IllegalStateException}, except that {@link #close()} after {@link
 * #closeBroken()} is allowed and does nothing (so try-with-resources and {@code closeBroken()} go
 * together). A stale lease can never give back a connection that someone else holds now: the pool is
 * never corrupted by a double close.
 *
 * <p>Thread safety: a lease belongs to one owner at a time; it may be handed to another thread with a
 * happens-before edge and closed there.
 *
 * @param <C> the connection type
 */
public interface ConnectionLease<C> extends Lease<C> {

    /**
     * The connection. Valid until the lease is closed.
     *
     * @throws IllegalStateException if the lease was already closed
     */
    @Override
    C get();

    /**
     * Gives the connection back to the pool for the next caller (the oldest waiter first). If the
     * connection has outlived the pool's {@code maxLifetime}, or the pool is closed, it is destroyed
     * instead, on this thread.
     *
     * @throws IllegalStateException if the lease was already closed with {@link #close()}
     */
    @Override
    void close();

    /**
     * Reports the connection as broken: it is destroyed on this thread (by {@link
     * ConnectionFactory#destroy}) and the pool opens a replacement in the background if it is below
     * {@code minConnections} or callers are waiting. A {@link #close()} afterwards does nothing.
     *
     * @throws IllegalStateException if the lease was already closed
     */
    void closeBroken();
}

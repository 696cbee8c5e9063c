package io.hal9.pool;

/**
 * Creates, checks and destroys the connections of a {@link ConnectionPool}: the part you implement
 * (the pool is the part you hold). A connection is anything expensive to open and worth keeping: a
 * socket to a matchmaking service, a gRPC channel, a Redis connection for blocking commands.
 *
 * <pre>{@code
 * ConnectionFactory<MatchmakingClient> factory = new ConnectionFactory<>() {
 *     public MatchmakingClient create() throws IOException {
 *         return MatchmakingClient.connect(host, port);
 *     }
 *
 *     public void destroy(MatchmakingClient c) {
 *         c.close();
 *     }
 *
 *     public boolean validate(MatchmakingClient c) {
 *         return c.ping(Duration.ofMillis(100));
 *     }
 * };
 * }</pre>
 *
 * <p>Failures: an exception from {@link #create()} (or a {@code null} result) counts as a creation
 * failure; the pool retries with bounded exponential backoff and never spins. An exception from
 * {@link #validate} means "invalid": the connection is destroyed and another one is tried. An
 * exception from {@link #destroy} is logged at WARN; the connection is forgotten either way.
 *
 * <p>Thread safety: the pool calls these methods from several threads at once (its creation threads,
 * the threads that acquire and return connections, and its housekeeping), never for the same
 * connection at the same time. {@link #create()} is never called while holding a pool lock.
 *
 * @param <C> the connection type
 */
public interface ConnectionFactory<C> {

    /**
     * Opens a new connection. May block (connect, handshake); the pool calls it on its own creation
     * threads, never on a thread that called {@code tryAcquire()} or {@code acquire(...)}.
     *
     * @return the new connection, never {@code null}
     * @throws Exception if the connection could not be opened; the pool retries with backoff
     */
    C create() throws Exception;

    /**
     * Closes a connection that leaves the pool (returned as broken, invalid, idle too long, past its
     * lifetime, or the pool closed). Called once per created connection.
     *
     * @throws Exception logged at WARN; the connection is forgotten anyway
     */
    void destroy(C connection) throws Exception;

    /**
     * Tells whether a connection that has sat idle is still usable; called before handing it out when
     * it has been idle for at least the pool's {@code validateAfterIdle} (default 500 ms). Keep it
     * short: it runs on the acquiring thread, {@code tryAcquire()} included. The default returns
     * {@code true} (no check).
     *
     * @return false (or throw) to have the connection destroyed and another one tried
     * @throws Exception treated as false
     */
    default boolean validate(C connection) throws Exception {
        return true;
    }
}

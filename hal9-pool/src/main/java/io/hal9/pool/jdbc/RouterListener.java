package io.hal9.pool.jdbc;

/**
 * Hears the health changes and fallbacks of a {@link ReadWriteRouter}, for metrics and alerting
 * ({@code hal9-metrics} binds it). Every method has a no-op default; implement what you need. Which
 * replica served each read is counted in {@link ReadWriteRouter#stats()}, not reported here.
 *
 * <p>Thread safety: {@link #onReplicaDown} and {@link #onFallbackToPrimary} are called on the thread
 * whose read found the replica failing or no replica available; {@link #onProbeFailed} and {@link
 * #onReplicaUp} on the probe's thread (the router's probe executor). Implementations must be fast,
 * must not block and must be safe to call from several threads; exceptions they throw are logged and
 * otherwise ignored.
 */
public interface RouterListener {
    /**
     * A replica stopped answering and was taken out of the read rotation until a probe succeeds.
     *
     * @param replica the replica pool's name
     * @param cause why: the failed connection attempt, or a read that lost its connection
     */
    default void onReplicaDown(String replica, Throwable cause) {}

    /**
     * A probe of a down replica failed; the next probe is due after {@code nextProbeInNanos}.
     *
     * @param replica the replica pool's name
     * @param cause the probe's failure
     * @param nextProbeInNanos the backoff before the next probe (doubling, up to the configured maximum)
     */
    default void onProbeFailed(String replica, Throwable cause, long nextProbeInNanos) {}

    /**
     * A probe succeeded: the replica is back in the read rotation.
     *
     * @param replica the replica pool's name
     * @param downNanos how long it was out, on the router's ticker
     */
    default void onReplicaUp(String replica, long downNanos) {}

    /**
     * A read went to the primary because no replica could serve it: all are down, or the replica it ran on
     * failed (lost connection, recovery conflict) and the read was run again on the primary.
     */
    default void onFallbackToPrimary() {}

    /** No-op listener. */
    static RouterListener noop() {
        return NoopRouterListener.INSTANCE;
    }
}

enum NoopRouterListener implements RouterListener {
    INSTANCE
}

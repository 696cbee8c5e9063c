package io.hal9.ws;

/**
 * What a session does when a message would take its send queue over its message-count or byte bound (a
 * client reading slower than the server writes). Every drop and every disconnect is counted in {@link
 * WsServer.Stats} and reported to the {@link WsServerListener}.
 *
 * <p>Thread safety: an immutable enum.
 */
public enum OverflowPolicy {
    /** Refuse the new message: {@code trySend} answers {@code FULL}, {@code send} fails. The default. */
    DROP_NEWEST,
    /**
     * Take the new message and drop the oldest queued ones until both bounds hold again ({@code trySend}
     * answers {@code ACCEPTED}; a dropped {@code send} fails). Suits state updates where the latest wins.
     */
    DROP_OLDEST,
    /**
     * Refuse the new message and close the slow consumer with 1008 "slow consumer" ({@code trySend} answers
     * {@code FULL}).
     */
    DISCONNECT
}

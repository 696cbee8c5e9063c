package io.hal9.ws;

/**
 * Hears what a {@link WsServer} does, for metrics and logs ({@code hal9-metrics} binds one). Every method has
 * an empty default; implement those you need.
 *
 * <p>Callbacks run on event-loop threads (or the sending thread for drops) and must be quick and must not
 * throw (an exception is logged at DEBUG and ignored). They never receive a session or room id: metrics must
 * not be tagged by them.
 *
 * <p>Thread safety: called from several threads at once.
 */
public interface WsServerListener {

    /** A session opened (handshake completed). */
    default void opened() {}

    /** A session closed for good with this code (1006: dropped without a close frame and not resumed). */
    default void closed(int code) {}

    /** A message was dropped because a send queue was full, under this policy. */
    default void dropped(OverflowPolicy policy) {}

    /** A slow consumer was disconnected (policy {@link OverflowPolicy#DISCONNECT}). */
    default void slowConsumerClosed() {}

    /** An upgrade request was refused; see {@link WsServer.Stats#handshakeRejections()} for the reasons. */
    default void handshakeRejected(String reason) {}

    /** A message from a client could not be decoded. */
    default void decodeError() {}

    /** A message from a client was refused by the per-session rate limit. */
    default void rateLimited() {}

    /** A session was resumed by its client. */
    default void resumed() {}

    /** The listening socket failed to accept a connection (e.g. out of file descriptors). */
    default void acceptError() {}
}

package io.hal9.ws;

import org.jspecify.annotations.Nullable;

/**
 * The host's game logic for one {@link WsServer}: the user implements it. Callbacks for one session come one
 * at a time, in order, on that session's event-loop thread: they must not block (hand blocking work to a
 * {@code TaskLimiter} or another executor and answer with {@link Session#trySend}).
 *
 * <p>Every callback gets the {@link Session}, and through {@link Session#server()} the server and its rooms: a
 * handler is built before its server and needs no reference to it ({@code session.server().room(id).join(session)}).
 *
 * <p>An exception thrown by a callback is logged at DEBUG, counted as a handler error and does not close the
 * session.
 *
 * <p>Thread safety: one instance serves every session of the server, on several event-loop threads at once.
 *
 * @param <M> the message type
 */
public interface WsHandler<M> {

    /** A new session has completed its handshake (authenticated, under the limits). */
    default void onOpen(Session<M> session) {}

    /** One decoded message from the client (after the rate limit). */
    void onMessage(Session<M> session, M message);

    /**
     * The session is closed for good (after its resume grace, if resumption is on): it has left every room and
     * its queued messages are released.
     *
     * @param code the WebSocket close code (see {@link WsCloseCodes}); {@code 1006} if the connection dropped
     *     without a close frame and was not resumed
     * @param reason the close reason, possibly empty
     */
    default void onClose(Session<M> session, int code, String reason) {}

    /**
     * A client came back with its resume token within the grace period and has its session again; missed
     * messages have been replayed (or a {@code resync} control message was sent).
     */
    default void onResume(Session<M> session) {}

    /**
     * The connection of a resumable session dropped; the session waits for its client for the resume grace.
     * Messages sent meanwhile are queued (and counted against the send queue).
     */
    default void onDetach(Session<M> session) {}

    /**
     * The codec could not decode a message from this client. The client has already been answered (see {@link
     * #refusal}); after {@code maxDecodeErrors} in a row the session closes with 1003.
     */
    default void onDecodeError(Session<M> session, RuntimeException error) {}

    /**
     * The message with which this server tells the client that one of its messages was refused, in the host's
     * own protocol, so that a client parses one error format; {@code null} (the default) sends HAL9's {@code
     * {"hal9":"error","reason":...,"detail":...}} control message instead.
     *
     * <p>The refusals, by {@code reason}: {@code "decode"} (the codec could not decode the message; {@code
     * detail} is the codec's message), {@code "rate-limited"} (the first message or control frame of a run over
     * the inbound rate; those that follow in the run are discarded without an answer). Return {@code null} for
     * a reason you do not know: more may come. Limits that end the session are told by the close frame
     * instead (1003, 1007, 1008, 1009; see the package docs).
     *
     * <p>The message returned is sent as a data message, as {@link Session#trySend} would send it (encoded by
     * the codec, within the send-queue bounds, batched and numbered for resumption like any other). If this
     * method throws, or the codec cannot encode its message, the failure is counted as a handler error and the
     * control message is sent instead. Called on the session's event loop: it must be quick and must not block.
     *
     * @param reason {@code "decode"} or {@code "rate-limited"}
     * @param detail a sentence for people, at most 200 characters (it may quote the client's input)
     */
    default @Nullable M refusal(Session<M> session, String reason, String detail) {
        return null;
    }

    /**
     * Broadcasts that other instances sent to {@code room} may not have reached this server's members of it:
     * the room bus saw a gap of {@code missed} in an instance's sequence of broadcasts, or took the room's
     * subscription up again after losing it ({@code missed} is then {@link RoomBus#UNKNOWN_MISSED}). Pub/sub
     * delivers at most once, so a host whose members must not miss a message (a round's result, say) re-sends
     * it here, typically by asking the instance that holds the room's state and sending the answer with
     * {@link Room#broadcastLocal}. The default does nothing. Called on a room-bus thread: it must be quick and
     * must not block (hand the work to another thread).
     *
     * @param room the room, open on this server
     * @param missed how many broadcasts were missed, or {@link RoomBus#UNKNOWN_MISSED}
     */
    default void onBroadcastsMissed(Room<M> room, long missed) {}
}

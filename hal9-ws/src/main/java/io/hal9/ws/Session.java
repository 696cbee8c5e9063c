package io.hal9.ws;

import io.hal9.core.Admission;
import java.net.SocketAddress;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentMap;
import org.jspecify.annotations.Nullable;

/**
 * One client of a {@link WsServer}: the host holds it, sends to it and closes it.
 *
 * <p><b>Sending.</b> {@link #trySend} encodes the message on the caller's thread and puts it on the session's
 * send queue, bounded by message count ({@code sendQueueMessages}) and by bytes ({@code sendQueueBytes}). It
 * never blocks. The connection's event loop drains the queue into the socket only while the channel is
 * writable (Netty's write-buffer water marks) and flushes once per event-loop turn, so messages sent in one
 * turn leave together. When the queue is full the server's {@link OverflowPolicy} applies.
 *
 * <p><b>Ordering.</b> Messages sent from one thread reach the client in the order sent.
 *
 * <p>Thread safety: every method may be called from any thread.
 *
 * @param <M> the message type
 */
public interface Session<M> {

    /** The session's id, unique within its server for the server's lifetime. */
    long id();

    /**
     * The server this session belongs to: from inside any {@link WsHandler} callback, the way to the server's
     * rooms ({@code session.server().room("game-42").join(session)}), its stats and its name, so that a handler
     * needs no reference to a server that does not exist yet when the handler is built. The same object for
     * every session of a server, for its whole life.
     */
    WsServer<M> server();

    /** The client's address (of its current connection). */
    SocketAddress remoteAddress();

    /**
     * The session's attributes, for the host's own state (player id, game id). Created on first use; the
     * {@link HandshakeAuthenticator} may fill it before {@link WsHandler#onOpen}. Kept across resumption.
     */
    ConcurrentMap<String, Object> attributes();

    /**
     * Queues a message for this client without blocking.
     *
     * @return {@link Admission#ACCEPTED} if queued (it will be written, or, if the connection drops first, kept
     *     for replay when resumption is on), {@link Admission#FULL} if the send queue is full (the message was
     *     dropped; policy {@code DISCONNECT} also closes the session), {@link Admission#CLOSED} if the session is
     *     closed
     * @throws RuntimeException if the codec cannot encode the message
     */
    Admission trySend(M message);

    /**
     * Queues a message like {@link #trySend} and tells when it was written to the socket.
     *
     * @return a stage that completes when the message was written to the socket, or fails with a {@link
     *     io.hal9.core.RejectedException} ({@code FULL} or {@code CLOSED}) if it was refused or dropped
     */
    CompletionStage<Void> send(M message);

    /**
     * Closes the session: sends a close frame with this code and reason after the messages already queued,
     * then closes the connection. A session closed this way is not kept for resumption. Idempotent.
     *
     * @param code a close code in 1000 or 3000..4999
     * @param reason at most 123 bytes of UTF-8
     */
    void close(int code, String reason);

    /** Closes with 1000 and an empty reason. */
    default void close() {
        close(WsCloseCodes.NORMAL, "");
    }

    /** False once the session is closed for good; true while connected or waiting to be resumed. */
    boolean isOpen();

    /** True while the session has a live connection (false while it waits to be resumed). */
    boolean isConnected();

    /**
     * The token a client presents to resume this session after its connection drops ({@code ?resume=} query
     * parameter), or {@code null} if the server has resumption off.
     */
    @Nullable
    String resumeToken();

    /** The number of messages queued and not yet written to the socket. */
    int queuedMessages();

    /** The bytes of the messages queued and not yet written to the socket. */
    long queuedBytes();

    /** True if the client asked for batch frames (subprotocol {@code hal9.batch}, see the package docs). */
    boolean batching();
}

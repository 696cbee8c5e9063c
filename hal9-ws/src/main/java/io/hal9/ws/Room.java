package io.hal9.ws;

/**
 * A set of sessions that receive the same broadcasts: a game, a lobby, a chat channel. Get one from {@link
 * WsServer#room(String)}.
 *
 * <p><b>Encode once.</b> A broadcast encodes the message once into one buffer and gives every recipient a
 * retained duplicate of it (one buffer shared N times, never N encodings); each recipient's send queue,
 * bounds and overflow policy apply as for {@link Session#trySend}. The same bytes are published on the
 * server's {@link RoomBus} so that members on other instances receive them too (with
 * {@link RoomBus#local()}, the default, only servers in this JVM sharing that bus).
 *
 * <p><b>Lifetime.</b> A room lives until {@link #close()} or the server closes; a session leaves every room
 * when it closes for good (not while it waits to be resumed).
 *
 * <p>Thread safety: every method may be called from any thread.
 *
 * @param <M> the message type
 */
public interface Room<M> extends AutoCloseable {

    /** The room's id, as given to {@link WsServer#room(String)}. */
    String id();

    /** The server whose room this is. */
    WsServer<M> server();

    /** Adds a session; returns false if it was already a member or is closed. */
    boolean join(Session<M> session);

    /** Removes a session; returns false if it was not a member. */
    boolean leave(Session<M> session);

    /**
     * Sends a message to every member on this server and publishes it on the room bus.
     *
     * @return the number of local members whose send queue accepted it
     */
    int broadcast(M message);

    /**
     * Like {@link #broadcast} but skips {@code sender} (on this server; members elsewhere all receive it).
     *
     * @return the number of local members whose send queue accepted it
     */
    int broadcastExcept(M message, Session<M> sender);

    /**
     * Like {@link #broadcast} but for the members on this server only: nothing is published on the room bus
     * (e.g. state that each instance computes for its own players).
     *
     * @return the number of local members whose send queue accepted it
     */
    int broadcastLocal(M message);

    /** The number of members on this server. */
    int size();

    /** Whether the room is closed. */
    boolean isClosed();

    /** Removes every member, unsubscribes from the room bus and removes the room from its server. Idempotent. */
    @Override
    void close();
}

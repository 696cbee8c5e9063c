package io.hal9.ws;

import java.util.concurrent.CompletionStage;

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
 * <p><b>Lifetime.</b> A room is <em>open</em> on its server while it has a local member or a {@link Hold}: its
 * first {@link #join} (or {@link #hold}) opens it, which subscribes it on the room bus. It is <em>reclaimed</em>
 * when the last member leaves ({@link #leave}, or the session closes for good: not while it waits to be
 * resumed) and nobody holds it, or when the last hold is released while it has no member: it is removed from
 * the server and unsubscribed from the room bus, so a server that runs many short games keeps no trace of the
 * finished ones. To keep a room open without members (a game hosted here whose players are all on other
 * instances, a lobby), hold it: {@code Room.Hold h = server.room("lobby").hold()}, and close the hold when done.
 *
 * <p>A {@code Room} object stands for its id on its server and stays usable after its room was reclaimed: a
 * join or a hold opens the room again (with a new bus subscription: broadcasts other instances published
 * while it was not open were not received), and every method acts on the room open for the id, whichever
 * {@code Room} object opened it. A join racing with a reclaim never lands in a reclaimed room. A broadcast to
 * a room that is not open reaches no local session and is still published on the room bus. {@link #close()}
 * ends the room for good: its members leave it, it is removed and unsubscribed, and that object refuses
 * joins and holds from then on ({@link WsServer#room} gives a new room afterwards); closing the server closes
 * every room.
 *
 * <p>Thread safety: every method may be called from any thread. Joins, leaves and holds of one room take a short
 * lock of that room; broadcasts take none.
 *
 * @param <M> the message type
 */
public interface Room<M> extends AutoCloseable {

    /**
     * Keeps a room open while it has no member; see {@link Room#hold()}.
     *
     * <p>Thread safety: {@link #close()} may be called from any thread.
     */
    interface Hold extends AutoCloseable {
        /** Releases the hold: the room is reclaimed if it has no member and no other hold. Idempotent. */
        @Override
        void close();
    }

    /** The room's id, as given to {@link WsServer#room(String)}. */
    String id();

    /** The server whose room this is. */
    WsServer<M> server();

    /**
     * Adds a session, opening the room if it is not open.
     *
     * @return false if the session was already a member, is closed, or this room was closed (or its server)
     */
    boolean join(Session<M> session);

    /**
     * Removes a session; the room is reclaimed if that was its last member and nobody holds it.
     *
     * @return false if the session was not a member
     */
    boolean leave(Session<M> session);

    /**
     * Keeps the room open, even without members, until the hold is closed (opening it if it is not open). Each
     * call is one hold; the room is reclaimed once every hold is released and it has no member.
     *
     * @throws WsException if this room or its server is closed
     */
    Hold hold();

    /**
     * Completes when the room's subscription on the room bus is active (see {@link RoomBus#subscribe}): from
     * then on every broadcast published to the room by another instance reaches its members here. A host that
     * must not miss one (before telling a player it is in the room) waits for it after the join, off any event
     * loop. It completes exceptionally when the bus refused the subscription, and at once, exceptionally, for a
     * room that is not open (no member and no hold).
     */
    CompletionStage<Void> subscribed();

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

    /** The number of members on this server (0 when the room is not open). */
    int size();

    /** Whether {@link #close()} was called on this object (a reclaimed room is not closed: it opens again). */
    boolean isClosed();

    /**
     * Ends the room for good: removes every member, unsubscribes from the room bus and removes the room from its
     * server; this object refuses joins and holds afterwards. Idempotent.
     */
    @Override
    void close();
}

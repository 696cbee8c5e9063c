package io.hal9.ws;

import io.hal9.core.Admission;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * A room: a concurrent set of local member sessions, subscribed on the server's room bus while it is open.
 *
 * <p>Design / Concurrency / Invariants:
 *
 * <ol>
 *   <li>A room is in one of three states ({@code state}, volatile, written under this object's monitor):
 *       DETACHED (not in the server's registry, not subscribed: made by {@code WsServer.room(id)} for an id with
 *       no open room, or reclaimed), OPEN (the registered room of its id, subscribed on the bus) and CLOSED (by
 *       {@link #close()}: for good). At most one room per id is OPEN: a room becomes OPEN only through {@code
 *       putIfAbsent} on the registry.
 *   <li>{@code members} is mutated only under the monitor and only while OPEN, so under the monitor its size is
 *       exact; broadcasts read it without the lock (weakly consistent: a session joining during a broadcast may
 *       or may not receive it). {@code holds} is read and written only under the monitor.
 *   <li>Reclaim: under the monitor, when an OPEN room has no member and no hold (after a leave or a release),
 *       it moves to DETACHED, unsubscribes and only then leaves the registry, so that the next room of its id
 *       subscribes after this one unsubscribed. A join or hold takes the same monitor, so it either lands
 *       before the reclaim (which then does not happen: the room has a member) or finds the room DETACHED and
 *       opens it again or goes to the room that is OPEN for the id: never into a reclaimed room.
 *   <li>Lock order: one room monitor at a time (an operation on a DETACHED room releases its monitor before it
 *       moves to the OPEN room of its id), and inside it only the registry's and the bus's own short locks;
 *       nothing that holds a registry or bus lock takes a room monitor.
 * </ol>
 *
 * <p>Each member records its rooms so that it can leave them all when it closes for good. A broadcast encodes
 * once; every member queues a retained duplicate and the broadcaster releases its own reference at the end,
 * so the buffer is freed when the last recipient has written it.
 *
 * <p>Not part of the API. Thread safety: safe for concurrent use.
 */
final class RoomImpl<M> implements Room<M>, RoomBus.Subscriber {
    private static final int DETACHED = 0;
    private static final int OPEN = 1;
    private static final int CLOSED = 2;

    private final WsServerImpl<M> server;
    private final String id;
    private final Set<SessionImpl<M>> members = ConcurrentHashMap.newKeySet();
    private volatile int state = DETACHED;
    private int holds; // guarded by this
    private volatile @Nullable CompletionStage<Void> subscription; // of the current opening; null when not open

    RoomImpl(WsServerImpl<M> server, String id) {
        this.server = server;
        this.id = id;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public WsServer<M> server() {
        return server;
    }

    @Override
    public boolean join(Session<M> session) {
        SessionImpl<M> s = own(session);
        RoomImpl<M> room = this;
        while (true) {
            RoomImpl<M> next;
            synchronized (room) {
                next = room.openLocked();
                if (next == null) {
                    return false; // closed, or the server is
                }
                if (next == room) {
                    return room.joinLocked(s);
                }
            }
            room = next; // another room is open for this id: join that one
        }
    }

    /** Under the monitor of an OPEN room. */
    private boolean joinLocked(SessionImpl<M> s) {
        if (!s.isOpen() || !members.add(s)) {
            return false;
        }
        s.addRoom(this);
        if (!s.isOpen()) {
            // closed concurrently: its close may have walked its rooms before addRoom; undo so that no closed
            // session stays a member (the close sets the state before walking, this reads it after adding)
            removeLocked(s);
            return false;
        }
        return true;
    }

    /**
     * Under this room's monitor: this room if it is OPEN or was opened now, the room OPEN for the id if another
     * one is (the caller moves to it after releasing this monitor), or null if this room is closed or the server
     * is.
     */
    private @Nullable RoomImpl<M> openLocked() {
        int st = state;
        if (st == OPEN) {
            return this;
        }
        if (st == CLOSED) {
            return null;
        }
        RoomImpl<M> live = server.registerRoom(this);
        if (live != this) {
            return live;
        }
        state = OPEN;
        subscription = server.subscribeRoom(this);
        return this;
    }

    @Override
    public boolean leave(Session<M> session) {
        SessionImpl<M> s = own(session);
        synchronized (this) {
            if (members.contains(s)) {
                removeLocked(s);
                return true;
            }
            if (state != DETACHED) {
                return false;
            }
        }
        RoomImpl<M> live = server.liveRoom(id);
        return live != null && live != this && live.leave(s);
    }

    /** Under the monitor: removes a member and reclaims the room if it is now empty and not held. */
    private void removeLocked(SessionImpl<M> s) {
        if (members.remove(s)) {
            s.removeRoom(this);
        }
        reclaimIfUnusedLocked();
    }

    private void reclaimIfUnusedLocked() {
        if (state == OPEN && holds == 0 && members.isEmpty()) {
            state = DETACHED;
            subscription = null;
            server.unregisterRoom(this); // unsubscribes, then leaves the registry
        }
    }

    @Override
    public Hold hold() {
        RoomImpl<M> room = this;
        while (true) {
            RoomImpl<M> next;
            synchronized (room) {
                next = room.openLocked();
                if (next == null) {
                    throw new WsException(server.component + ": "
                            + (room.state == CLOSED ? "room '" + id + "' is closed" : "closed")
                            + "; cannot hold room '" + id + "'");
                }
                if (next == room) {
                    room.holds++;
                    return new RoomHold(room);
                }
            }
            room = next;
        }
    }

    private void release() {
        synchronized (this) {
            holds--;
            reclaimIfUnusedLocked();
        }
    }

    /** A hold of one room: released once. */
    private static final class RoomHold implements Hold {
        private final RoomImpl<?> room;
        private final AtomicBoolean released = new AtomicBoolean();

        RoomHold(RoomImpl<?> room) {
            this.room = room;
        }

        @Override
        public void close() {
            if (released.compareAndSet(false, true)) {
                room.release();
            }
        }

        @Override
        public String toString() {
            return "hold of " + room + (released.get() ? " (released)" : "");
        }
    }

    @Override
    public CompletionStage<Void> subscribed() {
        CompletionStage<Void> s = current().subscription;
        return s != null
                ? s
                : CompletableFuture.failedStage(new WsException(this + ": not subscribed on the room bus (a room"
                        + " is subscribed while it is open: with a member or a hold)"));
    }

    /** This room unless it is DETACHED and another room is open for the id. */
    private RoomImpl<M> current() {
        if (state != DETACHED) {
            return this;
        }
        RoomImpl<M> live = server.liveRoom(id);
        return live == null ? this : live;
    }

    @Override
    public int broadcast(M message) {
        return current().broadcast0(message, null, true);
    }

    @Override
    public int broadcastExcept(M message, Session<M> sender) {
        return current().broadcast0(message, own(sender), true);
    }

    @Override
    public int broadcastLocal(M message) {
        return current().broadcast0(message, null, false);
    }

    private int broadcast0(M message, @Nullable SessionImpl<M> except, boolean publish) {
        Objects.requireNonNull(message, "message");
        if (state == CLOSED) {
            return 0;
        }
        ByteBuf buf = server.codec.encode(message, server.alloc);
        try {
            boolean binary = server.codec.binary();
            int n = deliver(buf, binary, except);
            if (publish) {
                server.publish(id, binary, buf); // a room without local members still reaches the others
            }
            return n;
        } finally {
            buf.release();
        }
    }

    private int deliver(ByteBuf buf, boolean binary, @Nullable SessionImpl<M> except) {
        int n = 0;
        for (SessionImpl<M> s : members) {
            if (s != except && s.enqueueShared(buf, binary) == Admission.ACCEPTED) {
                n++;
            }
        }
        return n;
    }

    @Override
    public void onBroadcast(String roomId, String originInstance, boolean binary, ByteBuf payload) {
        if (state != OPEN || originInstance.equals(server.instanceId)) {
            return;
        }
        deliver(payload, binary, null);
    }

    @Override
    public void onMissed(String roomId, long missed) {
        if (state != OPEN) {
            return;
        }
        try {
            server.handler.onBroadcastsMissed(this, missed);
        } catch (RuntimeException e) {
            server.handlerError(id, "onBroadcastsMissed", e);
        }
    }

    @Override
    public int size() {
        RoomImpl<M> room = current();
        return room.state == OPEN ? room.members.size() : 0;
    }

    @Override
    public boolean isClosed() {
        return state == CLOSED;
    }

    @Override
    public void close() {
        RoomImpl<M> live = null;
        List<SessionImpl<M>> left;
        synchronized (this) {
            int st = state;
            if (st == CLOSED) {
                return;
            }
            if (st == OPEN) {
                server.unregisterRoom(this);
            } else {
                live = server.liveRoom(id); // a Room object stands for its id: close the room open for it
            }
            state = CLOSED;
            subscription = null;
            left = new ArrayList<>(members);
            members.clear();
        }
        for (SessionImpl<M> s : left) {
            s.removeRoom(this);
        }
        if (live != null && live != this) {
            live.close();
        }
    }

    private SessionImpl<M> own(Session<M> session) {
        Objects.requireNonNull(session, "session");
        if (!(session instanceof SessionImpl<M> s) || s.server != server) {
            throw new IllegalArgumentException(
                    server.component + ": room '" + id + "': " + session + " belongs to another server");
        }
        return s;
    }

    @Override
    public String toString() {
        String st = switch (state) {
            case OPEN -> "open";
            case CLOSED -> "closed";
            default -> "not open";
        };
        return "room '" + id + "' of " + server.component + " (" + st + ", members=" + members.size() + ")";
    }
}

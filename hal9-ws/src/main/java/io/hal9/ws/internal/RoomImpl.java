package io.hal9.ws.internal;

import io.hal9.core.Admission;
import io.hal9.ws.Room;
import io.hal9.ws.RoomBus;
import io.hal9.ws.Session;
import io.hal9.ws.WsServer;
import io.netty.buffer.ByteBuf;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * A room: a concurrent set of local member sessions, subscribed on the server's room bus.
 *
 * <p>Design / Concurrency / Invariants: members live in a concurrent set; a broadcast iterates it weakly
 * consistently (a session joining during a broadcast may or may not receive it). Each member records its rooms
 * so that it can leave them all when it closes for good. A broadcast encodes once; every member queues a
 * retained duplicate and the broadcaster releases its own reference at the end, so the buffer is freed when the
 * last recipient has written it. {@code closed} is volatile; after close, join refuses and broadcast sends
 * nothing.
 *
 * <p>Not part of the API. Thread safety: safe for concurrent use.
 */
final class RoomImpl<M> implements Room<M>, RoomBus.Subscriber {
    private final WsServerImpl<M> server;
    private final String id;
    private final Set<SessionImpl<M>> members = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

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
        if (closed || !s.isOpen()) {
            return false;
        }
        if (!members.add(s)) {
            return false;
        }
        s.addRoom(this);
        if (!s.isOpen() || closed) {
            // closed concurrently: undo so that no closed session stays a member
            leave(s);
            return false;
        }
        return true;
    }

    @Override
    public boolean leave(Session<M> session) {
        SessionImpl<M> s = own(session);
        if (members.remove(s)) {
            s.removeRoom(this);
            return true;
        }
        return false;
    }

    @Override
    public int broadcast(M message) {
        return broadcast0(message, null, true);
    }

    @Override
    public int broadcastExcept(M message, Session<M> sender) {
        return broadcast0(message, own(sender), true);
    }

    @Override
    public int broadcastLocal(M message) {
        return broadcast0(message, null, false);
    }

    private int broadcast0(M message, @Nullable SessionImpl<M> except, boolean publish) {
        Objects.requireNonNull(message, "message");
        if (closed) {
            return 0;
        }
        ByteBuf buf = server.codec.encode(message, server.alloc);
        try {
            boolean binary = server.codec.binary();
            int n = deliver(buf, binary, except);
            if (publish) {
                server.publish(id, binary, buf);
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
        if (closed || originInstance.equals(server.config.instanceId())) {
            return;
        }
        deliver(payload, binary, null);
    }

    @Override
    public int size() {
        return members.size();
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        server.removeRoom(this);
        for (SessionImpl<M> s : members) {
            leave(s);
        }
    }

    private SessionImpl<M> own(Session<M> session) {
        Objects.requireNonNull(session, "session");
        if (!(session instanceof SessionImpl<M> s) || s.server != server) {
            throw new IllegalArgumentException(
                    server.config.component() + ": room '" + id + "': " + session + " belongs to another server");
        }
        return s;
    }

    @Override
    public String toString() {
        return "room '" + id + "' of " + server.config.component() + " (members=" + members.size() + ")";
    }
}

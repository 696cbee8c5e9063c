package io.hal9.ws;

import io.netty.buffer.ByteBuf;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link RoomBus} inside one JVM: publish calls every subscriber of the room synchronously on the
 * publisher's thread. Servers ignore their own publications by instance id. A subscription is active as soon
 * as {@link #subscribe} returns: its stage is already complete (a shared constant, no allocation).
 *
 * <p>Design / Concurrency / Invariants: subscribers per room in a concurrent map of copy-on-write lists
 * (subscriptions change rarely, publications often); an empty list is removed under {@code computeIfPresent}.
 * {@code closed} is volatile: after close, publish does nothing.
 *
 * <p>Not part of the API. Thread safety: safe for concurrent use.
 */
final class LocalRoomBus implements RoomBus {
    private static final Logger LOG = LoggerFactory.getLogger(LocalRoomBus.class);
    private static final CompletionStage<Void> ACTIVE = CompletableFuture.completedStage(null);

    private final ConcurrentHashMap<String, List<Subscriber>> rooms = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** Creates an empty bus. */
    LocalRoomBus() {}

    @Override
    public void publish(String roomId, String originInstance, boolean binary, ByteBuf payload) {
        if (closed) {
            return;
        }
        List<Subscriber> subscribers = rooms.get(roomId);
        if (subscribers == null) {
            return;
        }
        for (Subscriber s : subscribers) {
            int readerIndex = payload.readerIndex();
            try {
                s.onBroadcast(roomId, originInstance, binary, payload);
            } catch (RuntimeException e) {
                LOG.debug("local room bus: subscriber of room {} failed", roomId, e);
            } finally {
                payload.readerIndex(readerIndex);
            }
        }
    }

    @Override
    public CompletionStage<Void> subscribe(String roomId, Subscriber subscriber) {
        Objects.requireNonNull(roomId, "roomId");
        Objects.requireNonNull(subscriber, "subscriber");
        if (closed) {
            return CompletableFuture.failedStage(
                    new WsException("local room bus: closed; cannot subscribe to room " + roomId));
        }
        rooms.computeIfAbsent(roomId, k -> new CopyOnWriteArrayList<>()).add(subscriber);
        return ACTIVE;
    }

    @Override
    public void unsubscribe(String roomId, Subscriber subscriber) {
        rooms.computeIfPresent(roomId, (k, list) -> {
            list.remove(subscriber);
            return list.isEmpty() ? null : list;
        });
    }

    @Override
    public void close() {
        closed = true;
        rooms.clear();
    }
}

package io.hal9.ws;

import io.hal9.ws.internal.LocalRoomBus;
import io.netty.buffer.ByteBuf;

/**
 * Carries room broadcasts between the instances of a host (several servers behind a load balancer). A
 * broadcast is published once, as the already-encoded frame payload, with the publishing server's instance
 * id; every subscribed server delivers it to its local members of that room and ignores its own
 * publications.
 *
 * <p>Two implementations: {@link #local()} (servers in this JVM sharing the same bus instance) and {@link
 * RedisRoomBus} (Redis pub/sub through Lettuce). Delivery is at most once: a bus that is
 * down loses broadcasts (counted by the implementation), it never blocks a broadcast.
 *
 * <p>Thread safety: implementations must be safe to use from any thread.
 */
public interface RoomBus extends AutoCloseable {

    /**
     * Receives the broadcasts of one room published by other instances. Thread safety: called from bus threads,
     * possibly several at once.
     */
    @FunctionalInterface
    interface Subscriber {
        /**
         * One broadcast from another instance. Called on a bus thread; must not block.
         *
         * @param payload the encoded frame payload; valid only during the call (retain it to keep it)
         */
        void onBroadcast(String roomId, String originInstance, boolean binary, ByteBuf payload);
    }

    /**
     * Publishes a broadcast. Never blocks; does not take ownership of {@code payload} (copy or retain it to
     * keep it after returning).
     */
    void publish(String roomId, String originInstance, boolean binary, ByteBuf payload);

    /** Subscribes to a room's broadcasts; one subscriber per room per server. */
    void subscribe(String roomId, Subscriber subscriber);

    /** Stops delivering the room's broadcasts to that subscriber. */
    void unsubscribe(String roomId, Subscriber subscriber);

    /** Releases the bus's connections; publish afterwards does nothing. Idempotent. */
    @Override
    void close();

    /**
     * A bus inside this JVM: every server built with the same instance receives the others' broadcasts,
     * delivered synchronously on the publisher's thread.
     */
    static RoomBus local() {
        return new LocalRoomBus();
    }
}

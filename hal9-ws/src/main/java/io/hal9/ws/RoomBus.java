package io.hal9.ws;

import io.netty.buffer.ByteBuf;
import java.util.concurrent.CompletionStage;

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

        /**
         * Broadcasts of other instances to this room may not have reached this subscriber: {@code missed} of
         * them (a gap in an origin's sequence, seen when its next broadcast arrived), or an unknown number
         * ({@link RoomBus#UNKNOWN_MISSED}) when the room's subscription was taken up again after it had been
         * lost (a disconnect, a shard failing over). Called on a bus thread, after the broadcast that revealed
         * the gap was delivered; must not block. The default does nothing.
         */
        default void onMissed(String roomId, long missed) {}
    }

    /** The {@code missed} count of {@link Subscriber#onMissed} when the number of broadcasts lost is unknown. */
    long UNKNOWN_MISSED = -1;

    /**
     * Publishes a broadcast. Never blocks; does not take ownership of {@code payload} (copy or retain it to
     * keep it after returning).
     */
    void publish(String roomId, String originInstance, boolean binary, ByteBuf payload);

    /**
     * Subscribes to a room's broadcasts; one subscriber per room per server. Never blocks.
     *
     * <p>The returned stage completes (with {@code null}) once the subscription is active: from then on every
     * broadcast published to the room, by any instance, reaches {@code subscriber}. A bus inside this JVM
     * completes it at once; {@link RedisRoomBus} when Redis confirms the room's channel subscription (or at
     * once when the room's channel is already subscribed). It completes exceptionally with a {@link
     * WsException} when the subscription failed (Redis refused it or could not be reached, the bus is
     * closed); the subscriber stays registered and receives what does arrive. Broadcasts published before the
     * stage completes may be missed: a host that must not miss any (e.g. before telling a player it is in the
     * room) waits for it, off any event loop.
     *
     * <p>The stage is read-only: completing it from outside has no effect on the bus (Redis buses hand out a
     * copy).
     *
     * @return a stage completed when the subscription is active
     */
    CompletionStage<Void> subscribe(String roomId, Subscriber subscriber);

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

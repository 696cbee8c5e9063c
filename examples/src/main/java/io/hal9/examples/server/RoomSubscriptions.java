package io.hal9.examples.server;

import io.hal9.ws.RoomBus;
import io.netty.buffer.ByteBuf;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WebSocket server's room bus (hal9-ws's {@link io.hal9.ws.RedisRoomBus} in the server), remembering
 * the confirmation {@link RoomBus#subscribe} returns for each room, so that the gateway can wait for a
 * room's subscription before it tells a player "welcome": after that the player misses no broadcast of
 * another instance. Everything else is passed to the bus as it is.
 *
 * <p>Limits: one confirmation per room (the WebSocket server subscribes once per room); it is forgotten
 * when the room is unsubscribed. {@link #awaitActive} waits at most its timeout.
 *
 * <p>Thread safety: safe for concurrent use; {@link #awaitActive} blocks and must not run on an event loop.
 */
final class RoomSubscriptions implements RoomBus {
    /*
     * Design / Concurrency / Invariants: subscriptions maps a room id to its subscriber and confirmation,
     * put after the bus's subscribe returned and removed (only if it is still that subscriber's) after
     * its unsubscribe; the map is concurrent, entries are immutable.
     */
    private static final Logger log = LoggerFactory.getLogger(RoomSubscriptions.class);

    private record Subscription(Subscriber subscriber, CompletionStage<Void> active) {}

    private final String name;
    private final RoomBus bus;
    private final ConcurrentHashMap<String, Subscription> subscriptions = new ConcurrentHashMap<>();

    RoomSubscriptions(String name, RoomBus bus) {
        this.name = Objects.requireNonNull(name, "name");
        this.bus = Objects.requireNonNull(bus, "bus");
    }

    @Override
    public void publish(String roomId, String originInstance, boolean binary, ByteBuf payload) {
        bus.publish(roomId, originInstance, binary, payload);
    }

    @Override
    public CompletionStage<Void> subscribe(String roomId, Subscriber subscriber) {
        CompletionStage<Void> active = bus.subscribe(roomId, subscriber);
        subscriptions.put(roomId, new Subscription(subscriber, active));
        return active;
    }

    @Override
    public void unsubscribe(String roomId, Subscriber subscriber) {
        bus.unsubscribe(roomId, subscriber);
        subscriptions.computeIfPresent(roomId, (k, s) -> s.subscriber() == subscriber ? null : s);
    }

    /**
     * Waits (at most {@code timeout}) until the bus has confirmed the room's subscription. Returns at once for
     * a room that is not subscribed. Blocks: call it from a virtual thread, never from an event loop.
     *
     * @return whether the subscription is active (false: not subscribed, not confirmed in time, failed, or
     *     interrupted)
     */
    boolean awaitActive(String roomId, Duration timeout) {
        Subscription s = subscriptions.get(roomId);
        if (s == null) {
            return false;
        }
        try {
            s.active().toCompletableFuture().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            log.debug("{}: room {} could not be subscribed: {}", name, roomId, String.valueOf(e.getCause()));
        } catch (TimeoutException e) {
            log.debug("{}: room {} not confirmed by the room bus within {}", name, roomId, timeout);
        }
        return false;
    }

    @Override
    public void close() {
        bus.close();
    }
}

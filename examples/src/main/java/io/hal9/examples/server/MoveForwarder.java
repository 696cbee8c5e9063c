package io.hal9.examples.server;

import io.hal9.redis.SharedRedis;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards, through Redis pub/sub, the WebSocket moves of a player connected to an instance that does not
 * host the game: a forwarded move goes to every instance (the host applies it, the others ignore it), and a
 * refusal goes back to the player's instance. Room broadcasts are not its job: they travel on hal9-ws's
 * {@link io.hal9.ws.RedisRoomBus}.
 *
 * <p>Channels: {@code {prefix}moves} for forwarded moves, {@code {prefix}replies:{instanceId}} for refusals
 * of forwarded moves. Both are subscribed (and confirmed by Redis) before the constructor returns. They
 * travel on the process's {@link SharedRedis} (its pub/sub connection, shared with the room bus and the
 * near cache): classic pub/sub on a standalone or Sentinel setup, sharded pub/sub ({@code SPUBLISH}) on
 * a Redis Cluster, where each channel lives on the shard that owns its slot; a subscription lost with its
 * connection or its shard's failover is taken up again by SharedRedis.
 *
 * <p>Limits: delivery is at most once, like Redis pub/sub: while Redis is unreachable forwarded moves and
 * replies are lost (counted in {@link #lost()}), never queued, and sending never blocks. A forwarded move
 * whose game no instance hosts any more goes unanswered.
 *
 * <p>Thread safety: safe for concurrent use; handlers are called on Lettuce's event loop and must not
 * block.
 */
final class MoveForwarder implements AutoCloseable {
    /*
     * Design / Concurrency / Invariants: publications go through the caller's SharedRedis (async, never
     * awaited); two subscriptions on its pub/sub connection for the forwarder's life. The handlers are
     * volatile, set once by the gateway before traffic. closed is set once; afterwards sending counts the
     * message as lost.
     */
    private static final Logger log = LoggerFactory.getLogger(MoveForwarder.class);
    /** How long the constructor waits for Redis to confirm the two subscriptions. */
    private static final long CONFIRM_SECONDS = 10;

    private final String name;
    private final String prefix;
    private final SharedRedis redis;
    private final List<SharedRedis.Subscription> subscriptions;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final LongAdder lost = new LongAdder();
    private volatile Consumer<byte[]> moveHandler = m -> {};
    private volatile Consumer<byte[]> replyHandler = m -> {};

    /**
     * Subscribes through {@code redis}, which stays the caller's (closing the forwarder closes only its two
     * subscriptions).
     *
     * @throws IllegalStateException if Redis does not confirm the subscriptions within 10 s
     */
    MoveForwarder(String name, SharedRedis redis, String prefix, String instanceId) {
        this.name = Objects.requireNonNull(name, "name");
        this.prefix = Objects.requireNonNull(prefix, "prefix");
        this.redis = Objects.requireNonNull(redis, "redis");
        Objects.requireNonNull(instanceId, "instanceId");
        SharedRedis.MessageListener listener = this::dispatch;
        SharedRedis.Subscription moves = redis.subscribe(movesChannel(), listener);
        SharedRedis.Subscription replies;
        try {
            replies = redis.subscribe(repliesChannel(instanceId), listener);
        } catch (RuntimeException e) {
            moves.close();
            throw e;
        }
        this.subscriptions = List.of(moves, replies);
        try {
            CompletableFuture.allOf(moves.confirmed(), replies.confirmed()).get(CONFIRM_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeSubscriptions();
            throw new IllegalStateException(name + ": interrupted while subscribing to the move channels", e);
        } catch (ExecutionException | TimeoutException e) {
            closeSubscriptions();
            throw new IllegalStateException(
                    name + ": Redis " + redis.endpoint() + " did not confirm the move channels' subscriptions: " + e,
                    e);
        }
    }

    private String movesChannel() {
        return prefix + "moves";
    }

    private String repliesChannel(String instance) {
        return prefix + "replies:" + instance;
    }

    /** Where forwarded moves (from any instance, this one included) are handed. */
    void onMove(Consumer<byte[]> handler) {
        this.moveHandler = Objects.requireNonNull(handler, "handler");
    }

    /** Where refusals addressed to this instance are handed. */
    void onReply(Consumer<byte[]> handler) {
        this.replyHandler = Objects.requireNonNull(handler, "handler");
    }

    void forwardMove(byte[] message) {
        send(movesChannel(), message);
    }

    void reply(String toInstance, byte[] message) {
        send(repliesChannel(toInstance), message);
    }

    private void send(String channel, byte[] message) {
        if (closed.get()) {
            lost.increment();
            return;
        }
        redis.publish(channel, message).whenComplete((n, e) -> {
            if (e != null) {
                lost.increment();
                log.trace("{}: publish to {} failed: {}", name, channel, e.toString());
            }
        });
    }

    private void dispatch(String channel, byte[] message) {
        try {
            if (channel.equals(movesChannel())) {
                moveHandler.accept(message);
            } else if (channel.startsWith(prefix + "replies:")) {
                replyHandler.accept(message);
            }
        } catch (RuntimeException e) {
            log.debug("{}: handling a message of {} failed", name, channel, e);
        }
    }

    /** Forwarded moves and replies lost because Redis did not take them. */
    long lost() {
        return lost.sum();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closeSubscriptions();
    }

    private void closeSubscriptions() {
        for (SharedRedis.Subscription s : subscriptions) {
            s.close();
        }
    }
}

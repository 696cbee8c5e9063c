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
 * own the game: a forwarded move goes to the owner only, on the owner's own channel, and a refusal goes back
 * to the player's instance. Room broadcasts are not its job: they travel on hal9-ws's {@link
 * io.hal9.ws.RedisRoomBus}.
 *
 * <p>Channels: {@code {prefix}instance:{name}:moves} for the moves forwarded to the instance {@code name}
 * (the name games record as their owner), {@code {prefix}replies:{instanceId}} for refusals of forwarded
 * moves. Both are subscribed (and confirmed by Redis) before the constructor returns. One channel per
 * instance rather than one for all: an instance receives only the moves it applies, so the work per
 * forwarded move does not grow with the number of instances. They travel on the process's {@link SharedRedis} (its pub/sub connection, shared with the room bus and the
 * near cache): classic pub/sub on a standalone or Sentinel setup, sharded pub/sub ({@code SPUBLISH}) on
 * a Redis Cluster, where each channel lives on the shard that owns its slot; a subscription lost with its
 * connection or its shard's failover is taken up again by SharedRedis.
 *
 * <p>Limits: delivery is at most once, like Redis pub/sub: while Redis is unreachable forwarded moves and
 * replies are lost, never queued, and sending never blocks. Counted: {@link #forwarded()} (Redis took the
 * move and a subscriber of the owner's channel got it), {@link #received()} (moves that arrived here), and
 * {@link #lost()} (Redis did not take it, or nobody listened on the owner's channel: the owner is gone or
 * the sender's idea of the owner is stale; on a cluster, a shard's count of receivers).
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
    private final LongAdder forwarded = new LongAdder();
    private final LongAdder received = new LongAdder();
    private final String ownName;
    private volatile Consumer<byte[]> moveHandler = m -> {};
    private volatile Consumer<byte[]> replyHandler = m -> {};

    /**
     * Subscribes through {@code redis}, which stays the caller's (closing the forwarder closes only its two
     * subscriptions).
     *
     * @throws IllegalStateException if Redis does not confirm the subscriptions within 10 s
     */
    MoveForwarder(String name, SharedRedis redis, String prefix, String instanceName, String instanceId) {
        this.name = Objects.requireNonNull(name, "name");
        this.prefix = Objects.requireNonNull(prefix, "prefix");
        this.redis = Objects.requireNonNull(redis, "redis");
        this.ownName = Objects.requireNonNull(instanceName, "instanceName");
        Objects.requireNonNull(instanceId, "instanceId");
        SharedRedis.MessageListener listener = this::dispatch;
        SharedRedis.Subscription moves = redis.subscribe(movesChannel(ownName), listener);
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

    private String movesChannel(String instance) {
        return prefix + "instance:" + instance + ":moves";
    }

    private String repliesChannel(String instance) {
        return prefix + "replies:" + instance;
    }

    /** Where moves forwarded to this instance are handed. */
    void onMove(Consumer<byte[]> handler) {
        this.moveHandler = Objects.requireNonNull(handler, "handler");
    }

    /** Where refusals addressed to this instance are handed. */
    void onReply(Consumer<byte[]> handler) {
        this.replyHandler = Objects.requireNonNull(handler, "handler");
    }

    /**
     * Sends a move to the instance {@code owner}. {@code onNoReceiver} runs (on Lettuce's event loop) when
     * Redis took the move but nobody listens on that instance's channel.
     */
    void forwardMove(String owner, byte[] message, Runnable onNoReceiver) {
        send(movesChannel(owner), message, true, onNoReceiver);
    }

    void reply(String toInstance, byte[] message) {
        send(repliesChannel(toInstance), message, false, () -> {});
    }

    private void send(String channel, byte[] message, boolean move, Runnable onNoReceiver) {
        if (closed.get()) {
            lost.increment();
            return;
        }
        redis.publish(channel, message).whenComplete((n, e) -> {
            if (e != null) {
                lost.increment();
                log.trace("{}: publish to {} failed: {}", name, channel, e.toString());
            } else if (n == null || n == 0) {
                lost.increment();
                onNoReceiver.run();
            } else if (move) {
                forwarded.increment();
            }
        });
    }

    private void dispatch(String channel, byte[] message) {
        try {
            if (channel.equals(movesChannel(ownName))) {
                received.increment();
                moveHandler.accept(message);
            } else if (channel.startsWith(prefix + "replies:")) {
                replyHandler.accept(message);
            }
        } catch (RuntimeException e) {
            log.debug("{}: handling a message of {} failed", name, channel, e);
        }
    }

    /** Forwarded moves and replies lost: Redis did not take them, or nobody listened on the channel. */
    long lost() {
        return lost.sum();
    }

    /** Moves sent to their owner's channel and delivered to it. */
    long forwarded() {
        return forwarded.sum();
    }

    /** Moves forwarded to this instance by others. */
    long received() {
        return received.sum();
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

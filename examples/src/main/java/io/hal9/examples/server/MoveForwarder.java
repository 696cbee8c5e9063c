package io.hal9.examples.server;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.util.Objects;
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
 * of forwarded moves. Both are subscribed (and confirmed by Redis) before the constructor returns.
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
     * Design / Concurrency / Invariants: two connections of the caller's client, one publishing (commands
     * are async, never awaited) and one subscribed to the two channels for the forwarder's life. The
     * handlers are volatile, set once by the gateway before traffic. closed is set once; afterwards
     * sending counts the message as lost.
     */
    private static final Logger log = LoggerFactory.getLogger(MoveForwarder.class);
    private static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

    private final String name;
    private final String prefix;
    private final StatefulRedisConnection<String, byte[]> pub;
    private final StatefulRedisPubSubConnection<String, byte[]> sub;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final LongAdder lost = new LongAdder();
    private volatile Consumer<byte[]> moveHandler = m -> {};
    private volatile Consumer<byte[]> replyHandler = m -> {};

    /**
     * Connects through {@code client}, which stays the caller's (closing the forwarder closes only its two
     * connections).
     */
    MoveForwarder(String name, RedisClient client, String prefix, String instanceId) {
        this.name = Objects.requireNonNull(name, "name");
        this.prefix = Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(instanceId, "instanceId");
        this.pub = client.connect(CODEC);
        try {
            this.pub.setTimeout(Duration.ofSeconds(1));
            this.sub = client.connectPubSub(CODEC);
        } catch (RuntimeException e) {
            pub.close();
            throw e;
        }
        try {
            this.sub.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String channel, byte[] message) {
                    dispatch(channel, message);
                }
            });
            sub.sync().subscribe(movesChannel(), repliesChannel(instanceId));
        } catch (RuntimeException e) {
            sub.close();
            pub.close();
            throw e;
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
        try {
            pub.async().publish(channel, message).whenComplete((n, e) -> {
                if (e != null) {
                    lost.increment();
                    log.trace("{}: publish to {} failed: {}", name, channel, e.toString());
                }
            });
        } catch (RuntimeException e) {
            lost.increment();
            log.trace("{}: publish to {} failed: {}", name, channel, e.toString());
        }
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
        sub.close();
        pub.close();
    }
}

package io.hal9.examples.server;

import io.hal9.ws.RoomBus;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the instances of one deployment tell each other through Redis pub/sub: room broadcasts (this
 * class is the {@link RoomBus} of the WebSocket server) and moves sent by a player connected to an
 * instance that does not host the game, forwarded to every instance (the host applies them, the
 * others ignore them) with refusals sent back to the player's instance.
 *
 * <p>Channels: {@code {prefix}room:{roomId}} per room, {@code {prefix}moves} for forwarded moves,
 * {@code {prefix}replies:{instanceId}} for refusals of forwarded moves.
 *
 * <p>Stop-gap: hal9-ws announces a {@code RedisRoomBus} of its own; when it ships, the room part of
 * this class gives way to it.
 *
 * <p>Limits: delivery is at most once, like Redis pub/sub: while Redis is unreachable broadcasts and
 * forwarded moves are lost (counted in {@link #lost()}), never queued, and publishing never blocks.
 * A forwarded move whose game no instance hosts any more goes unanswered.
 *
 * <p>Thread safety: safe for concurrent use; subscribers are called on Lettuce's event loop and
 * must not block.
 */
final class RedisRelay implements RoomBus {
    /*
     * Design / Concurrency / Invariants: two connections, one publishing (commands are async,
     * never awaited) and one subscribed. rooms maps a room id to its local subscribers (copy-on-write:
     * subscriptions change rarely); the Redis channel of a room is subscribed while the list is
     * non-empty. closed is set once; afterwards publish does nothing.
     */
    private static final Logger log = LoggerFactory.getLogger(RedisRelay.class);
    private static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

    private final String name;
    private final String prefix;
    private final String instanceId;
    private final RedisClient client;
    private final StatefulRedisConnection<String, byte[]> pub;
    private final StatefulRedisPubSubConnection<String, byte[]> sub;
    private final Map<String, List<Subscriber>> rooms = new ConcurrentHashMap<>();
    /** Redis's confirmation of each room channel subscription, for {@link #awaitSubscribed}. */
    private final Map<String, CompletableFuture<Void>> subscribed = new ConcurrentHashMap<>();

    private final AtomicBoolean closed = new AtomicBoolean();
    private final LongAdder lost = new LongAdder();
    private volatile Consumer<byte[]> moveHandler = m -> {};
    private volatile Consumer<byte[]> replyHandler = m -> {};

    RedisRelay(String name, String uri, String prefix, String instanceId) {
        this.name = Objects.requireNonNull(name, "name");
        this.prefix = Objects.requireNonNull(prefix, "prefix");
        this.instanceId = Objects.requireNonNull(instanceId, "instanceId");
        this.client = RedisClient.create(uri);
        try {
            this.pub = client.connect(CODEC);
            this.pub.setTimeout(Duration.ofSeconds(1));
            this.sub = client.connectPubSub(CODEC);
            this.sub.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String channel, byte[] message) {
                    dispatch(channel, message);
                }
            });
            sub.sync().subscribe(movesChannel(), repliesChannel(instanceId));
        } catch (RuntimeException e) {
            client.shutdown();
            throw e;
        }
    }

    String instanceId() {
        return instanceId;
    }

    private String roomChannel(String roomId) {
        return prefix + "room:" + roomId;
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
            } else if (channel.startsWith(prefix + "room:")) {
                deliver(channel.substring(prefix.length() + 5), message);
            }
        } catch (RuntimeException e) {
            log.debug("{}: handling a message of {} failed", name, channel, e);
        }
    }

    /* Room frame: [binary flag][origin length][origin UTF-8][payload]. */
    private void deliver(String roomId, byte[] message) {
        if (message.length < 2) {
            return;
        }
        int originLength = message[1] & 0xff;
        if (message.length < 2 + originLength) {
            return;
        }
        String origin = new String(message, 2, originLength, StandardCharsets.UTF_8);
        if (origin.equals(instanceId)) {
            return; // our own publication: local members already have it
        }
        List<Subscriber> subs = rooms.get(roomId);
        if (subs == null) {
            return;
        }
        ByteBuf payload = Unpooled.wrappedBuffer(message, 2 + originLength, message.length - 2 - originLength);
        for (Subscriber s : subs) {
            int reader = payload.readerIndex();
            try {
                s.onBroadcast(roomId, origin, message[0] != 0, payload);
            } finally {
                payload.readerIndex(reader);
            }
        }
    }

    @Override
    public void publish(String roomId, String originInstance, boolean binary, ByteBuf payload) {
        byte[] origin = originInstance.getBytes(StandardCharsets.UTF_8);
        if (origin.length > 255) {
            throw new IllegalArgumentException(name + ": instance id longer than 255 bytes");
        }
        int n = payload.readableBytes();
        byte[] frame = new byte[2 + origin.length + n];
        frame[0] = (byte) (binary ? 1 : 0);
        frame[1] = (byte) origin.length;
        System.arraycopy(origin, 0, frame, 2, origin.length);
        payload.getBytes(payload.readerIndex(), frame, 2 + origin.length, n);
        send(roomChannel(roomId), frame);
    }

    @Override
    public void subscribe(String roomId, Subscriber subscriber) {
        Objects.requireNonNull(subscriber, "subscriber");
        boolean[] first = {false};
        rooms.compute(roomId, (k, list) -> {
            List<Subscriber> l = list == null ? new CopyOnWriteArrayList<>() : list;
            first[0] = l.isEmpty();
            l.add(subscriber);
            return l;
        });
        if (first[0] && !closed.get()) {
            // Asynchronous: this runs on a WebSocket event loop, which must not block. A broadcast
            // published before Redis confirms the subscription (a millisecond or so) is missed.
            CompletableFuture<Void> done = new CompletableFuture<>();
            subscribed.put(roomId, done);
            sub.async().subscribe(roomChannel(roomId)).whenComplete((v, e) -> {
                done.complete(null);
                if (e != null) {
                    log.warn("{}: cannot subscribe to room {} on Redis: {}", name, roomId, e.toString());
                }
            });
        }
    }

    @Override
    public void unsubscribe(String roomId, Subscriber subscriber) {
        boolean[] last = {false};
        rooms.computeIfPresent(roomId, (k, list) -> {
            list.remove(subscriber);
            last[0] = list.isEmpty();
            return list.isEmpty() ? null : list;
        });
        if (last[0] && !closed.get()) {
            subscribed.remove(roomId);
            sub.async().unsubscribe(roomChannel(roomId));
        }
    }

    /**
     * Waits (at most {@code timeout}) until Redis has confirmed the room's subscription, so that a
     * session told "welcome" after this call misses no broadcast of other instances. Blocks: call it
     * from a virtual thread, never from an event loop.
     */
    void awaitSubscribed(String roomId, Duration timeout) {
        CompletableFuture<Void> f = subscribed.get(roomId);
        if (f == null) {
            return;
        }
        try {
            f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.debug("{}: room {} not confirmed by Redis within {}", name, roomId, timeout);
        }
    }

    /** Broadcasts and forwarded moves lost because Redis did not take them. */
    long lost() {
        return lost.sum();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        rooms.clear();
        sub.close();
        pub.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}

package io.hal9.ws;

import io.hal9.core.internal.Checks;
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
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link RoomBus} over Redis pub/sub through Lettuce: the broadcasts of a room reach the servers of every
 * instance subscribed to that room.
 *
 * <p><b>Channels.</b> One Redis channel per room, {@code <prefix><roomId>} (default prefix {@code
 * hal9:room:}): Redis delivers a room's broadcasts only to the instances that have that room, so an instance
 * pays nothing for rooms it does not host (one channel with the room id in the payload would send every
 * broadcast to every instance). An instance subscribes when a server creates the room and unsubscribes when
 * the room closes. {@link #subscribe} returns a stage that completes when Redis has confirmed the channel
 * subscription (the first subscriber of a room sends {@code SUBSCRIBE}; later ones get the same confirmation),
 * so a host can wait for it before telling a player that it is in the room.
 *
 * <p><b>Payload.</b> {@code [version=1][flags: bit 0 = binary frame][origin length, 2 bytes][origin instance id,
 * UTF-8][frame payload]}: the already-encoded bytes, so the receiving instance does not encode again. Servers
 * ignore the broadcasts of their own instance id.
 *
 * <p><b>Limits.</b> Delivery is at most once: publications are asynchronous and never block the broadcaster;
 * at most {@code maxInFlight} (default {@value #DEFAULT_MAX_IN_FLIGHT}) publications wait for Redis at once,
 * beyond that a publication is dropped and counted in {@link #dropped()}; a failed publication (Redis down) is
 * counted in {@link #failed()} and logged at DEBUG. Lettuce reconnects and resubscribes by itself.
 *
 * <p>Thread safety: safe for concurrent use. Subscribers are called on Lettuce's event-loop thread, and the
 * stages returned by {@link #subscribe} complete there: what depends on them must not block (wait for them
 * from another thread, or use the {@code ...Async} variants).
 */
public final class RedisRoomBus implements RoomBus {
    /*
     * Design / Concurrency / Invariants: rooms maps a room id to its Members (subscribers in a copy-on-write
     * list, and the confirmation of the room's channel subscription); a Members is created with its first
     * subscriber and removed with its last, and SUBSCRIBE / UNSUBSCRIBE are dispatched inside that same
     * compute, so that the order of the commands on the subscribe connection follows the order of the map's
     * changes for a room (dispatching is asynchronous and does not block). Lettuce completes the command's
     * future, on its event loop, when Redis's subscribe reply arrives; that completes Members.active, which
     * callers see only through copies. closed is volatile and set once; close() fails the confirmations still
     * pending.
     */
    private static final Logger LOG = LoggerFactory.getLogger(RedisRoomBus.class);

    /** The default channel prefix. */
    public static final String DEFAULT_PREFIX = "hal9:room:";

    /** The default bound of publications waiting for Redis. */
    public static final int DEFAULT_MAX_IN_FLIGHT = 10_000;

    private static final byte VERSION = 1;
    private static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

    private final String prefix;
    private final int maxInFlight;
    private final StatefulRedisConnection<String, byte[]> pub;
    private final StatefulRedisPubSubConnection<String, byte[]> sub;
    private final ConcurrentHashMap<String, Members> rooms = new ConcurrentHashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final LongAdder published = new LongAdder();
    private final LongAdder received = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private volatile boolean closed;

    private RedisRoomBus(RedisClient client, String prefix, int maxInFlight) {
        this.prefix = prefix;
        this.maxInFlight = maxInFlight;
        this.pub = client.connect(CODEC);
        this.sub = client.connectPubSub(CODEC);
        sub.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, byte[] message) {
                onMessage(channel, message);
            }
        });
    }

    /**
     * Connects a bus through {@code client} (two connections: one to publish, one to subscribe), with the
     * default prefix and in-flight bound. The client stays the caller's: closing the bus closes only its
     * connections.
     */
    public static RedisRoomBus create(RedisClient client) {
        return create(client, DEFAULT_PREFIX, DEFAULT_MAX_IN_FLIGHT);
    }

    /**
     * Connects a bus with a channel prefix (e.g. per game or per environment) and a bound of publications
     * waiting for Redis, in [1, 1000000].
     */
    public static RedisRoomBus create(RedisClient client, String channelPrefix, int maxInFlight) {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(channelPrefix, "channelPrefix");
        Checks.inRange("redis room bus", "maxInFlight", maxInFlight, 1, 1_000_000);
        return new RedisRoomBus(client, channelPrefix, maxInFlight);
    }

    @Override
    public void publish(String roomId, String originInstance, boolean binary, ByteBuf payload) {
        if (closed) {
            return;
        }
        if (inFlight.incrementAndGet() > maxInFlight) {
            inFlight.decrementAndGet();
            dropped.increment();
            return;
        }
        byte[] origin = originInstance.getBytes(StandardCharsets.UTF_8);
        int len = payload.readableBytes();
        byte[] message = new byte[4 + origin.length + len];
        message[0] = VERSION;
        message[1] = (byte) (binary ? 1 : 0);
        message[2] = (byte) (origin.length >>> 8);
        message[3] = (byte) origin.length;
        System.arraycopy(origin, 0, message, 4, origin.length);
        payload.getBytes(payload.readerIndex(), message, 4 + origin.length, len);
        pub.async().publish(prefix + roomId, message).whenComplete((n, e) -> {
            inFlight.decrementAndGet();
            if (e != null) {
                failed.increment();
                LOG.debug("redis room bus: publish to a room failed", e);
            } else {
                published.increment();
            }
        });
    }

    private void onMessage(String channel, byte[] message) {
        if (closed || !channel.startsWith(prefix) || message.length < 4 || message[0] != VERSION) {
            return;
        }
        String roomId = channel.substring(prefix.length());
        Members members = rooms.get(roomId);
        if (members == null) {
            return;
        }
        List<Subscriber> subscribers = members.subscribers;
        received.increment();
        boolean binary = (message[1] & 1) != 0;
        int originLength = ((message[2] & 0xff) << 8) | (message[3] & 0xff);
        if (4 + originLength > message.length) {
            return;
        }
        String origin = new String(message, 4, originLength, StandardCharsets.UTF_8);
        ByteBuf payload = Unpooled.wrappedBuffer(message, 4 + originLength, message.length - 4 - originLength);
        try {
            for (Subscriber s : subscribers) {
                try {
                    s.onBroadcast(roomId, origin, binary, payload.duplicate());
                } catch (RuntimeException e) {
                    LOG.debug("redis room bus: a subscriber failed", e);
                }
            }
        } finally {
            payload.release();
        }
    }

    @Override
    public CompletionStage<Void> subscribe(String roomId, Subscriber subscriber) {
        Objects.requireNonNull(roomId, "roomId");
        Objects.requireNonNull(subscriber, "subscriber");
        if (closed) {
            return CompletableFuture.failedStage(
                    new WsException("redis room bus: closed; cannot subscribe to room channel " + prefix + roomId));
        }
        Members members = rooms.compute(roomId, (k, current) -> {
            Members m = current;
            if (m == null) {
                m = new Members();
                sendSubscribe(prefix + roomId, m.active);
            }
            m.subscribers.add(subscriber);
            return m;
        });
        return members.active.copy();
    }

    /** Dispatches SUBSCRIBE (never blocks) and completes {@code active} with Redis's answer. */
    private void sendSubscribe(String channel, CompletableFuture<Void> active) {
        try {
            sub.async().subscribe(channel).whenComplete((v, e) -> {
                if (e == null) {
                    active.complete(null);
                } else {
                    subscribeFailed(channel, active, e);
                }
            });
        } catch (RuntimeException e) {
            subscribeFailed(channel, active, e);
        }
    }

    private void subscribeFailed(String channel, CompletableFuture<Void> active, Throwable e) {
        if (!closed) {
            LOG.warn("redis room bus: cannot subscribe to room channel {}: {}", channel, e.toString());
        }
        active.completeExceptionally(
                new WsException("redis room bus: cannot subscribe to room channel " + channel + ": " + e, e));
    }

    @Override
    public void unsubscribe(String roomId, Subscriber subscriber) {
        rooms.computeIfPresent(roomId, (k, m) -> {
            m.subscribers.remove(subscriber);
            if (!m.subscribers.isEmpty()) {
                return m;
            }
            if (!closed) {
                try {
                    sub.async().unsubscribe(prefix + roomId);
                } catch (RuntimeException e) {
                    LOG.debug("redis room bus: unsubscribe from a room channel failed", e);
                }
            }
            return null;
        });
    }

    /** Broadcasts published to Redis. */
    public long published() {
        return published.sum();
    }

    /** Broadcasts received from Redis for a subscribed room (own ones included; servers skip those). */
    public long received() {
        return received.sum();
    }

    /** Broadcasts dropped because {@code maxInFlight} publications were waiting for Redis. */
    public long dropped() {
        return dropped.sum();
    }

    /** Publications that failed (Redis unreachable, timeout). */
    public long failed() {
        return failed.sum();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Members m : rooms.values()) {
            m.active.completeExceptionally(new WsException("redis room bus: closed before Redis confirmed a room"));
        }
        rooms.clear();
        sub.close();
        pub.close();
    }

    /** The local subscribers of one room and the confirmation of its channel subscription. */
    private static final class Members {
        final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
        final CompletableFuture<Void> active = new CompletableFuture<>();
    }
}

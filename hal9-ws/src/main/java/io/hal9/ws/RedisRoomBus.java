package io.hal9.ws;

import io.hal9.core.internal.Checks;
import io.hal9.redis.SharedRedis;
import io.lettuce.core.RedisClient;
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
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link RoomBus} over Redis pub/sub: the broadcasts of a room reach the servers of every instance
 * subscribed to that room. Built on a {@link SharedRedis}, so it shares its connections and threads with
 * the caches of the process, and works the same on a standalone server, behind Sentinel and on a Redis
 * Cluster (where it uses sharded pub/sub, {@code SPUBLISH}/{@code SSUBSCRIBE}).
 *
 * <pre>{@code
 * SharedRedis redis = SharedRedis.create("redis-cluster://10.0.0.1:7000,10.0.0.2:7000");
 * RedisRoomBus bus = RedisRoomBus.create(redis);
 * WsServer<GameMsg> server = WsServer.builder("game", Codecs.json(GameMsg.class), handler)
 *         .roomBus(bus)
 *         .build()
 *         .start();
 * }</pre>
 *
 * <p><b>Channels.</b> One Redis channel per room, {@code <prefix><roomId>} (default prefix {@code
 * hal9:room:}): Redis delivers a room's broadcasts only to the instances that have that room, so an instance
 * pays nothing for rooms it does not host (one channel with the room id in the payload would send every
 * broadcast to every instance). On a cluster a room's channel lives on the shard that owns its slot, so the
 * rooms spread over the masters. An instance subscribes when a room of its server opens (its first member or
 * hold) and unsubscribes when the room is reclaimed (no member, no hold) or closed. {@link #subscribe} returns a stage that completes when Redis has confirmed the channel
 * subscription (the first subscriber of a room sends the subscription; later ones get the same
 * confirmation), so a host can wait for it before telling a player that it is in the room.
 *
 * <p><b>Payload.</b> {@code [version=2][flags: bit 0 = binary frame][origin length, 2 bytes][origin instance
 * id, UTF-8][sequence, 8 bytes][frame payload]}: the already-encoded bytes, so the receiving instance does not
 * encode again. The sequence counts the publications of that origin to the room through this bus (from 1); a receiver that sees a
 * sequence jump from an origin counts the broadcasts in between as missed ({@link #missed()}) and tells the
 * room's subscribers ({@link RoomBus.Subscriber#onMissed}), so that a host can re-send what its members need. Version 1
 * messages (no sequence, from older instances) are still read. Servers ignore the broadcasts of their own
 * instance id.
 *
 * <p><b>Limits.</b> Delivery is at most once: publications are asynchronous and never block the broadcaster;
 * at most {@code maxInFlight} (default {@value #DEFAULT_MAX_IN_FLIGHT}) publications wait for Redis at once,
 * beyond that a publication is dropped and counted in {@link #dropped()}; a failed publication (Redis down,
 * the room's shard failing over) is counted in {@link #failed()} and logged at DEBUG. The sequence of a room
 * an origin publishes to without this bus subscribing to it is kept until 100,000 such rooms accumulate, then all are
 * forgotten (receivers see a restart, not a gap).
 *
 * <p><b>When Redis is down.</b> Publications fail fast and are counted; subscriptions are taken up again
 * when the connection is back (on a cluster, when the room's shard has failed over and the topology was
 * refreshed, about a second after the promotion); broadcasts sent in between are lost, and those that other
 * instances published are counted in {@link #missed()} when the next one arrives. Once a lost subscription is
 * confirmed again, the room's subscribers hear {@link RoomBus.Subscriber#onMissed} with {@link
 * RoomBus#UNKNOWN_MISSED}: the bus cannot know what it missed meanwhile, the host can (e.g. by asking the
 * instance that owns the room's state to send it again).
 *
 * <p>Thread safety: safe for concurrent use. Subscribers are called on Lettuce's event-loop thread, and the
 * stages returned by {@link #subscribe} complete there: what depends on them must not block (wait for them
 * from another thread, or use the {@code ...Async} variants).
 */
// "exports": SharedRedis and Lettuce's RedisClient come from optional modules (requires static), which a host
// that uses RedisRoomBus requires itself
@SuppressWarnings("exports")
public final class RedisRoomBus implements RoomBus {
    /*
     * Design / Concurrency / Invariants: rooms maps a room id to its Members (subscribers in a copy-on-write
     * list, the SharedRedis subscription of the room's channel and the last sequence seen per origin); a
     * Members is created with its first subscriber and removed with its last, and the channel subscription is
     * made / closed inside that same compute, so that the order of the commands for a room follows the order
     * of the map's changes (SharedRedis dispatches them without blocking). Messages of one channel arrive on
     * one I/O thread at a time, so lastSeq is updated by one thread per channel. closed is volatile and set
     * once; close() fails the confirmations still pending.
     */
    private static final Logger LOG = LoggerFactory.getLogger(RedisRoomBus.class);

    /** The default channel prefix. */
    public static final String DEFAULT_PREFIX = "hal9:room:";

    /** The default bound of publications waiting for Redis. */
    public static final int DEFAULT_MAX_IN_FLIGHT = 10_000;

    private static final byte VERSION_1 = 1;
    private static final byte VERSION = 2;
    private static final int MAX_PUBLISHED_ROOMS = 100_000;

    private final SharedRedis redis;
    private final @Nullable SharedRedis ownedRedis;
    private final String prefix;
    private final int maxInFlight;
    private final ConcurrentHashMap<String, Members> rooms = new ConcurrentHashMap<>();
    /** Per room, per origin instance: the last sequence number published. */
    private final ConcurrentHashMap<String, ConcurrentHashMap<String, AtomicLong>> publishSeq =
            new ConcurrentHashMap<>();

    private final AtomicInteger inFlight = new AtomicInteger();
    private final LongAdder published = new LongAdder();
    private final LongAdder received = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder missed = new LongAdder();
    private final LongAdder subscriptionsLost = new LongAdder();
    private volatile boolean closed;

    private RedisRoomBus(SharedRedis redis, @Nullable SharedRedis ownedRedis, String prefix, int maxInFlight) {
        this.redis = redis;
        this.ownedRedis = ownedRedis;
        this.prefix = prefix;
        this.maxInFlight = maxInFlight;
    }

    /**
     * A bus on {@code redis}'s shared connections, with the default prefix and in-flight bound. The
     * {@code SharedRedis} stays the caller's: closing the bus closes only its subscriptions.
     */
    public static RedisRoomBus create(SharedRedis redis) {
        return create(redis, DEFAULT_PREFIX, DEFAULT_MAX_IN_FLIGHT);
    }

    /**
     * A bus on {@code redis} with a channel prefix (e.g. per game or per environment) and a bound of
     * publications waiting for Redis, in [1, 1000000].
     */
    public static RedisRoomBus create(SharedRedis redis, String channelPrefix, int maxInFlight) {
        Objects.requireNonNull(redis, "redis");
        Objects.requireNonNull(channelPrefix, "channelPrefix");
        Checks.inRange("redis room bus", "maxInFlight", maxInFlight, 1, 1_000_000);
        return new RedisRoomBus(redis, null, channelPrefix, maxInFlight);
    }

    /**
     * Connects a bus through {@code client} (a {@link SharedRedis#of(RedisClient)} of the bus's own: one
     * connection to publish, one to subscribe), with the default prefix and in-flight bound. The client stays
     * the caller's: closing the bus closes only its connections.
     *
     * @deprecated since 0.2: the bus opens connections of its own that nothing else shares. Wrap the client
     *     once ({@link SharedRedis#of(RedisClient)}) or build a {@link SharedRedis} from the URI, and use
     *     {@link #create(SharedRedis)}.
     */
    @Deprecated(since = "0.2")
    public static RedisRoomBus create(RedisClient client) {
        return create(client, DEFAULT_PREFIX, DEFAULT_MAX_IN_FLIGHT);
    }

    /**
     * Connects a bus through {@code client} with a channel prefix and a bound of publications waiting for
     * Redis, in [1, 1000000]; see {@link #create(RedisClient)}.
     *
     * @deprecated since 0.2: use {@link #create(SharedRedis, String, int)} on a {@link SharedRedis}.
     */
    @Deprecated(since = "0.2")
    public static RedisRoomBus create(RedisClient client, String channelPrefix, int maxInFlight) {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(channelPrefix, "channelPrefix");
        Checks.inRange("redis room bus", "maxInFlight", maxInFlight, 1, 1_000_000);
        SharedRedis own = SharedRedis.of(client);
        return new RedisRoomBus(own, own, channelPrefix, maxInFlight);
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
        byte[] message = new byte[12 + origin.length + len];
        message[0] = VERSION;
        message[1] = (byte) (binary ? 1 : 0);
        message[2] = (byte) (origin.length >>> 8);
        message[3] = (byte) origin.length;
        System.arraycopy(origin, 0, message, 4, origin.length);
        payload.getBytes(payload.readerIndex(), message, 12 + origin.length, len);
        CompletableFuture<Long> sent;
        // The sequence is taken and the publication dispatched together per room, so they leave in order.
        ConcurrentHashMap<String, AtomicLong> byOrigin = publishSeq.get(roomId);
        if (byOrigin == null) {
            if (publishSeq.size() >= MAX_PUBLISHED_ROOMS) {
                publishSeq.clear();
            }
            byOrigin = publishSeq.computeIfAbsent(roomId, k -> new ConcurrentHashMap<>());
        }
        AtomicLong seq = byOrigin.computeIfAbsent(originInstance, k -> new AtomicLong());
        synchronized (seq) {
            long n = seq.incrementAndGet();
            for (int i = 0; i < 8; i++) {
                message[4 + origin.length + i] = (byte) (n >>> (56 - 8 * i));
            }
            sent = redis.publish(prefix + roomId, message);
        }
        sent.whenComplete((n, e) -> {
            inFlight.decrementAndGet();
            if (e != null) {
                failed.increment();
                LOG.debug("redis room bus: publish to a room failed", e);
            } else {
                published.increment();
            }
        });
    }

    private void onMessage(String roomId, Members members, byte[] message) {
        if (closed || message.length < 4 || (message[0] != VERSION && message[0] != VERSION_1)) {
            return;
        }
        received.increment();
        long gap = 0;
        boolean binary = (message[1] & 1) != 0;
        int originLength = ((message[2] & 0xff) << 8) | (message[3] & 0xff);
        int header = 4 + originLength + (message[0] == VERSION ? 8 : 0);
        if (header > message.length) {
            return;
        }
        String origin = new String(message, 4, originLength, StandardCharsets.UTF_8);
        if (message[0] == VERSION) {
            long seq = 0;
            for (int i = 0; i < 8; i++) {
                seq = (seq << 8) | (message[4 + originLength + i] & 0xff);
            }
            Long last = members.lastSeq.put(origin, seq);
            if (last != null && seq > last + 1) {
                gap = seq - last - 1;
                missed.add(gap);
            }
        }
        ByteBuf payload = Unpooled.wrappedBuffer(message, header, message.length - header);
        try {
            for (Subscriber s : members.subscribers) {
                try {
                    s.onBroadcast(roomId, origin, binary, payload.duplicate());
                } catch (RuntimeException e) {
                    LOG.debug("redis room bus: a subscriber failed", e);
                }
            }
        } finally {
            payload.release();
        }
        if (gap > 0) {
            notifyMissed(roomId, members, gap);
        }
    }

    private void notifyMissed(String roomId, Members members, long count) {
        for (Subscriber s : members.subscribers) {
            try {
                s.onMissed(roomId, count);
            } catch (RuntimeException e) {
                LOG.debug("redis room bus: a subscriber failed", e);
            }
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
        Members members;
        try {
            members = rooms.compute(roomId, (k, current) -> {
                Members m = current;
                if (m == null) {
                    m = new Members();
                    m.subscription = redis.subscribe(prefix + roomId, new RoomListener(roomId, m));
                }
                m.subscribers.add(subscriber);
                return m;
            });
        } catch (RuntimeException e) {
            return CompletableFuture.failedStage(new WsException(
                    "redis room bus: cannot subscribe to room channel " + prefix + roomId + ": " + e, e));
        }
        SharedRedis.Subscription sub = Objects.requireNonNull(members.subscription);
        return sub.confirmed().handle((v, e) -> {
            if (e != null) {
                throw new WsException(
                        "redis room bus: cannot subscribe to room channel " + prefix + roomId + ": " + e, e);
            }
            return null;
        });
    }

    @Override
    public void unsubscribe(String roomId, Subscriber subscriber) {
        rooms.computeIfPresent(roomId, (k, m) -> {
            m.subscribers.remove(subscriber);
            if (!m.subscribers.isEmpty()) {
                return m;
            }
            SharedRedis.Subscription sub = m.subscription;
            if (sub != null && !closed) {
                sub.close();
            }
            publishSeq.remove(roomId);
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

    /** Publications that failed (Redis unreachable, timeout, a shard failing over). */
    public long failed() {
        return failed.sum();
    }

    /**
     * Broadcasts of other buses that this bus never received, counted from gaps in their per-room
     * sequence numbers (seen when the next broadcast of the same origin to the same room arrives).
     */
    public long missed() {
        return missed.sum();
    }

    /** How many times a room channel's subscription was lost (a disconnect, a shard failing over). */
    public long subscriptionsLost() {
        return subscriptionsLost.sum();
    }

    /**
     * Closes the bus's subscriptions (and the {@code SharedRedis} it made itself for a {@link RedisClient}).
     * Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Members m : rooms.values()) {
            SharedRedis.Subscription sub = m.subscription;
            if (sub != null) {
                sub.close();
            }
        }
        rooms.clear();
        SharedRedis own = ownedRedis;
        if (own != null) {
            own.close();
        }
    }

    /** The local subscribers of one room, its channel subscription and the last sequence per origin. */
    private static final class Members {
        final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
        final ConcurrentHashMap<String, Long> lastSeq = new ConcurrentHashMap<>();
        SharedRedis.@Nullable Subscription subscription; // set inside the compute that creates it
    }

    /** Receives one room channel's messages. Thread safety: one I/O thread at a time per channel. */
    private final class RoomListener implements SharedRedis.MessageListener {
        private final String roomId;
        private final Members members;

        RoomListener(String roomId, Members members) {
            this.roomId = roomId;
            this.members = members;
        }

        @Override
        public void onMessage(String channel, byte[] message) {
            RedisRoomBus.this.onMessage(roomId, members, message);
        }

        @Override
        public void onSubscriptionLost(String channel) {
            subscriptionsLost.increment();
        }

        @Override
        public void onResubscribed(String channel) {
            if (!closed) {
                notifyMissed(roomId, members, UNKNOWN_MISSED);
            }
        }
    }
}

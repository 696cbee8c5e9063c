package io.hal9.redis;

import io.hal9.core.internal.BuilderOptions;
import io.hal9.core.internal.Checks;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.event.ClusterTopologyChangedEvent;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;

/**
 * The one way to give Redis to HAL9: a Lettuce client, its threads ({@link ClientResources}) and one
 * connection per role, built once and handed to every {@code RedisCache}, {@code NearCache} and
 * {@code RedisRoomBus} of the process, which then share them instead of each starting its own.
 *
 * <pre>{@code
 * try (SharedRedis redis = SharedRedis.create("redis-cluster://10.0.0.1:7000,10.0.0.2:7000")) {
 *     // hand it to every Redis user of the process: .redis(redis) on the RedisCache and NearCache
 *     // builders, RedisRoomBus.create(redis); and close them before it
 *     SharedRedis.Subscription moves = redis.subscribe("moves:instance-1", (channel, message) -> apply(message));
 *     redis.publish("moves:instance-2", encodedMove); // its pub/sub serves the host's own messages too
 *     moves.close();
 * }
 * }</pre>
 *
 * <p><b>Endpoints.</b> The same forms everywhere: {@code redis://host:port[/db]}, {@code rediss://...}
 * (TLS), {@code redis-sentinel://host:26379[,host:26380]/db#master} (Sentinel: the master is looked up
 * and followed across failovers by Lettuce), {@code redis-cluster://host:port,host:port} (or
 * {@code rediss-cluster://}; each host a seed) and a list of seed URIs ({@link Builder#seeds}) for a
 * cluster. Or hand in a {@link RedisClient} / {@link RedisClusterClient} of your own ({@link #of}); or
 * only your {@link ClientResources} ({@link Builder#resources}).
 *
 * <p><b>Connections.</b> One data connection (string keys, byte-array values; commands are pipelined
 * on it by every user at once; on a cluster Lettuce keeps one connection per node behind it), opened
 * at {@link Builder#build()}, and one pub/sub connection, opened on the first {@link #subscribe}. So
 * eight caches and a room bus on one {@code SharedRedis} use two connections (per cluster node) and
 * Lettuce's one set of threads, instead of eight clients with their own.
 *
 * <p><b>Pub/sub.</b> {@link #publish} and {@link #subscribe} use classic {@code PUBLISH}/{@code
 * SUBSCRIBE} on a standalone or Sentinel setup and sharded {@code SPUBLISH}/{@code SSUBSCRIBE}
 * (Redis 7) on a cluster: a message goes only to the shard that owns the channel's slot, instead of
 * being broadcast over the whole cluster bus. Delivery is at most once. When the connection that
 * carries a subscription is lost, its listeners hear {@link MessageListener#onSubscriptionLost}; when
 * it is confirmed again (after a reconnect, or on a cluster after the channel's shard failed over to
 * a replica and the topology was refreshed), {@link MessageListener#onResubscribed}. Messages published
 * in between are lost: the users count them through sequence numbers of their own.
 *
 * <p><b>Cluster.</b> A client built here refreshes its view of the cluster every {@code
 * topologyRefreshPeriod} (default 5 s) and at once (at most once per {@code adaptiveRefreshTimeout},
 * default 1 s) on a {@code MOVED}/{@code ASK} redirect, an unknown node, an uncovered slot or a node
 * that does not reconnect after 3 attempts, so a master failover is followed within about a second of
 * the replica's promotion. Reconnection backs off from 10 ms to at most 1 s. While a master is down,
 * commands for its slots fail at once (they are not queued); the other masters keep serving their
 * slots if the cluster runs with {@code cluster-require-full-coverage no} (with {@code yes}, Redis
 * itself refuses every command between the node being marked failed and the promotion). {@link
 * #shardOf(String)} names the master that owns a key now, so a user can keep one circuit breaker per
 * shard. A client you hand in keeps the options you gave it.
 *
 * <p><b>When Redis is down.</b> {@link Builder#build()} fails with a {@link SharedRedisException}
 * naming the endpoint and leaves nothing running. After that, commands fail fast while a connection is
 * down (the users count and degrade: a cache answers misses, the bus counts failed publications) and
 * Lettuce reconnects on its own.
 *
 * <p><b>Ownership.</b> {@link #close()} closes the connections this object opened and, only when it
 * created them, the client and the resources; a client or resources handed in stay open. Close the
 * components that use it first: afterwards their commands fail.
 *
 * <p>Thread safety: all methods may be called from any thread. The builder is not thread-safe.
 */
public final class SharedRedis implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SharedRedis.class);

    /** The codec of the shared connections: UTF-8 string keys and channels, byte-array values. */
    public static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

    /** Commands a connection built here holds unanswered; beyond that Lettuce fails new ones at once. */
    public static final int REQUEST_QUEUE_SIZE = 65_536;

    /** The shard name {@link #shardOf} gives on a standalone or Sentinel setup (one shard). */
    public static final String SINGLE_SHARD = "single";

    private final String endpoint;
    private final AbstractRedisClient client;
    private final boolean ownsClient;
    private final @Nullable ClientResources ownedResources;
    private final StatefulConnection<String, byte[]> data;
    private final RedisClusterAsyncCommands<String, byte[]> commands;
    private final @Nullable StatefulRedisClusterConnection<String, byte[]> clusterData;
    private final @Nullable StatefulRedisConnection<String, byte[]> standaloneData;
    private final ReentrantLock pubSubLock = new ReentrantLock();
    private @Nullable PubSubHub pubSub; // guarded by pubSubLock
    private final AtomicBoolean closed = new AtomicBoolean();
    private final @Nullable Disposable topologyEvents;

    SharedRedis(
            String endpoint,
            AbstractRedisClient client,
            boolean ownsClient,
            @Nullable ClientResources ownedResources,
            StatefulConnection<String, byte[]> data) {
        this.endpoint = endpoint;
        this.client = client;
        this.ownsClient = ownsClient;
        this.ownedResources = ownedResources;
        this.data = data;
        if (data instanceof StatefulRedisClusterConnection<String, byte[]> c) {
            this.clusterData = c;
            this.standaloneData = null;
            this.commands = c.async();
        } else {
            StatefulRedisConnection<String, byte[]> s = (StatefulRedisConnection<String, byte[]>) data;
            this.clusterData = null;
            this.standaloneData = s;
            this.commands = s.async();
        }
        this.topologyEvents = clusterData == null
                ? null
                : client.getResources()
                        .eventBus()
                        .get()
                        .filter(e -> e instanceof ClusterTopologyChangedEvent)
                        .subscribe(e -> topologyChanged());
    }

    /**
     * Opens the data connections to every master that has none yet. Lettuce opens a node's connection
     * on the first command for it and, with commands rejected while disconnected, fails the commands
     * that arrive while it is being opened: warming up after start and after each topology change
     * (a failover promotes a replica nobody is connected to) keeps those few commands from failing.
     */
    CompletableFuture<Void> warmUp() {
        StatefulRedisClusterConnection<String, byte[]> c = clusterData;
        if (c == null) {
            return CompletableFuture.completedFuture(null);
        }
        List<CompletableFuture<?>> opening = new ArrayList<>();
        for (RedisClusterNode n : c.getPartitions()) {
            if (n.is(RedisClusterNode.NodeFlag.UPSTREAM) && !n.getSlots().isEmpty()) {
                RedisURI u = n.getUri();
                opening.add(c.getConnectionAsync(u.getHost(), u.getPort()).exceptionally(e -> null));
            }
        }
        return CompletableFuture.allOf(opening.toArray(CompletableFuture[]::new));
    }

    private void topologyChanged() {
        if (closed.get()) {
            return;
        }
        LOG.info("shared redis {}: cluster topology changed; masters now {}", endpoint, shards());
        warmUp();
        PubSubHub h = currentHub();
        if (h != null) {
            h.followTopology();
        }
    }

    /** A shared setup for {@code uri} (any of the forms above) with the default options. */
    public static SharedRedis create(String uri) {
        return builder().uri(uri).build();
    }

    /**
     * A shared setup on a client the caller owns: this object opens (and closes) its own connections
     * through it, never the client. The client's options are used as they are.
     *
     * @throws SharedRedisException if the data connection cannot be opened
     */
    public static SharedRedis of(RedisClient client) {
        Objects.requireNonNull(client, "client");
        return SharedRedisBootstrap.connect("a RedisClient handed in", client, false, null);
    }

    /** A shared setup on a cluster client the caller owns; see {@link #of(RedisClient)}. */
    public static SharedRedis of(RedisClusterClient client) {
        Objects.requireNonNull(client, "client");
        return SharedRedisBootstrap.connect("a RedisClusterClient handed in", client, false, null);
    }

    /** A builder with the default options. */
    public static Builder builder() {
        return new Builder();
    }

    /** Whether this is a Redis Cluster (sharded pub/sub, per-shard routing). */
    public boolean isCluster() {
        return clusterData != null;
    }

    /** The endpoint, with any password removed, for messages and logs. */
    public String endpoint() {
        return endpoint;
    }

    /** The shared data connection (codec {@link #CODEC}); never close it: {@link #close()} does. */
    public StatefulConnection<String, byte[]> connection() {
        return data;
    }

    /** The shared data connection's asynchronous commands (the cluster-capable subset). */
    public RedisClusterAsyncCommands<String, byte[]> commands() {
        return commands;
    }

    /** The data connection on a standalone or Sentinel setup (for batch dispatch), or {@code null}. */
    public @Nullable StatefulRedisConnection<String, byte[]> standaloneConnection() {
        return standaloneData;
    }

    /**
     * The shard that owns {@code key} now: on a cluster the {@code host:port} of the master serving its
     * slot ({@code "unassigned"} while no master does), else {@link #SINGLE_SHARD}. Cheap (a CRC16 and
     * an array read); changes when the topology is refreshed after a failover.
     */
    public String shardOf(String key) {
        StatefulRedisClusterConnection<String, byte[]> c = clusterData;
        return c == null ? SINGLE_SHARD : shardOf(c, key);
    }

    /** The shards known now: {@link #SINGLE_SHARD}, or the {@code host:port} of each cluster master. */
    public List<String> shards() {
        StatefulRedisClusterConnection<String, byte[]> c = clusterData;
        return c == null ? List.of(SINGLE_SHARD) : shards(c);
    }

    /**
     * Publishes {@code message} on {@code channel} ({@code SPUBLISH} on a cluster, else {@code PUBLISH})
     * without waiting. The future answers how many subscribers Redis delivered to, or fails when Redis
     * is unreachable; it completes on a Lettuce thread. Publications of one caller to one channel leave
     * in the order they were made.
     */
    public CompletableFuture<Long> publish(String channel, byte[] message) {
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(message, "message");
        try {
            StatefulRedisClusterConnection<String, byte[]> c = clusterData;
            if (c != null) {
                return c.async().spublish(channel, message).toCompletableFuture();
            }
            return Objects.requireNonNull(standaloneData)
                    .async()
                    .publish(channel, message)
                    .toCompletableFuture();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Subscribes {@code listener} to {@code channel} on the shared pub/sub connection (opened on first
     * use). The first listener of a channel sends {@code SUBSCRIBE} ({@code SSUBSCRIBE} on a cluster);
     * later ones share that subscription. {@link Subscription#confirmed()} completes when Redis has
     * confirmed it, or fails if the first attempt did; a subscription that failed or was lost is tried
     * again in the background until it is confirmed or closed.
     *
     * @throws SharedRedisException if the pub/sub connection cannot be opened
     * @throws IllegalStateException if this setup is closed
     */
    public Subscription subscribe(String channel, MessageListener listener) {
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(listener, "listener");
        return hub().subscribe(channel, listener);
    }

    /**
     * Tells {@code listener} about the client's connections going down and coming back (Lettuce calls it
     * on an I/O thread, for every connection of the client: on a cluster one per node). Remove it with
     * {@link #removeConnectionListener} when its owner closes.
     */
    public void addConnectionListener(RedisConnectionStateListener listener) {
        client.addListener(Objects.requireNonNull(listener, "listener"));
    }

    /** Removes a listener added with {@link #addConnectionListener}. */
    public void removeConnectionListener(RedisConnectionStateListener listener) {
        client.removeListener(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * The shard of {@code key} on a cluster connection: the {@code host:port} of the master serving its
     * slot, or {@code "unassigned"}. For connections not made by a {@code SharedRedis}.
     */
    public static String shardOf(StatefulRedisClusterConnection<?, ?> connection, String key) {
        RedisClusterNode master = connection.getPartitions().getMasterBySlot(SlotHash.getSlot(key));
        if (master == null || master.getUri() == null) {
            return "unassigned";
        }
        return master.getUri().getHost() + ":" + master.getUri().getPort();
    }

    /** The masters with slots of a cluster connection, as {@code host:port}. */
    public static List<String> shards(StatefulRedisClusterConnection<?, ?> connection) {
        List<String> out = new ArrayList<>();
        for (RedisClusterNode n : connection.getPartitions()) {
            if (n.is(RedisClusterNode.NodeFlag.UPSTREAM) && !n.getSlots().isEmpty() && n.getUri() != null) {
                out.add(n.getUri().getHost() + ":" + n.getUri().getPort());
            }
        }
        return out;
    }

    /** Channels subscribed now on the shared pub/sub connection (0 before the first subscription). */
    public int subscribedChannels() {
        PubSubHub h = currentHub();
        return h == null ? 0 : h.channelCount();
    }

    /** Channels whose subscription is lost or not yet confirmed. */
    public int channelsDown() {
        PubSubHub h = currentHub();
        return h == null ? 0 : h.downCount();
    }

    /**
     * Closes the pub/sub and data connections, then the client and resources if this object created
     * them. Idempotent. Subscriptions still open are dropped without their listeners being called.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        Disposable d = topologyEvents;
        if (d != null) {
            d.dispose();
        }
        PubSubHub h = currentHub();
        try {
            if (h != null) {
                h.close();
            }
            data.close();
        } catch (RuntimeException e) {
            LOG.warn("shared redis {}: error while closing connections", endpoint, e);
        } finally {
            if (ownsClient) {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
            ClientResources r = ownedResources;
            if (r != null) {
                r.shutdown(0, 2, TimeUnit.SECONDS);
            }
        }
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed.get();
    }

    @Override
    public String toString() {
        return "SharedRedis[" + endpoint + (isCluster() ? ", cluster" : "") + (closed.get() ? ", closed]" : "]");
    }

    private @Nullable PubSubHub currentHub() {
        pubSubLock.lock();
        try {
            return pubSub;
        } finally {
            pubSubLock.unlock();
        }
    }

    private PubSubHub hub() {
        pubSubLock.lock();
        try {
            if (closed.get()) {
                throw new IllegalStateException("shared redis " + endpoint + " is closed");
            }
            PubSubHub h = pubSub;
            if (h == null) {
                try {
                    h = PubSubHub.open(endpoint, client);
                } catch (RuntimeException e) {
                    throw new SharedRedisException(
                            "shared redis: cannot open the pub/sub connection to " + endpoint + ": " + e.getMessage(),
                            e);
                }
                pubSub = h;
            }
            return h;
        } finally {
            pubSubLock.unlock();
        }
    }

    /**
     * Receives the messages of a channel and the state of its subscription. Called on a Lettuce I/O
     * thread, one message at a time per connection: do not block.
     */
    public interface MessageListener {
        /** A message published on {@code channel}; the array is the listener's to keep. */
        void onMessage(String channel, byte[] message);

        /** The connection carrying {@code channel}'s subscription was lost: messages may be missed. */
        default void onSubscriptionLost(String channel) {}

        /** {@code channel}'s subscription is confirmed again after it was lost or had failed. */
        default void onResubscribed(String channel) {}
    }

    /**
     * One listener's subscription to one channel. Thread safety: may be used from any thread.
     */
    public interface Subscription extends AutoCloseable {
        /** Completes when Redis has confirmed the channel's subscription (a copy: completing it changes nothing). */
        CompletableFuture<Void> confirmed();

        /** Removes the listener; the last one of a channel unsubscribes it. Idempotent. */
        @Override
        void close();
    }

    /**
     * Builds a {@link SharedRedis}. Set exactly one of {@link #uri}, {@link #seeds}; every setter
     * checks its argument at once and may be called once.
     *
     * <p>Thread safety: not thread-safe; use from one thread.
     */
    public static final class Builder {
        private static final String COMPONENT = "shared redis";
        final BuilderOptions options = new BuilderOptions(COMPONENT);
        // uri and seeds have no default: build() asks options.isSet for the one that was chosen
        @Nullable
        String uri = null;

        @Nullable
        List<String> seeds = null;

        boolean cluster = false;
        // no default object: when unset, build() creates resources of its own (and close() shuts them down)
        @Nullable
        ClientResources resources = null;

        Duration topologyRefreshPeriod = Duration.ofSeconds(5);
        Duration adaptiveRefreshTimeout = Duration.ofSeconds(1);
        Duration connectTimeout = Duration.ofSeconds(5);

        private Builder() {}

        /**
         * The endpoint: {@code redis://}, {@code rediss://}, {@code redis-sentinel://}, {@code
         * rediss-sentinel://}, {@code redis-cluster://h:p[,h:p...]} or {@code rediss-cluster://...}.
         *
         * @throws IllegalArgumentException if the URI is blank or of another scheme
         */
        public Builder uri(String uri) {
            Objects.requireNonNull(uri, "uri");
            once("uri");
            String scheme = SharedRedisBootstrap.scheme(uri);
            if (!List.of(
                            "redis",
                            "rediss",
                            "redis-sentinel",
                            "rediss-sentinel",
                            "redis-cluster",
                            "rediss-cluster",
                            "redis-socket")
                    .contains(scheme)) {
                throw new IllegalArgumentException(
                        COMPONENT + ": uri '" + SharedRedisBootstrap.redacted(uri) + "' has scheme '" + scheme
                                + "'; allowed: redis://, rediss://, redis-sentinel://, rediss-sentinel://,"
                                + " redis-cluster://, rediss-cluster://, redis-socket://");
            }
            this.uri = uri;
            return this;
        }

        /**
         * The seeds of a Redis Cluster, each {@code redis://host:port} or {@code rediss://host:port}
         * (any one reachable node is enough; the others are learnt from it).
         *
         * @throws IllegalArgumentException if the list is empty or a seed has another scheme
         */
        public Builder seeds(List<String> seeds) {
            Objects.requireNonNull(seeds, "seeds");
            once("seeds");
            if (seeds.isEmpty()) {
                throw new IllegalArgumentException(COMPONENT + ": seeds must not be empty");
            }
            for (String s : seeds) {
                String scheme = SharedRedisBootstrap.scheme(Objects.requireNonNull(s, "seed"));
                if (!scheme.equals("redis") && !scheme.equals("rediss")) {
                    throw new IllegalArgumentException(COMPONENT + ": seed '" + SharedRedisBootstrap.redacted(s)
                            + "' has scheme '" + scheme + "'; allowed: redis://host:port, rediss://host:port");
                }
            }
            this.seeds = List.copyOf(seeds);
            return this;
        }

        /** Treat a {@code redis://} or {@code rediss://} {@link #uri} as a cluster seed (default: no). */
        public Builder cluster(boolean cluster) {
            this.cluster = options.set("cluster", cluster);
            return this;
        }

        /**
         * Lettuce resources (threads, timers, reconnect delay) the caller owns and shares; never shut
         * down by {@link SharedRedis#close()}. Default: resources of its own, with reconnection backing
         * off from 10 ms to at most 1 s.
         */
        public Builder resources(ClientResources resources) {
            Objects.requireNonNull(resources, "resources");
            this.resources = options.set("resources", resources);
            return this;
        }

        /** How often a cluster's topology is refreshed without a trigger (default 5 s; [100ms, 10min]). */
        public Builder topologyRefreshPeriod(Duration period) {
            this.topologyRefreshPeriod = options.set(
                    "topologyRefreshPeriod",
                    Checks.duration(
                            COMPONENT,
                            "topologyRefreshPeriod",
                            period,
                            Duration.ofMillis(100),
                            Duration.ofMinutes(10)));
            return this;
        }

        /**
         * The least time between two refreshes triggered by redirects or reconnect failures (default 1
         * s; [10ms, 1min]).
         */
        public Builder adaptiveRefreshTimeout(Duration timeout) {
            this.adaptiveRefreshTimeout = options.set(
                    "adaptiveRefreshTimeout",
                    Checks.duration(
                            COMPONENT,
                            "adaptiveRefreshTimeout",
                            timeout,
                            Duration.ofMillis(10),
                            Duration.ofMinutes(1)));
            return this;
        }

        /** How long opening one connection may take (default 5 s; [10ms, 1min]). */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = options.set(
                    "connectTimeout",
                    Checks.duration(
                            COMPONENT, "connectTimeout", timeout, Duration.ofMillis(10), Duration.ofMinutes(1)));
            return this;
        }

        /**
         * Creates the client and opens the data connection.
         *
         * @throws IllegalStateException if neither or both of {@code uri} and {@code seeds} were set, or
         *     {@code cluster(true)} with a Sentinel URI
         * @throws IllegalArgumentException if a URI cannot be parsed (the message names it)
         * @throws SharedRedisException if Redis cannot be reached; nothing is left running
         */
        public SharedRedis build() {
            return SharedRedisBootstrap.open(this);
        }

        /** uri and seeds exclude each other: setting either after either is "already set", as before. */
        private void once(String option) {
            if (options.isSet("uri") || options.isSet("seeds")) {
                throw new IllegalStateException(COMPONENT + ": " + option + " was already set");
            }
            options.once(option);
        }
    }
}

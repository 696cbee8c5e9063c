package io.hal9.cache.redis;

import io.hal9.cache.Cache;
import io.hal9.cache.CacheLoader;
import io.hal9.cache.CacheStats;
import io.hal9.cache.KeyCodec;
import io.hal9.cache.ValueCodec;
import io.hal9.cache.codec.Codecs;
import io.hal9.cache.internal.CacheOptions;
import io.hal9.cache.internal.RedisOptions;
import io.hal9.core.Ticker;
import io.hal9.core.internal.BuilderOptions;
import io.hal9.core.internal.Checks;
import io.hal9.core.internal.OptionalDependency;
import io.hal9.redis.SharedRedis;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.RedisCodec;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Cache} stored in Redis and shared by every instance of the game server, through one
 * thread-safe Lettuce connection.
 *
 * <pre>{@code
 * SharedRedis redis = SharedRedis.create("redis://127.0.0.1:6379"); // one per process
 * RedisCache<Long, Profile> profiles = RedisCache.<Long, Profile>builder("profiles", Profile.class)
 *         .redis(redis)
 *         .defaultTtl(Duration.ofMinutes(5))
 *         .loader(id -> db.loadProfile(id))
 *         .build();
 * Profile p = profiles.get(42L); // GET hal9:profiles:42, on a miss load + SET ... PX 300000
 * }</pre>
 *
 * <p><b>Keys.</b> A key is stored as {@code <keyPrefix><name>:<keyCodec(key)>} ({@link #redisKey}); the
 * prefix defaults to {@code "hal9:"}. {@link #invalidateAll()} removes exactly the keys under {@code
 * <keyPrefix><name>:} with {@code SCAN MATCH} and {@code UNLINK} in batches.
 *
 * <p><b>Commands.</b> {@code get} = {@code GET}; {@code put} = {@code SET key value PX ttl} (TTL in
 * Redis, rounded up to whole milliseconds); {@code getAll} = one {@code MGET} (on a cluster Lettuce
 * splits it by slot and sends the parts together); {@code putAll} = one {@code SET PX} per entry, all
 * dispatched as one batch with one socket flush before any answer is awaited (pipelined; {@code MSET}
 * has no TTL; on a cluster each command goes to its slot's node); {@code invalidateAll(keys)}
 * = one {@code UNLINK}. Every command waits at most {@code commandTimeout} (default 250 ms).
 *
 * <p><b>Limits.</b> Redis bounds the cache: with {@code maxmemory-policy allkeys-lru} and no persistence
 * it may evict or lose any key at any moment; that is a miss, never an error. Every entry has a TTL
 * (default 10 minutes). A value that cannot be decoded is a miss, counted in {@link
 * Stats#corruptEntries()}, reported to the listener, logged at most once per {@code
 * errorLogInterval}, and deleted.
 *
 * <p><b>When Redis is down or slow.</b> Reads answer as misses (and {@code get} runs the loader), writes
 * are not retried but counted ({@link Stats#failedWrites()}) and reported to {@link
 * RedisCacheListener#onError}; errors are logged at most once per {@code errorLogInterval}. No exception
 * reaches the caller for an unavailable Redis. A write that timed out may still be applied by Redis
 * later (it was already sent; the cache cannot call it back); it is counted as failed all the same. A
 * caller interrupted while it waits for Redis gets a {@link io.hal9.cache.CacheException} with its
 * interrupt flag restored. A connection the cache opened holds at most 65,536 unanswered commands;
 * beyond that Lettuce fails new ones at once (counted as errors). A circuit breaker opens after {@code
 * breakerFailureThreshold} failures or timeouts in a row (default 5) and then skips Redis entirely for
 * {@code breakerOpenInterval} (default 1 s), so a dead Redis costs the game loop nothing but a counter;
 * then one probe goes through and closes it on success. A connection the cache opened itself rejects
 * commands at once while disconnected (instead of queueing them) and reconnects with a backoff capped
 * at one second.
 *
 * <p><b>Loading.</b> {@link #get(Object, java.util.function.Function)} loads a missing key once per key on
 * this instance however many callers miss it together, and writes the value back with the default TTL
 * before the waiting callers return. Loading is per instance: two instances missing the same key at
 * once each load it once.
 *
 * <p><b>Connections.</b> {@link Builder#redis} (the recommended way) shares a {@link SharedRedis} with the
 * other caches and the room bus of the process: one set of Lettuce threads and one data connection for
 * all of them; the cache never closes it. The two older ways are deprecated since 0.2: {@link Builder#uri} makes the cache build (and close) a {@code
 * SharedRedis} of its own, with the same URI forms ({@code redis://}, {@code rediss://}, {@code
 * redis-sentinel://}, {@code redis-cluster://h:p,h:p}; {@link Builder#cluster(boolean)} reads a {@code
 * redis://} URI as a cluster seed): convenient for one cache, wasteful for many. {@link Builder#connection}
 * uses a Lettuce connection the host owns (opened with {@link #redisCodec()}); the cache never closes it.
 *
 * <p><b>Cluster.</b> On a Redis Cluster the breaker is kept per shard (per master, as {@link
 * SharedRedis#shardOf} names it), not per cache: a dead master opens the breaker of its slots only, and
 * the keys of the other masters are served throughout. Multi-key commands ({@code getAll}, {@code
 * putAll}, {@code invalidateAll(keys)}) are split by shard and each part asks its shard's breaker; {@code
 * invalidateAll()}'s {@code SCAN} walks every master and asks a breaker of its own (named {@code "scan"}).
 * After a failover the promoted replica starts with a closed breaker, and the dead master's breaker is
 * dropped once the topology no longer lists it. {@link #shardBreakers()} shows them all; {@link
 * Stats#breakerState()} is the worst of them and {@link Stats#breakerOpened()} their
 * sum.
 *
 * <p><b>Dependencies.</b> hal9-redis (and through it Lettuce) is an optional dependency of hal9-cache, so
 * that {@code LocalCache} users do not get it: add {@code io.hal9:hal9-redis} to use this cache; without it
 * {@code builder} throws an {@link IllegalStateException} naming the artifact.
 *
 * <p>Thread safety: all methods may be called from any thread.
 *
 * @param <K> key type
 * @param <V> value type
 */
// "exports": SharedRedis and Lettuce's types come from optional modules (requires static), which a host that
// uses RedisCache requires itself
@SuppressWarnings("exports")
public interface RedisCache<K, V> extends Cache<K, V> {

    /**
     * A builder for a cache named {@code name} whose values are encoded with {@code valueCodec}.
     *
     * @throws IllegalArgumentException if the name is blank or longer than 128 characters
     */
    static <K, V> Builder<K, V> builder(String name, ValueCodec<V> valueCodec) {
        OptionalDependency.require(
                "RedisCache", RedisCache.class, "io.hal9.redis.SharedRedis", "io.hal9:hal9-redis", "io.hal9.redis");
        return new Builder<>(Checks.name("redis cache", name), Objects.requireNonNull(valueCodec, "valueCodec"));
    }

    /** A builder for a cache named {@code name} whose values are JSON ({@link Codecs#json(Class)}). */
    static <K, V> Builder<K, V> builder(String name, Class<V> valueType) {
        return builder(name, Codecs.json(Objects.requireNonNull(valueType, "valueType")));
    }

    /**
     * The Lettuce codec the cache's connection uses: UTF-8 string keys, byte-array values. Open a shared
     * connection with it: {@code client.connect(RedisCache.redisCodec())}.
     */
    static RedisCodec<String, byte[]> redisCodec() {
        // SharedRedis's: linking this interface must not load Lettuce (see Builder's check)
        return SharedRedis.CODEC;
    }

    /** The Redis key {@code key} is stored under: {@code <keyPrefix><name>:<encoded key>}. */
    String redisKey(K key);

    /** The prefix of every Redis key of this cache: {@code <keyPrefix><name>:}. */
    String keyspace();

    /** A snapshot of the cache's counters, with the Redis-specific ones and the breaker state. */
    Stats redisStats();

    /**
     * The circuit breaker of each shard (one, named {@link SharedRedis#SINGLE_SHARD}, off a cluster),
     * as of now, sorted by shard name.
     */
    java.util.List<ShardBreaker> shardBreakers();

    /**
     * A snapshot of a {@link RedisCache}'s counters: the common {@link CacheStats} figures plus what is
     * particular to a remote cache.
     *
     * <p>Thread safety: immutable.
     *
     * @param hits lookups that found a decodable value in Redis
     * @param misses lookups that found none (absent, evicted, expired, corrupt, or Redis unavailable)
     * @param loads loads that completed with a value or with "no value"
     * @param loadFailures loads that threw
     * @param totalLoadNanos time spent in loads, successful or not
     * @param puts entries written to Redis by {@code put}/{@code putAll} (load write-backs not included)
     * @param invalidations keys removed explicitly (for {@code invalidateAll()}: keys Redis reported removed)
     * @param errors commands that failed (error reply, connection down), timeouts excluded
     * @param timeouts commands that got no answer within the command timeout
     * @param corruptEntries values found in Redis that the codec could not decode
     * @param failedWrites entries whose write or removal failed, timed out or was skipped by the open breaker
     * @param skippedByBreaker commands not sent because the breaker was open
     * @param breakerState the breaker's state at the time of the snapshot
     * @param breakerOpened how many times the breaker has opened
     */
    record Stats(
            long hits,
            long misses,
            long loads,
            long loadFailures,
            long totalLoadNanos,
            long puts,
            long invalidations,
            long errors,
            long timeouts,
            long corruptEntries,
            long failedWrites,
            long skippedByBreaker,
            BreakerState breakerState,
            long breakerOpened) {

        /** The common figures; Redis evicts on its own, so evictions are 0 and size is -1 (unknown). */
        public CacheStats toCacheStats() {
            return new CacheStats(hits, misses, loads, loadFailures, totalLoadNanos, 0, puts, invalidations, -1);
        }
    }

    /**
     * Builds a {@link RedisCache}. Every setter checks its argument at once and may be called once.
     *
     * <p>Thread safety: not thread-safe; use from one thread.
     *
     * @param <K> key type
     * @param <V> value type
     */
    final class Builder<K, V> {
        final String name;
        final String component;
        final ValueCodec<V> valueCodec;
        final BuilderOptions options;
        /** The loader, ticker and executor (executor default {@link ForkJoinPool#commonPool()}). */
        final CacheOptions<K, V> common;
        /** Where Redis is, the key prefix and codec, the default TTL (10 min), the command timeout (250 ms). */
        final RedisOptions<K> redisOptions;

        /** Whether {@code uri} names a cluster; default: only a {@code redis-cluster://} URI does. */
        boolean cluster;

        /** A connection the host owns; default none. */
        @Nullable
        StatefulRedisConnection<String, byte[]> connection;

        /** A cluster connection the host owns; default none. */
        @Nullable
        StatefulRedisClusterConnection<String, byte[]> clusterConnection;

        /** Failures or timeouts in a row that open a breaker; default 5; [1, 10000]. */
        int breakerFailureThreshold = 5;

        /** How long an open breaker skips Redis; default 1 s; [1ms, 10min]. */
        Duration breakerOpenInterval = Duration.ofSeconds(1);

        /** Keys per SCAN of invalidateAll(); default 500; [1, 100000]. */
        int scanBatchSize = 500;

        /** At most one error (and one corrupt-entry) log line per interval; default 10 s; [0, 1h]. */
        Duration errorLogInterval = Duration.ofSeconds(10);

        /** Default: a listener that ignores every event. */
        RedisCacheListener listener = new RedisCacheListener() {};

        Builder(String name, ValueCodec<V> valueCodec) {
            this.name = name;
            this.component = "redis cache '" + name + "'";
            this.valueCodec = valueCodec;
            this.options = new BuilderOptions(component);
            this.common = new CacheOptions<>(options, ForkJoinPool.commonPool());
            this.redisOptions = new RedisOptions<>(options);
        }

        /**
         * The shared Redis setup the cache uses (recommended): its data connection and threads are shared
         * with every other user of it; the cache never closes it. Exclusive with {@link #uri} and {@link
         * #connection}.
         */
        public Builder<K, V> redis(SharedRedis redis) {
            redisOptions.redis(redis);
            return this;
        }

        /**
         * The Redis server to connect to: the cache builds a {@link SharedRedis} of its own and closes it
         * in {@link RedisCache#close()}. Exclusive with {@link #redis} and {@link #connection}. Prefer
         * {@link #redis} as soon as a process has more than one Redis user.
         *
         * @param uri e.g. {@code redis://host:6379/0}, {@code redis-sentinel://host:26379/0#mymaster},
         *     {@code redis-cluster://host:7000}
         * @deprecated since 0.2: every cache built from a URI starts its own Lettuce threads and
         *     connections. Build one {@link SharedRedis} ({@code SharedRedis.create(uri)}) for the process
         *     and pass it to {@link #redis(SharedRedis)}.
         */
        @Deprecated(since = "0.2")
        public Builder<K, V> uri(String uri) {
            redisOptions.uri(uri);
            return this;
        }

        /**
         * Whether {@link #uri} names a Redis Cluster (default: only if it starts with {@code redis-cluster://}).
         *
         * @deprecated since 0.2, with {@link #uri}: use {@link SharedRedis.Builder#cluster(boolean)} and
         *     {@link #redis(SharedRedis)}.
         */
        @Deprecated(since = "0.2")
        public Builder<K, V> cluster(boolean cluster) {
            this.cluster = options.set("cluster", cluster);
            return this;
        }

        /**
         * A connection the host owns and shares (opened with {@link RedisCache#redisCodec()}); the cache
         * never closes it. Exclusive with {@link #uri}.
         *
         * @deprecated since 0.2: the near cache and the room bus cannot share a bare connection. Wrap the
         *     client in a {@link SharedRedis} ({@link SharedRedis#of(io.lettuce.core.RedisClient)}) and pass
         *     it to {@link #redis(SharedRedis)}.
         */
        @Deprecated(since = "0.2")
        public Builder<K, V> connection(StatefulRedisConnection<String, byte[]> connection) {
            Objects.requireNonNull(connection, "connection");
            this.connection = options.set("connection", connection);
            return this;
        }

        /**
         * A cluster connection the host owns and shares; the cache never closes it.
         *
         * @deprecated since 0.2: wrap the client in a {@link SharedRedis} ({@link
         *     SharedRedis#of(io.lettuce.core.cluster.RedisClusterClient)}) and pass it to {@link
         *     #redis(SharedRedis)}.
         */
        @Deprecated(since = "0.2")
        public Builder<K, V> connection(StatefulRedisClusterConnection<String, byte[]> connection) {
            Objects.requireNonNull(connection, "connection");
            this.clusterConnection = options.set("connection", connection);
            return this;
        }

        /** The prefix before {@code <name>:} in every key (default {@code "hal9:"}; may be empty). */
        public Builder<K, V> keyPrefix(String keyPrefix) {
            redisOptions.keyPrefix(keyPrefix);
            return this;
        }

        /** How keys become strings (default {@link KeyCodec#ofToString()}). */
        public Builder<K, V> keyCodec(KeyCodec<? super K> keyCodec) {
            redisOptions.keyCodec(keyCodec);
            return this;
        }

        /** The time to live of entries put without one, and of loaded values (default 10 min; [1ms, 365d]). */
        public Builder<K, V> defaultTtl(Duration ttl) {
            redisOptions.defaultTtl(ttl);
            return this;
        }

        /** How long one command may wait for Redis (default 250 ms; [1ms, 60s]). */
        public Builder<K, V> commandTimeout(Duration timeout) {
            redisOptions.commandTimeout(timeout);
            return this;
        }

        /** Failures or timeouts in a row that open the breaker (default 5; [1, 10000]). */
        public Builder<K, V> breakerFailureThreshold(int failures) {
            this.breakerFailureThreshold = options.set(
                    "breakerFailureThreshold",
                    Checks.inRange(component, "breakerFailureThreshold", failures, 1, 10_000));
            return this;
        }

        /** How long an open breaker skips Redis before one probe (default 1 s; [1ms, 10min]). */
        public Builder<K, V> breakerOpenInterval(Duration interval) {
            this.breakerOpenInterval = options.set(
                    "breakerOpenInterval",
                    Checks.duration(
                            component, "breakerOpenInterval", interval, Duration.ofMillis(1), Duration.ofMinutes(10)));
            return this;
        }

        /** Keys asked per {@code SCAN} (and removed per {@code UNLINK}) by {@code invalidateAll()} (default 500). */
        public Builder<K, V> scanBatchSize(int keys) {
            this.scanBatchSize =
                    options.set("scanBatchSize", Checks.inRange(component, "scanBatchSize", keys, 1, 100_000));
            return this;
        }

        /** At most one error (and one corrupt-entry) log line per interval (default 10 s; [0, 1h]). */
        public Builder<K, V> errorLogInterval(Duration interval) {
            this.errorLogInterval = options.set(
                    "errorLogInterval",
                    Checks.duration(component, "errorLogInterval", interval, Duration.ZERO, Duration.ofHours(1)));
            return this;
        }

        /** The loader behind {@link Cache#get(Object)} and {@link Cache#getAll} (default: none). */
        public Builder<K, V> loader(CacheLoader<K, V> loader) {
            common.loader(loader);
            return this;
        }

        /** Receives errors, corrupt entries and breaker changes (default: none). */
        public Builder<K, V> listener(RedisCacheListener listener) {
            Objects.requireNonNull(listener, "listener");
            this.listener = options.set("listener", listener);
            return this;
        }

        /** The time source of the breaker, log limiter and load timing (default {@link Ticker#system()}). */
        public Builder<K, V> ticker(Ticker ticker) {
            common.ticker(ticker);
            return this;
        }

        /**
         * Where the asynchronous view runs the configured {@link CacheLoader} and bulk operations (default
         * {@link ForkJoinPool#commonPool()}).
         */
        public Builder<K, V> executor(Executor executor) {
            common.executor(executor);
            return this;
        }

        /**
         * Builds the cache and, for {@link #uri}, connects.
         *
         * @throws IllegalStateException if not exactly one of {@code redis}, {@code uri} and {@code
         *     connection} was set, or {@code cluster} was set without a {@code uri}
         * @throws io.hal9.cache.CacheException if the connection cannot be opened
         */
        public RedisCache<K, V> build() {
            boolean uri = options.isSet("uri");
            int sources = (uri ? 1 : 0) + (options.isSet("connection") ? 1 : 0) + (options.isSet("redis") ? 1 : 0);
            if (sources == 0) {
                throw new IllegalStateException(component + ": set one of redis, uri or connection");
            }
            if (sources > 1) {
                throw new IllegalStateException(component + ": set only one of redis, uri or connection");
            }
            if (options.isSet("cluster") && !uri) {
                throw new IllegalStateException(component + ": cluster applies to uri only; a shared connection"
                        + " says itself whether it is a cluster connection");
            }
            return RedisCacheImpl.create(this);
        }
    }
}

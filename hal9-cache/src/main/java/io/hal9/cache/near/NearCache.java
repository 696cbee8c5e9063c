package io.hal9.cache.near;

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
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * A two-level {@link Cache}: a bounded Caffeine cache on this instance (L1) in front of a {@link
 * io.hal9.cache.redis.RedisCache} shared by every instance (L2). Writes and invalidations made on one
 * instance remove the key from every other instance's L1 through a Redis pub/sub message.
 *
 * <pre>{@code
 * SharedRedis redis = SharedRedis.create("redis://127.0.0.1:6379"); // one per process
 * NearCache<Long, Profile> profiles = NearCache.<Long, Profile>builder("profiles", Profile.class)
 *         .redis(redis)
 *         .l1Ttl(Duration.ofSeconds(10))
 *         .loader(id -> db.loadProfile(id))
 *         .build();
 * }</pre>
 *
 * <p><b>Reads.</b> L1 hit: the value, no I/O. L1 miss: Redis {@code GET}; a value found there fills L1.
 * Redis miss: the loader runs once per key on this instance however many callers miss together (the
 * others wait for it), its value is written to Redis with the default TTL and to L1.
 *
 * <p><b>Writes.</b> {@code put}/{@code invalidate}/{@code invalidateAll} write Redis first, then this
 * instance's L1, then publish one message on the channel {@code <keyPrefix><name>:~near} (fire and
 * forget: a write does not wait for the publish). Each message carries the sender's instance id (a
 * receiver ignores its own), a per-sender sequence number and the key (or "all"). Bulk writes ({@code
 * putAll}, {@code invalidateAll(keys)}) publish their keys in as few messages as fit 32 KiB each, not one
 * message per key. A receiver that gets a message it cannot read (malformed, or a kind a newer version
 * sends) clears its L1, because it cannot know which keys were meant. Load write-backs are not published
 * (nobody else can hold a different value for a key Redis did not have).
 *
 * <p><b>Why pub/sub and not RESP3 client-side caching.</b> Plain {@code PUBLISH}/{@code SUBSCRIBE} works
 * the same on a standalone server and behind Sentinel, needs no per-connection tracking state on the
 * server, and lets the messages carry sequence numbers so lost ones are detected. Lettuce's own
 * client-side caching works against a single node only and is being deprecated; tracking invalidations
 * are also lost silently while a connection is down. On a Redis Cluster the messages use sharded
 * pub/sub ({@code SPUBLISH}/{@code SSUBSCRIBE}): they go only to the shard that owns the channel's slot.
 * When that shard's master fails over, the subscription is lost (L1 stops being filled) and taken up
 * again on the promoted replica once the topology is refreshed (about a second after the promotion),
 * and then L1 is cleared: what was published in between was missed.
 *
 * <p><b>Staleness bound (the guarantee).</b> After a write of key {@code k} on instance A completes, an
 * instance B may serve the previous value of {@code k} from its L1:
 * <ul>
 *   <li>while B's subscription is up and the message is delivered: until the message arrives (pub/sub
 *       latency, normally well under a millisecond on a LAN; the tests allow 1 s);
 *   <li>in every case, also when the message is lost (Redis down, A could not publish, B disconnected):
 *       at most {@code l1Ttl} (default 30 s) after B filled that L1 entry, because every L1 entry expires
 *       {@code l1Ttl} after it was written, whatever happens to the connections. The entry was filled
 *       before A's write, so the old value is gone at most {@code l1Ttl} after the write.
 * </ul>
 * Earlier than {@code l1Ttl}, a lost message is also healed by: a sequence gap on the next message from
 * A (B clears its L1, counted in {@link Stats#invalidationsMissed()}); B's subscription being
 * re-established or B's data connection reconnecting (B clears its L1 before filling it again). While
 * B's subscription is down B does not fill its L1 (reads go to Redis, then the loader), so nothing
 * filled blind outlives the outage: existing entries are served until their {@code l1Ttl} runs out (this
 * is the "Redis down, serve L1" fallback) and the whole L1 is cleared when the subscription is back.
 * Choose {@code l1Ttl} as the longest staleness the data tolerates when messages are lost.
 *
 * <p><b>Concurrency of fills.</b> A value read from Redis just before an invalidation arrives must not be
 * put into L1 after it: fills (and the write-through of a local {@code put}) are guarded by striped
 * invalidation epochs; a fill that raced with an invalidation of its stripe (or a clear) is removed
 * again. That costs a miss, never a stale entry. Two {@code put}s of the same key racing on one instance
 * may leave that instance's L1 with the value whose Redis write was not the last; that too is bounded
 * by {@code l1Ttl} (the other instances are invalidated and read Redis).
 *
 * <p><b>Limits.</b> L1 holds at most {@code l1MaximumSize} entries (default 10,000; Caffeine's W-TinyLFU
 * evicts beyond). Redis bounds L2 (see {@link io.hal9.cache.redis.RedisCache}). {@code getAll} loads its
 * misses in one {@link CacheLoader#loadAll} call without coalescing with concurrent single loads.
 *
 * <p><b>When Redis is down.</b> Reads fall back to L1 (within {@code l1Ttl}) and then to the loader;
 * writes to Redis and publishes fail silently (counted); no exception reaches the caller for an
 * unavailable Redis. The near cache uses the data and pub/sub connections of its {@link SharedRedis}
 * (its own one when built from a URI), both reconnecting with a backoff capped at one second; the
 * subscription is taken up again after a reconnect or a failover.
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
// "exports": SharedRedis comes from an optional module (requires static), which a host that uses NearCache
// requires itself
@SuppressWarnings("exports")
public interface NearCache<K, V> extends Cache<K, V> {

    /** A builder for a near cache named {@code name} whose values are stored in Redis with {@code valueCodec}. */
    static <K, V> Builder<K, V> builder(String name, ValueCodec<V> valueCodec) {
        OptionalDependency.require(
                "NearCache", NearCache.class, "io.hal9.redis.SharedRedis", "io.hal9:hal9-redis", "io.hal9.redis");
        return new Builder<>(Checks.name("near cache", name), Objects.requireNonNull(valueCodec, "valueCodec"));
    }

    /** A builder for a near cache whose values are JSON in Redis ({@link Codecs#json(Class)}). */
    static <K, V> Builder<K, V> builder(String name, Class<V> valueType) {
        return builder(name, Codecs.json(Objects.requireNonNull(valueType, "valueType")));
    }

    /** This instance's id, carried by its invalidation messages (random per cache instance). */
    String instanceId();

    /** The pub/sub channel of this cache: {@code <keyPrefix><name>:~near}. */
    String channel();

    /**
     * Removes {@code key} from this instance's L1 only: no Redis command, no message. For tests and for
     * hosts that learn of changes by other means.
     */
    void invalidateLocal(K key);

    /** A snapshot of the near cache's counters. */
    Stats nearStats();

    /**
     * A snapshot of a {@link NearCache}'s counters.
     *
     * <p>Thread safety: immutable.
     *
     * @param l1Hits lookups answered by the local level
     * @param l2Hits lookups answered by Redis (the local level missed)
     * @param misses lookups that found no value at either level (a caller that waited for another caller's
     *     fetch of the same key is counted in none of {@code l1Hits}, {@code l2Hits}, {@code misses})
     * @param loads loads that completed with a value or with "no value"
     * @param loadFailures loads that threw
     * @param totalLoadNanos time spent in loads, successful or not
     * @param puts values written by {@code put}/{@code putAll}
     * @param invalidations explicit removals made on this instance
     * @param invalidationsSent invalidation messages Redis accepted from this instance
     * @param publishFailures invalidation messages that could not be published (Redis down or slow); the
     *     other instances detect the loss by the sequence gap on the next message that reaches them
     * @param invalidationsReceived invalidation messages received from other instances
     * @param invalidationsMissed messages from other instances detected as lost by a sequence gap (each gap
     *     clears the local level)
     * @param resyncs times the local level was cleared because a connection came back, the subscription was
     *     re-established or a gap was detected
     * @param pubSubConnected whether the invalidation subscription is up at the time of the snapshot (while
     *     it is down the local level is not filled, see {@link NearCache})
     * @param l1Size entries in the local level (approximate)
     */
    record Stats(
            long l1Hits,
            long l2Hits,
            long misses,
            long loads,
            long loadFailures,
            long totalLoadNanos,
            long puts,
            long invalidations,
            long invalidationsSent,
            long publishFailures,
            long invalidationsReceived,
            long invalidationsMissed,
            long resyncs,
            boolean pubSubConnected,
            long l1Size) {

        /** The common figures: hits at either level; evictions are not tracked (0). */
        public CacheStats toCacheStats() {
            return new CacheStats(
                    l1Hits + l2Hits, misses, loads, loadFailures, totalLoadNanos, 0, puts, invalidations, l1Size);
        }
    }

    /**
     * Builds a {@link NearCache}. Every setter checks its argument at once and may be called once.
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
        /** The loader, ticker and executor (executor default: a new virtual thread per operation). */
        final CacheOptions<K, V> common;
        /** Where Redis is, the key prefix and codec, the default TTL (10 min), the command timeout (250 ms). */
        final RedisOptions<K> redisOptions;

        /** The most entries L1 holds; default 10,000; [1, 2^31]. */
        long l1MaximumSize = 10_000;

        /** How long an L1 entry lives after it was written; default 30 s; [1ms, 1h]. */
        Duration l1Ttl = Duration.ofSeconds(30);

        /** Default: a listener that ignores every event. */
        NearCacheListener listener = new NearCacheListener() {};

        Builder(String name, ValueCodec<V> valueCodec) {
            this.name = name;
            this.component = "near cache '" + name + "'";
            this.valueCodec = valueCodec;
            this.options = new BuilderOptions(component);
            this.common = new CacheOptions<>(options, r -> Thread.ofVirtual().start(r));
            this.redisOptions = new RedisOptions<>(options);
        }

        /**
         * The shared Redis setup (recommended): the near cache uses its data and pub/sub connections and
         * never closes it. Exclusive with {@link #uri}.
         */
        public Builder<K, V> redis(SharedRedis redis) {
            Objects.requireNonNull(redis, "redis");
            exclusiveWith("redis", "uri");
            redisOptions.redis(redis);
            return this;
        }

        /**
         * The Redis server ({@code redis://}, {@code rediss://}, {@code redis-sentinel://} or {@code
         * redis-cluster://h:p,h:p}): the near cache builds a {@link SharedRedis} of its own and closes it.
         * Exclusive with {@link #redis}, which a process with more than one Redis user should prefer.
         *
         * @deprecated since 0.2: every near cache built from a URI starts its own Lettuce threads and two
         *     connections. Build one {@link SharedRedis} ({@code SharedRedis.create(uri)}) for the process
         *     and pass it to {@link #redis(SharedRedis)}.
         */
        @Deprecated(since = "0.2")
        public Builder<K, V> uri(String uri) {
            Objects.requireNonNull(uri, "uri");
            exclusiveWith("uri", "redis");
            redisOptions.uri(uri);
            return this;
        }

        /** {@code redis} and {@code uri} exclude each other at once: the second is refused as already set. */
        private void exclusiveWith(String option, String other) {
            if (options.isSet(other)) {
                throw new IllegalStateException(component + ": " + option + " was already set");
            }
        }

        /** The prefix before {@code <name>:} in every key and in the channel (default {@code "hal9:"}). */
        public Builder<K, V> keyPrefix(String keyPrefix) {
            redisOptions.keyPrefix(keyPrefix);
            return this;
        }

        /** How keys become strings in Redis and in messages (default {@link KeyCodec#ofToString()}). */
        public Builder<K, V> keyCodec(KeyCodec<? super K> keyCodec) {
            redisOptions.keyCodec(keyCodec);
            return this;
        }

        /** The Redis time to live of entries put without one and of loaded values (default 10 min). */
        public Builder<K, V> defaultTtl(Duration ttl) {
            redisOptions.defaultTtl(ttl);
            return this;
        }

        /** How long one Redis command may wait (default 250 ms; [1ms, 60s]). */
        public Builder<K, V> commandTimeout(Duration timeout) {
            redisOptions.commandTimeout(timeout);
            return this;
        }

        /** The most entries L1 holds (default 10,000; [1, 2^31]). */
        public Builder<K, V> l1MaximumSize(long entries) {
            this.l1MaximumSize =
                    options.set("l1MaximumSize", Checks.inRange(component, "l1MaximumSize", entries, 1, 1L << 31));
            return this;
        }

        /**
         * How long an L1 entry lives after it was written (default 30 s; [1ms, 1h]): the staleness bound
         * when invalidation messages are lost (see {@link NearCache}).
         */
        public Builder<K, V> l1Ttl(Duration ttl) {
            this.l1Ttl = options.set(
                    "l1Ttl", Checks.duration(component, "l1Ttl", ttl, Duration.ofMillis(1), Duration.ofHours(1)));
            return this;
        }

        /** The loader behind {@link Cache#get(Object)} and {@link Cache#getAll} (default: none). */
        public Builder<K, V> loader(CacheLoader<K, V> loader) {
            common.loader(loader);
            return this;
        }

        /** Receives coherence events (default: none). */
        public Builder<K, V> listener(NearCacheListener listener) {
            Objects.requireNonNull(listener, "listener");
            this.listener = options.set("listener", listener);
            return this;
        }

        /** The time source of L1 expiry and load timing (default {@link Ticker#system()}). */
        public Builder<K, V> ticker(Ticker ticker) {
            common.ticker(ticker);
            return this;
        }

        /** Where the asynchronous view runs (default: a new virtual thread per operation). */
        public Builder<K, V> executor(Executor executor) {
            common.executor(executor);
            return this;
        }

        /**
         * Builds the cache and connects (data and pub/sub connections, subscribed before it returns).
         *
         * @throws IllegalStateException if neither {@code redis} nor {@code uri} was set
         * @throws io.hal9.cache.CacheException if Redis cannot be reached
         */
        public NearCache<K, V> build() {
            if (!options.isSet("uri") && !options.isSet("redis")) {
                throw new IllegalStateException(component + ": redis or uri must be set");
            }
            return NearCacheImpl.create(this);
        }
    }
}

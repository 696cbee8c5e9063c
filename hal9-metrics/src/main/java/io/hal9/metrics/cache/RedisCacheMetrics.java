package io.hal9.metrics.cache;

import io.hal9.cache.redis.BreakerState;
import io.hal9.cache.redis.RedisCache;
import io.hal9.metrics.internal.BinderBuilder;
import io.hal9.metrics.internal.MeterSupport;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import java.util.Locale;
import java.util.Objects;

/**
 * Binds a {@link RedisCache} to a {@link MeterRegistry}, from {@link RedisCache#redisStats()}.
 *
 * <pre>{@code
 * RedisCacheMetrics.monitor(registry, profiles);
 * // or: RedisCacheMetrics.builder(profiles).build().bindTo(registry)
 * }</pre>
 *
 * <p>Meters (tags {@code name} = the cache's name, plus the builder's tags):
 *
 * <ul>
 *   <li>with tag {@code kind} = {@code redis}: {@code hal9.cache.gets} (tags {@code level} = {@code l2},
 *       {@code result} = {@code hit}/{@code miss}), {@code hal9.cache.puts}, {@code
 *       hal9.cache.invalidations}, {@code hal9.cache.loads} (tag {@code result}), {@code
 *       hal9.cache.load.duration}
 *   <li>{@code hal9.redis.cache.errors} (tag {@code type} = {@code error}, {@code timeout}), {@code
 *       hal9.redis.cache.corrupt.entries}, {@code hal9.redis.cache.failed.writes}, {@code
 *       hal9.redis.cache.breaker.skipped} (commands not sent, breaker open), {@code
 *       hal9.redis.cache.breaker.opened}: function counters
 *   <li>{@code hal9.redis.cache.breaker.state} (tag {@code state} = {@code closed}, {@code open},
 *       {@code half_open}): gauge, 1 for the current state (the worst of the shards' breakers) and 0 for
 *       the others
 *   <li>{@code hal9.redis.cache.shard.breakers} (tag {@code state}): gauge, how many shard breakers are in
 *       that state (on a Redis Cluster one per master: an open one means one shard is skipped while the
 *       others serve)
 * </ul>
 *
 * <p>Limits: Redis evicts on its own, so there is no eviction count or size. Errors are not broken down
 * by command.
 *
 * <p>Thread safety: may be bound from any thread.
 */
public final class RedisCacheMetrics extends CacheBinder<RedisCache<?, ?>> {
    private RedisCacheMetrics(Builder b) {
        super(b, "redis", RedisCache::stats, "l2", true, false);
    }

    /** Starts a binder for {@code cache}. */
    public static Builder builder(RedisCache<?, ?> cache) {
        return new Builder(cache);
    }

    /**
     * Binds the cache's gets and loads, its Redis errors and its breakers: the one call.
     *
     * @param tags tags added to every meter (not {@code name}: that is the cache's name)
     * @return {@code cache}
     */
    public static <K, V> RedisCache<K, V> monitor(MeterRegistry registry, RedisCache<K, V> cache, Iterable<Tag> tags) {
        return bindOne(registry, cache, RedisCacheMetrics::builder, tags);
    }

    /** As {@link #monitor(MeterRegistry, RedisCache, Iterable)}, with tags as key-value pairs. */
    public static <K, V> RedisCache<K, V> monitor(MeterRegistry registry, RedisCache<K, V> cache, String... tags) {
        return monitor(registry, cache, Tags.of(tags));
    }

    @Override
    void bindSpecific(MeterRegistry registry, MeterSupport<RedisCache<?, ?>> common) {
        bindRedisFigures(registry, component, tags, RedisCache::redisStats);
        for (BreakerState state : BreakerState.values()) {
            meters(registry)
                    .gauge(
                            "hal9.redis.cache.shard.breakers",
                            null,
                            "Shard circuit breakers (one per cluster master, plus scan; one off a cluster) by state",
                            c -> c.shardBreakers().stream()
                                    .filter(b -> b.state() == state)
                                    .count(),
                            "state",
                            state.name().toLowerCase(Locale.ROOT));
        }
    }

    static <T> void bindRedisFigures(
            MeterRegistry registry, T cache, Tags tags, java.util.function.Function<T, RedisCache.Stats> stats) {
        String errors = "Redis commands that failed, by type";
        MeterSupport<T> m = new MeterSupport<>(registry, cache, tags)
                .counter("hal9.redis.cache.errors", errors, c -> stats.apply(c).errors(), "type", "error")
                .counter("hal9.redis.cache.errors", errors, c -> stats.apply(c).timeouts(), "type", "timeout")
                .counter(
                        "hal9.redis.cache.corrupt.entries",
                        "Values in Redis the codec could not decode",
                        c -> stats.apply(c).corruptEntries())
                .counter(
                        "hal9.redis.cache.failed.writes",
                        "Writes or removals that failed, timed out or were skipped",
                        c -> stats.apply(c).failedWrites())
                .counter(
                        "hal9.redis.cache.breaker.skipped",
                        "Commands not sent because the breaker was open",
                        c -> stats.apply(c).skippedByBreaker())
                .counter(
                        "hal9.redis.cache.breaker.opened",
                        "Times the circuit breaker opened",
                        c -> stats.apply(c).breakerOpened());
        for (BreakerState state : BreakerState.values()) {
            m.gauge(
                    "hal9.redis.cache.breaker.state",
                    null,
                    "Circuit breaker state: 1 for the current one",
                    c -> stats.apply(c).breakerState() == state ? 1 : 0,
                    "state",
                    state.name().toLowerCase(Locale.ROOT));
        }
    }

    /**
     * Configures a {@link RedisCacheMetrics}. Each option may be set once.
     *
     * <p>Thread safety: not thread-safe; use from one thread.
     */
    public static final class Builder extends BinderBuilder<RedisCache<?, ?>, Builder> {
        private Builder(RedisCache<?, ?> cache) {
            super(cache, Objects.requireNonNull(cache, "cache").name(), "cache metrics");
        }

        /** Builds the binder; registers nothing until {@link RedisCacheMetrics#bindTo}. */
        @Override
        public RedisCacheMetrics build() {
            return new RedisCacheMetrics(this);
        }
    }
}

package io.hal9.metrics.cache;

import io.hal9.cache.near.NearCache;
import io.hal9.metrics.internal.BinderBuilder;
import io.hal9.metrics.internal.MeterSupport;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import java.util.Objects;

/**
 * Binds a {@link NearCache} to a {@link MeterRegistry}, from {@link NearCache#nearStats()}.
 *
 * <pre>{@code
 * NearCacheMetrics.monitor(registry, profiles); // or NearCacheMetrics.builder(profiles).build().bindTo(registry)
 * }</pre>
 *
 * <p>Gets per level: every lookup is counted at {@code level=l1} (hit, or miss when the local level did
 * not have it); every l1 miss is counted again at {@code level=l2} (hit when Redis had it, miss when
 * neither level had it). So {@code sum(hal9_cache_gets_total{level="l1"})} is all lookups, and each
 * level's hit ratio is {@code hit / (hit + miss)} of that level. A caller that waited for another
 * caller's fetch of the same key counts at neither level (as in {@link
 * io.hal9.cache.near.NearCache.Stats}).
 *
 * <p>Meters (tags {@code name} = the cache's name, plus the builder's tags):
 *
 * <ul>
 *   <li>with tag {@code kind} = {@code near}: {@code hal9.cache.gets} (tags {@code level}, {@code
 *       result}), {@code hal9.cache.puts}, {@code hal9.cache.invalidations}, {@code hal9.cache.loads},
 *       {@code hal9.cache.load.duration}, {@code hal9.cache.size} (the local level's entries)
 *   <li>{@code hal9.near.cache.invalidation.messages} (tag {@code result} = {@code sent}, {@code
 *       publish_failed}, {@code received}, {@code missed}), {@code hal9.near.cache.resyncs}: function
 *       counters
 *   <li>{@code hal9.near.cache.pubsub.connected}: gauge, 1 while the invalidation subscription is up
 * </ul>
 *
 * <p>Limits: the Redis errors and breaker of the near cache's second level are not exposed by {@link
 * NearCache} and are therefore not bound.
 *
 * <p>Thread safety: may be bound from any thread.
 */
public final class NearCacheMetrics extends CacheBinder<NearCache<?, ?>> {
    private NearCacheMetrics(Builder b) {
        super(b, "near", NearCache::stats, "l1", false, false);
    }

    /** Starts a binder for {@code cache}. */
    public static Builder builder(NearCache<?, ?> cache) {
        return new Builder(cache);
    }

    /**
     * Binds both levels' gets and the invalidation messages of the near cache in one call.
     *
     * @param tags tags added to every meter (not {@code name}: that is the cache's name)
     * @return {@code cache}
     */
    public static <K, V> NearCache<K, V> monitor(MeterRegistry registry, NearCache<K, V> cache, Iterable<Tag> tags) {
        return bindOne(registry, cache, NearCacheMetrics::builder, tags);
    }

    /** As {@link #monitor(MeterRegistry, NearCache, Iterable)}, with tags as key-value pairs. */
    public static <K, V> NearCache<K, V> monitor(MeterRegistry registry, NearCache<K, V> cache, String... tags) {
        return monitor(registry, cache, Tags.of(tags));
    }

    @Override
    void bindSpecific(MeterRegistry registry, MeterSupport<NearCache<?, ?>> common) {
        String gets = GETS;
        common.counter("hal9.cache.gets", gets, c -> c.nearStats().l1Hits(), "level", "l1", "result", "hit")
                .counter(
                        "hal9.cache.gets",
                        gets,
                        c -> c.nearStats().l2Hits() + c.nearStats().misses(),
                        "level",
                        "l1",
                        "result",
                        "miss")
                .counter("hal9.cache.gets", gets, c -> c.nearStats().l2Hits(), "level", "l2", "result", "hit")
                .counter("hal9.cache.gets", gets, c -> c.nearStats().misses(), "level", "l2", "result", "miss")
                .gauge(
                        "hal9.cache.size",
                        null,
                        "Entries held now (approximate)",
                        c -> c.nearStats().l1Size());
        String messages = "Invalidation messages, by result";
        meters(registry)
                .counter(
                        "hal9.near.cache.invalidation.messages",
                        messages,
                        c -> c.nearStats().invalidationsSent(),
                        "result",
                        "sent")
                .counter(
                        "hal9.near.cache.invalidation.messages",
                        messages,
                        c -> c.nearStats().publishFailures(),
                        "result",
                        "publish_failed")
                .counter(
                        "hal9.near.cache.invalidation.messages",
                        messages,
                        c -> c.nearStats().invalidationsReceived(),
                        "result",
                        "received")
                .counter(
                        "hal9.near.cache.invalidation.messages",
                        messages,
                        c -> c.nearStats().invalidationsMissed(),
                        "result",
                        "missed")
                .counter(
                        "hal9.near.cache.resyncs",
                        "Times the local level was cleared to resynchronise",
                        c -> c.nearStats().resyncs())
                .gauge(
                        "hal9.near.cache.pubsub.connected",
                        null,
                        "Whether the invalidation subscription is up",
                        c -> c.nearStats().pubSubConnected() ? 1 : 0);
    }

    /**
     * Configures a {@link NearCacheMetrics}. Each option may be set once.
     *
     * <p>Thread safety: not thread-safe; use from one thread.
     */
    public static final class Builder extends BinderBuilder<NearCache<?, ?>, Builder> {
        private Builder(NearCache<?, ?> cache) {
            super(cache, Objects.requireNonNull(cache, "cache").name(), "cache metrics");
        }

        /** Builds the binder; registers nothing until {@link NearCacheMetrics#bindTo}. */
        @Override
        public NearCacheMetrics build() {
            return new NearCacheMetrics(this);
        }
    }
}

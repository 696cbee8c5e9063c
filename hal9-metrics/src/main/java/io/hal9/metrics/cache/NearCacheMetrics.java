package io.hal9.metrics.cache;

import io.hal9.cache.near.NearCache;
import io.hal9.core.internal.Checks;
import io.hal9.metrics.internal.MeterSupport;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
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
public final class NearCacheMetrics implements MeterBinder {
    private final NearCache<?, ?> cache;
    private final Tags tags;

    private NearCacheMetrics(NearCache<?, ?> cache, Tags tags) {
        this.cache = cache;
        this.tags = tags;
    }

    /** Starts a binder for {@code cache}. */
    public static Builder builder(NearCache<?, ?> cache) {
        return new Builder(cache);
    }

    /**
     * Binds the cache's meters in one call: {@code NearCacheMetrics.builder(cache).tags(tags).build().bindTo(registry)}.
     *
     * @param tags tags added to every meter (not {@code name}: that is the cache's name)
     * @return {@code cache}
     */
    public static <K, V> NearCache<K, V> monitor(MeterRegistry registry, NearCache<K, V> cache, Iterable<Tag> tags) {
        Objects.requireNonNull(registry, "registry");
        builder(cache).tags(tags).build().bindTo(registry);
        return cache;
    }

    /** As {@link #monitor(MeterRegistry, NearCache, Iterable)}, with tags as key-value pairs. */
    public static <K, V> NearCache<K, V> monitor(MeterRegistry registry, NearCache<K, V> cache, String... tags) {
        return monitor(registry, cache, Tags.of(tags));
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Tags near = tags.and("kind", "near");
        MeterSupport<NearCache<?, ?>> m =
                CacheMeters.register(registry, cache, near, NearCache::stats, "l1", false, false);
        String gets = CacheMeters.GETS;
        m.counter("hal9.cache.gets", gets, c -> c.nearStats().l1Hits(), "level", "l1", "result", "hit")
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
        new MeterSupport<NearCache<?, ?>>(registry, cache, tags)
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
    public static final class Builder {
        private final NearCache<?, ?> cache;
        private final String component;
        private Iterable<Tag> tags = Tags.empty();
        private boolean tagsSet;

        private Builder(NearCache<?, ?> cache) {
            this.cache = Objects.requireNonNull(cache, "cache");
            this.component = "cache metrics '" + cache.name() + "'";
        }

        /** Tags added to every meter; default none. {@code name} and {@code kind} tags are replaced. */
        public Builder tags(Iterable<Tag> tags) {
            Checks.notSet(component, "tags", tagsSet);
            this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
            this.tagsSet = true;
            return this;
        }

        /** Builds the binder; registers nothing until {@link NearCacheMetrics#bindTo}. */
        public NearCacheMetrics build() {
            return new NearCacheMetrics(cache, MeterSupport.instanceTags(cache.name(), tags));
        }
    }
}

package io.hal9.metrics.cache;

import io.hal9.cache.LocalCache;
import io.hal9.metrics.internal.BinderBuilder;
import io.hal9.metrics.internal.MeterSupport;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import java.util.Objects;

/**
 * Binds a {@link LocalCache} to a {@link MeterRegistry}, from {@link LocalCache#stats()} alone (the
 * cache's read path has no callbacks, so binding costs it nothing).
 *
 * <pre>{@code
 * LocalCacheMetrics.monitor(registry, games); // or LocalCacheMetrics.builder(games).build().bindTo(registry)
 * }</pre>
 *
 * <p>Meters (tags {@code name} = the cache's name, {@code kind} = {@code local}, plus the builder's tags):
 * {@code hal9.cache.gets} (tags {@code level} = {@code l1}, {@code result} = {@code hit}/{@code miss}),
 * {@code hal9.cache.puts}, {@code hal9.cache.invalidations}, {@code hal9.cache.evictions}, {@code
 * hal9.cache.loads} (tag {@code result} = {@code success}/{@code failure}): function counters; {@code
 * hal9.cache.load.duration}: function timer; {@code hal9.cache.size}: gauge.
 *
 * <p>Limits: evictions are counted in total, not by cause (size or expiry).
 *
 * <p>Thread safety: may be bound from any thread.
 */
public final class LocalCacheMetrics extends CacheBinder<LocalCache<?, ?>> {
    private LocalCacheMetrics(Builder b) {
        super(b, "local", LocalCache::stats, "l1", true, true);
    }

    /** Starts a binder for {@code cache}. */
    public static Builder builder(LocalCache<?, ?> cache) {
        return new Builder(cache);
    }

    /**
     * One call for the cache's gets, loads, puts, invalidations, evictions and size.
     *
     * @param tags tags added to every meter (not {@code name}: that is the cache's name)
     * @return {@code cache}
     */
    public static <K, V> LocalCache<K, V> monitor(MeterRegistry registry, LocalCache<K, V> cache, Iterable<Tag> tags) {
        return bindOne(registry, cache, LocalCacheMetrics::builder, tags);
    }

    /** As {@link #monitor(MeterRegistry, LocalCache, Iterable)}, with tags as key-value pairs. */
    public static <K, V> LocalCache<K, V> monitor(MeterRegistry registry, LocalCache<K, V> cache, String... tags) {
        return monitor(registry, cache, Tags.of(tags));
    }

    @Override
    void bindSpecific(MeterRegistry registry, MeterSupport<LocalCache<?, ?>> common) {
        // a local cache has nothing of its own: the common meters are all of them
    }

    /**
     * Configures a {@link LocalCacheMetrics}. Each option may be set once.
     *
     * <p>Thread safety: not thread-safe; use from one thread.
     */
    public static final class Builder extends BinderBuilder<LocalCache<?, ?>, Builder> {
        private Builder(LocalCache<?, ?> cache) {
            super(cache, Objects.requireNonNull(cache, "cache").name(), "cache metrics");
        }

        /** Builds the binder; registers nothing until {@link LocalCacheMetrics#bindTo}. */
        @Override
        public LocalCacheMetrics build() {
            return new LocalCacheMetrics(this);
        }
    }
}

package io.hal9.metrics.cache;

import io.hal9.cache.CacheStats;
import io.hal9.metrics.internal.BinderBuilder;
import io.hal9.metrics.internal.ComponentBinder;
import io.hal9.metrics.internal.MeterSupport;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.Function;

/**
 * The base of the cache binders, in the style of Micrometer's {@code CacheMeterBinder}: it binds the {@code
 * hal9.cache.*} meters every cache kind has, read from the cache's {@link CacheStats} and tagged {@code kind} =
 * the cache's kind, and the subclass adds what is its own in {@link #bindSpecific}.
 *
 * <p>The subclass supplies the figures as a function of the cache (a method reference such as {@code
 * LocalCache::stats}, never a lambda over the binder), so that the meters hold the cache only weakly, as every
 * function meter does (see {@link MeterSupport}).
 *
 * <p>Thread safety: immutable; may be bound from any thread.
 *
 * @param <C> the cache type
 */
abstract sealed class CacheBinder<C> extends ComponentBinder<C>
        permits LocalCacheMetrics, NearCacheMetrics, RedisCacheMetrics {
    static final String GETS = "Cache lookups, by level and result";
    static final String LOADS = "Loads, by result";

    private final String kind;
    private final Function<C, CacheStats> stats;
    private final String level;
    private final boolean gets;
    private final boolean evictionsAndSize;

    /**
     * @param kind the {@code kind} tag of the common meters: {@code local}, {@code near}, {@code redis}
     * @param stats the cache's common figures (a method reference: see the class comment)
     * @param level the {@code level} tag of the gets from {@code stats}
     * @param gets whether {@code stats} counts the gets (a near cache counts its own, by level)
     * @param evictionsAndSize whether {@code stats} has evictions and size (Redis evicts on its own)
     */
    CacheBinder(
            BinderBuilder<C, ?> builder,
            String kind,
            Function<C, CacheStats> stats,
            String level,
            boolean gets,
            boolean evictionsAndSize) {
        super(builder);
        this.kind = kind;
        this.stats = stats;
        this.level = level;
        this.gets = gets;
        this.evictionsAndSize = evictionsAndSize;
    }

    @Override
    public final void bindTo(MeterRegistry registry) {
        MeterSupport<C> m = new MeterSupport<>(registry, component, tags.and("kind", kind));
        Function<C, CacheStats> stats = this.stats; // the meters capture the function, not this binder
        if (gets) {
            m.counter("hal9.cache.gets", GETS, c -> stats.apply(c).hits(), "level", level, "result", "hit");
            m.counter("hal9.cache.gets", GETS, c -> stats.apply(c).misses(), "level", level, "result", "miss");
        }
        m.counter(
                "hal9.cache.puts",
                "Values written by put and putAll",
                c -> stats.apply(c).puts());
        m.counter(
                "hal9.cache.invalidations",
                "Explicit removals",
                c -> stats.apply(c).invalidations());
        m.counter("hal9.cache.loads", LOADS, c -> stats.apply(c).loads(), "result", "success");
        m.counter("hal9.cache.loads", LOADS, c -> stats.apply(c).loadFailures(), "result", "failure");
        m.functionTimer(
                "hal9.cache.load.duration",
                "Time spent in loads, successful or not",
                c -> {
                    CacheStats s = stats.apply(c);
                    return s.loads() + s.loadFailures();
                },
                c -> stats.apply(c).totalLoadNanos());
        if (evictionsAndSize) {
            m.counter(
                    "hal9.cache.evictions",
                    "Entries removed by the cache's own policy (size, expiry)",
                    c -> stats.apply(c).evictions());
            m.gauge(
                    "hal9.cache.size",
                    null,
                    "Entries held now (approximate)",
                    c -> stats.apply(c).size());
        }
        bindSpecific(registry, m);
    }

    /**
     * Registers the meters of this kind of cache alone.
     *
     * @param common where the common meters went (tags {@code name}, {@code kind} and the user's)
     */
    abstract void bindSpecific(MeterRegistry registry, MeterSupport<C> common);
}

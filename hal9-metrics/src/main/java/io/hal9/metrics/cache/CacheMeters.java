package io.hal9.metrics.cache;

import io.hal9.cache.CacheStats;
import io.hal9.metrics.internal.MeterSupport;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.function.Function;

/**
 * The {@code hal9.cache.*} meters every cache kind has, read from its {@link CacheStats}.
 *
 * <p>Thread safety: stateless.
 */
final class CacheMeters {
    static final String GETS = "Cache lookups, by level and result";
    static final String LOADS = "Loads, by result";

    private CacheMeters() {}

    /**
     * Registers gets (only when {@code gets}), puts, invalidations, loads, load time and, when asked,
     * evictions and size.
     */
    static <T> MeterSupport<T> register(
            MeterRegistry registry,
            T cache,
            Tags tags,
            Function<T, CacheStats> stats,
            String level,
            boolean gets,
            boolean evictionsAndSize) {
        MeterSupport<T> m = new MeterSupport<>(registry, cache, tags);
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
        return m;
    }
}

package io.hal9.metrics.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.hal9.cache.LocalCache;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The common meters {@link CacheBinder} binds for every cache kind, here through a local cache. */
@Timeout(30)
class CacheBinderTest {
    private final MeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void bindsTheCommonMetersTaggedWithTheCachesKindInsteadOfTheUsers() {
        try (LocalCache<String, String> cache =
                LocalCache.<String, String>builder("games").maximumSize(10).build()) {
            LocalCacheMetrics.builder(cache)
                    .tags(Tags.of("kind", "mine", "region", "eu"))
                    .build()
                    .bindTo(registry);
            cache.put("g1", "v");

            Set<String> names = new TreeSet<>();
            for (Meter m : registry.getMeters()) {
                names.add(m.getId().getName());
                assertThat(m.getId().getTag("kind")).isEqualTo("local");
                assertThat(m.getId().getTag("name")).isEqualTo("games");
                assertThat(m.getId().getTag("region")).isEqualTo("eu");
            }
            assertThat(names)
                    .containsExactly(
                            "hal9.cache.evictions",
                            "hal9.cache.gets",
                            "hal9.cache.invalidations",
                            "hal9.cache.load.duration",
                            "hal9.cache.loads",
                            "hal9.cache.puts",
                            "hal9.cache.size");
            assertThat(registry.get("hal9.cache.gets").tags("level", "l1").meters())
                    .hasSize(2);
            assertThat(registry.get("hal9.cache.puts").functionCounter().count())
                    .isEqualTo(1.0);
        }
    }

    @Test
    void bindingTwiceInOneRegistryRegistersTheSameMeters() {
        try (LocalCache<String, String> cache =
                LocalCache.<String, String>builder("games").maximumSize(10).build()) {
            LocalCacheMetrics.monitor(registry, cache);
            int meters = registry.getMeters().size();
            LocalCacheMetrics.monitor(registry, cache);
            assertThat(registry.getMeters()).hasSize(meters);
        }
    }
}

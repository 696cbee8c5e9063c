package io.hal9.metrics.cache;

import static io.hal9.metrics.Scrapes.require;
import static org.assertj.core.api.Assertions.assertThat;

import io.hal9.cache.LocalCache;
import io.hal9.metrics.Scrapes;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class CacheBindersTest {
    private final PrometheusMeterRegistry registry = Scrapes.registry();

    @Test
    void localCacheExposesGetsByResultLoadsPutsAndSize() {
        try (LocalCache<String, String> cache =
                LocalCache.<String, String>builder("games").maximumSize(100).build()) {
            LocalCacheMetrics.builder(cache).build().bindTo(registry);
            assertThat(cache.get("g1", k -> "loaded")).isEqualTo("loaded");
            assertThat(cache.getIfPresent("g1")).isEqualTo("loaded");
            assertThat(cache.getIfPresent("g2")).isNull();
            cache.put("g3", "put");
            cache.invalidate("g3");

            String scrape = registry.scrape();
            String[] local = {"name", "games", "kind", "local", "level", "l1"};
            assertThat(require(scrape, "hal9_cache_gets_total", with(local, "result", "hit")))
                    .isEqualTo(1.0);
            assertThat(require(scrape, "hal9_cache_gets_total", with(local, "result", "miss")))
                    .isEqualTo(2.0);
            assertThat(require(scrape, "hal9_cache_loads_total", "name", "games", "result", "success"))
                    .isEqualTo(1.0);
            assertThat(require(scrape, "hal9_cache_load_duration_seconds_count", "name", "games"))
                    .isEqualTo(1.0);
            assertThat(require(scrape, "hal9_cache_puts_total", "name", "games"))
                    .isEqualTo(1.0);
            assertThat(require(scrape, "hal9_cache_invalidations_total", "name", "games"))
                    .isEqualTo(1.0);
            assertThat(require(scrape, "hal9_cache_size", "name", "games")).isEqualTo(1.0);
            assertThat(require(scrape, "hal9_cache_evictions_total", "name", "games"))
                    .isEqualTo(0.0);
        }
    }

    static String[] with(String[] base, String... more) {
        String[] all = java.util.Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }
}

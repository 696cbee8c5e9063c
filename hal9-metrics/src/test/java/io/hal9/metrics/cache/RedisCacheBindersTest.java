package io.hal9.metrics.cache;

import static io.hal9.metrics.Scrapes.require;
import static io.hal9.metrics.cache.CacheBindersTest.with;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hal9.cache.near.NearCache;
import io.hal9.cache.redis.RedisCache;
import io.hal9.metrics.PrometheusBinaries;
import io.hal9.metrics.Scrapes;
import io.hal9.redis.SharedRedis;
import io.hal9.testkit.RedisService;
import io.hal9.testkit.RequiresRedis;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@RequiresRedis
@Timeout(60)
class RedisCacheBindersTest {
    private final PrometheusMeterRegistry registry = Scrapes.registry();

    @Test
    void redisCacheExposesGetsErrorsAndTheBreakerState(RedisService redis) throws Exception {
        try (SharedRedis shared = SharedRedis.create(redis.uri());
                RedisCache<String, String> cache = RedisCache.<String, String>builder("profiles", String.class)
                        .redis(shared)
                        .keyPrefix(redis.keyPrefix())
                        .build()) {
            assertThat(RedisCacheMetrics.monitor(registry, cache)).isSameAs(cache);
            cache.put("p1", "arthur");
            assertThat(cache.getIfPresent("p1")).isEqualTo("arthur");
            assertThat(cache.getIfPresent("p2")).isNull();

            String scrape = registry.scrape();
            String[] l2 = {"name", "profiles", "kind", "redis", "level", "l2"};
            assertThat(require(scrape, "hal9_cache_gets_total", with(l2, "result", "hit")))
                    .isEqualTo(1.0);
            assertThat(require(scrape, "hal9_cache_gets_total", with(l2, "result", "miss")))
                    .isEqualTo(1.0);
            assertThat(require(scrape, "hal9_cache_puts_total", "name", "profiles"))
                    .isEqualTo(1.0);
            assertThat(require(scrape, "hal9_redis_cache_errors_total", "name", "profiles", "type", "timeout"))
                    .isEqualTo(0.0);
            assertThat(require(scrape, "hal9_redis_cache_breaker_state", "name", "profiles", "state", "closed"))
                    .isEqualTo(1.0);
            assertThat(require(scrape, "hal9_redis_cache_breaker_state", "name", "profiles", "state", "open"))
                    .isEqualTo(0.0);
            assertThat(require(scrape, "hal9_redis_cache_shard_breakers", "name", "profiles", "state", "closed"))
                    .isEqualTo(1.0);
            assertThat(require(scrape, "hal9_redis_cache_shard_breakers", "name", "profiles", "state", "open"))
                    .isEqualTo(0.0);
            PrometheusBinaries.Check check = PrometheusBinaries.checkMetrics(scrape);
            assertThat(check.exitCode())
                    .as("promtool check metrics said:\n%s", check.output())
                    .isZero();
        }
    }

    @Test
    void nearCacheCountsEveryLookupAtL1AndItsMissesAgainAtL2(RedisService redis) throws Exception {
        try (SharedRedis shared = SharedRedis.create(redis.uri());
                NearCache<String, String> cache = NearCache.<String, String>builder("rooms", String.class)
                        .redis(shared)
                        .keyPrefix(redis.keyPrefix())
                        .build()) {
            assertThat(NearCacheMetrics.monitor(registry, cache)).isSameAs(cache);
            await().until(() -> cache.nearStats().pubSubConnected());
            assertThat(cache.get("r1", k -> "loaded")).isEqualTo("loaded"); // miss at both levels
            assertThat(cache.get("r1", k -> "again")).isEqualTo("loaded"); // a hit at one level
            assertThat(cache.getIfPresent("r2")).isNull(); // miss at both levels

            String scrape = registry.scrape();
            String[] near = {"name", "rooms", "kind", "near"};
            double l1Hit = require(scrape, "hal9_cache_gets_total", with(near, "level", "l1", "result", "hit"));
            double l1Miss = require(scrape, "hal9_cache_gets_total", with(near, "level", "l1", "result", "miss"));
            double l2Hit = require(scrape, "hal9_cache_gets_total", with(near, "level", "l2", "result", "hit"));
            double l2Miss = require(scrape, "hal9_cache_gets_total", with(near, "level", "l2", "result", "miss"));
            assertThat(l1Hit + l1Miss).isEqualTo(3.0);
            assertThat(l1Miss).isEqualTo(l2Hit + l2Miss);
            assertThat(l2Miss).isEqualTo(2.0);
            assertThat(require(scrape, "hal9_near_cache_pubsub_connected", "name", "rooms"))
                    .isEqualTo(1.0);
            assertThat(require(scrape, "hal9_cache_loads_total", "name", "rooms", "result", "success"))
                    .isEqualTo(1.0);
            assertThat(Scrapes.find(scrape, "hal9_near_cache_invalidation_messages_total", "name", "rooms"))
                    .hasSize(4);
            PrometheusBinaries.Check check = PrometheusBinaries.checkMetrics(scrape);
            assertThat(check.exitCode())
                    .as("promtool check metrics said:\n%s", check.output())
                    .isZero();
        }
    }
}

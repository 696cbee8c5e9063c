package io.hal9.metrics.pool;

import static io.hal9.metrics.Scrapes.require;
import static org.assertj.core.api.Assertions.assertThat;

import io.hal9.metrics.Scrapes;
import io.hal9.pool.ConnectionFactory;
import io.hal9.pool.ConnectionLease;
import io.hal9.pool.ConnectionPool;
import io.hal9.pool.Lease;
import io.hal9.pool.ObjectPool;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class PoolBindersTest {
    private final PrometheusMeterRegistry registry = Scrapes.registry();

    @Test
    void objectPoolExposesClaimsByResultReleasesAndIdleObjects() {
        try (ObjectPool<StringBuilder> pool =
                ObjectPool.builder("states", StringBuilder::new).maxIdle(4).build()) {
            ObjectPoolMetrics.builder(pool).build().bindTo(registry);
            try (Lease<StringBuilder> first = pool.claim()) {
                first.get().append("x");
            }
            try (Lease<StringBuilder> again = pool.claim()) {
                again.get().append("y");
            }

            String scrape = registry.scrape();
            assertThat(require(scrape, "hal9_object_pool_claims_total", "name", "states", "result", "miss"))
                    .isEqualTo(1.0);
            assertThat(require(scrape, "hal9_object_pool_claims_total", "name", "states", "result", "hit"))
                    .isEqualTo(1.0);
            assertThat(require(scrape, "hal9_object_pool_releases_total", "name", "states"))
                    .isEqualTo(2.0);
            assertThat(require(scrape, "hal9_object_pool_idle", "name", "states"))
                    .isEqualTo(1.0);
            assertThat(require(scrape, "hal9_object_pool_max_idle", "name", "states"))
                    .isEqualTo(4.0);
            assertThat(require(scrape, "hal9_object_pool_leaks_total", "name", "states"))
                    .isEqualTo(0.0);
        }
    }

    @Test
    void connectionPoolExposesLevelsTotalsAndAcquireTimes() {
        AtomicInteger ids = new AtomicInteger();
        ConnectionFactory<Integer> factory = new ConnectionFactory<>() {
            @Override
            public Integer create() {
                return ids.incrementAndGet();
            }

            @Override
            public void destroy(Integer connection) {}
        };
        ConnectionPoolMetrics.Recorder recorder = ConnectionPoolMetrics.recorder();
        try (ConnectionPool<Integer> pool = ConnectionPool.builder("game-db", factory)
                .maxConnections(2)
                .minConnections(0)
                .listener(recorder)
                .build()) {
            ConnectionPoolMetrics.builder(pool).recorder(recorder).build().bindTo(registry);
            try (ConnectionLease<Integer> a = pool.acquire();
                    ConnectionLease<Integer> b = pool.acquire()) {
                assertThat(pool.tryAcquire()).isNull();
                String busy = registry.scrape();
                assertThat(require(busy, "hal9_connection_pool_active", "name", "game-db"))
                        .isEqualTo(2.0);
                assertThat(require(busy, "hal9_connection_pool_max", "name", "game-db"))
                        .isEqualTo(2.0);
                assertThat(a.get()).isNotEqualTo(b.get());
            }
            String scrape = registry.scrape();
            assertThat(require(scrape, "hal9_connection_pool_active", "name", "game-db"))
                    .isEqualTo(0.0);
            assertThat(require(scrape, "hal9_connection_pool_idle", "name", "game-db"))
                    .isEqualTo(2.0);
            assertThat(require(scrape, "hal9_connection_pool_acquired_total", "name", "game-db"))
                    .isEqualTo(2.0);
            assertThat(require(scrape, "hal9_connection_pool_creations_total", "name", "game-db"))
                    .isEqualTo(2.0);
            assertThat(require(scrape, "hal9_connection_pool_acquire_seconds_count", "name", "game-db"))
                    .isEqualTo(2.0);
        }
    }
}

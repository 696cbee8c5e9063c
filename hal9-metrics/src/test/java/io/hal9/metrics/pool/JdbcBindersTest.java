package io.hal9.metrics.pool;

import static io.hal9.metrics.Scrapes.require;
import static org.assertj.core.api.Assertions.assertThat;

import io.hal9.metrics.PrometheusBinaries;
import io.hal9.metrics.Scrapes;
import io.hal9.pool.jdbc.JdbcPool;
import io.hal9.pool.jdbc.ReadWriteRouter;
import io.hal9.testkit.PostgresService;
import io.hal9.testkit.RequiresPostgres;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.sql.Connection;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@RequiresPostgres
@Timeout(60)
class JdbcBindersTest {
    private final PrometheusMeterRegistry registry = Scrapes.registry();

    private static JdbcPool pool(PostgresService pg, String name) {
        return JdbcPool.builder(name)
                .jdbcUrl(pg.jdbcUrl())
                .maxConnections(2)
                .minConnections(0)
                .connectionTimeout(Duration.ofSeconds(2))
                .build();
    }

    @Test
    void jdbcPoolExposesItsGaugesAndHikariCpsOwnMetrics(PostgresService pg) throws Exception {
        try (JdbcPool pool = pool(pg, "games")) {
            JdbcPoolMetrics.builder(pool).build().bindTo(registry);
            try (Connection c = pool.dataSource().getConnection()) {
                assertThat(c.isValid(1)).isTrue();
                String busy = registry.scrape();
                assertThat(require(busy, "hal9_jdbc_pool_active", "name", "games"))
                        .isEqualTo(1.0);
                assertThat(require(busy, "hal9_jdbc_pool_max", "name", "games")).isEqualTo(2.0);
            }
            String scrape = registry.scrape();
            assertThat(require(scrape, "hal9_jdbc_pool_active", "name", "games"))
                    .isEqualTo(0.0);
            assertThat(require(scrape, "hal9_jdbc_pool_open", "name", "games")).isGreaterThanOrEqualTo(1.0);
            // HikariCP's own tracker, installed on the running pool
            assertThat(require(scrape, "hikaricp_connections_acquire_seconds_count", "pool", "games"))
                    .isGreaterThanOrEqualTo(1.0);
            assertThat(require(scrape, "hikaricp_connections_max", "pool", "games"))
                    .isEqualTo(2.0);
        }
    }

    @Test
    void aPoolWhoseBuilderHadHikarisTrackerKeepsIt(PostgresService pg) throws Exception {
        try (JdbcPool pool = JdbcPool.builder("primed")
                .jdbcUrl(pg.jdbcUrl())
                .maxConnections(1)
                .minConnections(0)
                .metricsTrackerFactory(JdbcPoolMetrics.hikariTrackerFactory(registry))
                .build()) {
            JdbcPoolMetrics.builder(pool).build().bindTo(registry); // must not throw
            try (Connection c = pool.dataSource().getConnection()) {
                assertThat(c.isValid(1)).isTrue();
            }
            assertThat(require(registry.scrape(), "hikaricp_connections_max", "pool", "primed"))
                    .isEqualTo(1.0);
        }
    }

    @Test
    void routerExposesReadsByTargetTransactionsAndReplicaHealth(PostgresService pg) throws Exception {
        try (ReadWriteRouter router = ReadWriteRouter.builder("game-db")
                .primary(pool(pg, "primary"))
                .replica(pool(pg, "replica-1"))
                .build()) {
            ReadWriteRouterMetrics.builder(router).bindPools(true).build().bindTo(registry);
            for (int i = 0; i < 3; i++) {
                router.reads(c -> c.isValid(1));
            }
            router.writes(c -> c.isValid(1));
            router.inTransaction(c -> c.isValid(1));

            String scrape = registry.scrape();
            assertThat(require(scrape, "hal9_router_reads_total", "name", "game-db", "target", "replica"))
                    .isEqualTo(3.0);
            assertThat(require(scrape, "hal9_router_reads_total", "name", "game-db", "target", "primary"))
                    .isEqualTo(0.0);
            assertThat(require(scrape, "hal9_router_writes_total", "name", "game-db"))
                    .isGreaterThanOrEqualTo(1.0);
            assertThat(require(scrape, "hal9_router_transactions_total", "name", "game-db", "result", "commit"))
                    .isEqualTo(1.0);
            assertThat(require(scrape, "hal9_router_replica_up", "name", "game-db", "replica", "replica-1"))
                    .isEqualTo(1.0);
            assertThat(require(scrape, "hal9_router_replica_reads_total", "name", "game-db", "replica", "replica-1"))
                    .isEqualTo(3.0);
            // bindPools: both pools are bound, HAL9's gauges and HikariCP's
            assertThat(require(scrape, "hal9_jdbc_pool_max", "name", "replica-1"))
                    .isEqualTo(2.0);
            assertThat(require(scrape, "hikaricp_connections_max", "pool", "primary"))
                    .isEqualTo(2.0);
            PrometheusBinaries.Check check = PrometheusBinaries.checkMetrics(scrape);
            assertThat(check.exitCode())
                    .as("promtool check metrics said:\n%s", check.output())
                    .isZero();
        }
    }
}

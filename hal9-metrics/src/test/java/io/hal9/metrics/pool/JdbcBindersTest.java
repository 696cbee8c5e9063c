package io.hal9.metrics.pool;

import static io.hal9.metrics.Scrapes.require;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hal9.metrics.PrometheusBinaries;
import io.hal9.metrics.Scrapes;
import io.hal9.pool.jdbc.JdbcPool;
import io.hal9.pool.jdbc.ReadWriteRouter;
import io.hal9.testkit.PostgresService;
import io.hal9.testkit.RequiresPostgres;
import io.micrometer.core.instrument.Tags;
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

    /** The names of the series in a scrape that report the pool named {@code pool}, by either set. */
    private static java.util.Set<String> poolSeries(String scrape, String pool) {
        java.util.Set<String> names = new java.util.TreeSet<>();
        for (Scrapes.Sample s : Scrapes.parse(scrape)) {
            boolean hikari =
                    s.name().startsWith("hikaricp_") && pool.equals(s.labels().get("pool"));
            boolean hal9 = s.name().startsWith("hal9_jdbc_pool_")
                    && pool.equals(s.labels().get("name"));
            if (hikari || hal9) {
                names.add(s.name());
            }
        }
        return names;
    }

    @Test
    void aJdbcPoolIsReportedOnceByHikariCpsOwnMeters(PostgresService pg) throws Exception {
        try (JdbcPool pool = pool(pg, "games")) {
            assertThat(JdbcPoolMetrics.monitor(registry, pool)).isSameAs(pool);
            try (Connection c = pool.dataSource().getConnection()) {
                assertThat(c.isValid(1)).isTrue();
                // HikariCP refreshes its gauges' figures at most once a second
                await().untilAsserted(() -> assertThat(
                                require(registry.scrape(), "hikaricp_connections_active", "pool", "games"))
                        .isEqualTo(1.0));
            }
            await().untilAsserted(
                            () -> assertThat(require(registry.scrape(), "hikaricp_connections_active", "pool", "games"))
                                    .isEqualTo(0.0));
            String scrape = registry.scrape();
            assertThat(require(scrape, "hikaricp_connections_max", "pool", "games"))
                    .isEqualTo(2.0);
            assertThat(require(scrape, "hikaricp_connections_acquire_seconds_count", "pool", "games"))
                    .isGreaterThanOrEqualTo(1.0);
            assertThat(poolSeries(scrape, "games"))
                    .as("reported once: no hal9_jdbc_pool_* beside HikariCP's")
                    .isNotEmpty()
                    .allMatch(n -> n.startsWith("hikaricp_"));
            // binding again (another binder of the same pool) adds nothing
            JdbcPoolMetrics.builder(pool).build().bindTo(registry);
            assertThat(poolSeries(registry.scrape(), "games")).allMatch(n -> n.startsWith("hikaricp_"));
        }
    }

    @Test
    void withoutHikariCpsMetersHal9sGaugesReportThePoolInstead(PostgresService pg) throws Exception {
        try (JdbcPool pool = pool(pg, "plain")) {
            JdbcPoolMetrics.builder(pool)
                    .hikariMetrics(false)
                    .tags(Tags.of("region", "eu"))
                    .build()
                    .bindTo(registry);
            try (Connection c = pool.dataSource().getConnection()) {
                assertThat(c.isValid(1)).isTrue();
                assertThat(require(registry.scrape(), "hal9_jdbc_pool_active", "name", "plain", "region", "eu"))
                        .isEqualTo(1.0);
            }
            String scrape = registry.scrape();
            assertThat(require(scrape, "hal9_jdbc_pool_max", "name", "plain")).isEqualTo(2.0);
            assertThat(require(scrape, "hal9_jdbc_pool_open", "name", "plain")).isGreaterThanOrEqualTo(1.0);
            assertThat(poolSeries(scrape, "plain")).allMatch(n -> n.startsWith("hal9_jdbc_pool_"));
        }
    }

    @Test
    void aPoolWhoseHikariCpReportsToAnotherRegistryIsReportedHereByHal9sGauges(PostgresService pg) throws Exception {
        PrometheusMeterRegistry other = Scrapes.registry();
        try (JdbcPool pool = JdbcPool.builder("elsewhere")
                .jdbcUrl(pg.jdbcUrl())
                .maxConnections(1)
                .minConnections(0)
                .metricsTrackerFactory(JdbcPoolMetrics.hikariTrackerFactory(other))
                .build()) {
            JdbcPoolMetrics.monitor(registry, pool);
            assertThat(poolSeries(registry.scrape(), "elsewhere"))
                    .containsExactly(
                            "hal9_jdbc_pool_active",
                            "hal9_jdbc_pool_idle",
                            "hal9_jdbc_pool_max",
                            "hal9_jdbc_pool_open",
                            "hal9_jdbc_pool_pending");
            assertThat(poolSeries(other.scrape(), "elsewhere")).allMatch(n -> n.startsWith("hikaricp_"));
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
            String scrape = registry.scrape();
            assertThat(require(scrape, "hikaricp_connections_max", "pool", "primed"))
                    .isEqualTo(1.0);
            assertThat(poolSeries(scrape, "primed")).allMatch(n -> n.startsWith("hikaricp_"));
        }
    }

    @Test
    void routerExposesReadsByTargetTransactionsAndReplicaHealth(PostgresService pg) throws Exception {
        try (ReadWriteRouter router = ReadWriteRouter.builder("game-db")
                .primary(pool(pg, "primary"))
                .replica(pool(pg, "replica-1"))
                .build()) {
            assertThat(ReadWriteRouterMetrics.monitor(registry, router)).isSameAs(router);
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
            // monitor binds both pools, each once, by HikariCP's meters
            assertThat(require(scrape, "hikaricp_connections_max", "pool", "replica-1"))
                    .isEqualTo(2.0);
            assertThat(require(scrape, "hikaricp_connections_max", "pool", "primary"))
                    .isEqualTo(2.0);
            assertThat(poolSeries(scrape, "primary")).allMatch(n -> n.startsWith("hikaricp_"));
            assertThat(poolSeries(scrape, "replica-1")).allMatch(n -> n.startsWith("hikaricp_"));
            PrometheusBinaries.Check check = PrometheusBinaries.checkMetrics(scrape);
            assertThat(check.exitCode())
                    .as("promtool check metrics said:\n%s", check.output())
                    .isZero();
        }
    }
}

package io.hal9.pool.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hal9.testkit.PostgresService;
import io.hal9.testkit.RequiresPostgres;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The router against the real PostgreSQL of the test services. Replicas are extra pools on the same
 * server, told apart by a custom setting each pool's connections start with ({@code options=-c
 * hal9.role=...}, a driver property passed through {@link JdbcPool.Builder#dataSourceProperty}); a
 * replica is made unreachable with a closed port, or stopped and restarted with a {@link TcpProxy}.
 */
@RequiresPostgres
@Timeout(30)
class ReadWriteRouterPostgresTest {
    @AfterEach
    void awaitClosedConnections(PostgresService pg) throws SQLException {
        PgBackends.awaitClosed(pg); // every test closes its router (and pools) in try-with-resources
    }

    private static final JdbcFunction<String> ROLE = c -> {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT current_setting('hal9.role')")) {
            rs.next();
            return rs.getString(1);
        }
    };

    private static JdbcPool pool(String url, String role, boolean failFast) {
        return JdbcPool.builder(role)
                .jdbcUrl(url)
                .dataSourceProperty("options", "-c hal9.role=" + role)
                .maxConnections(2)
                .minConnections(0)
                .connectionTimeout(Duration.ofMillis(500))
                .failFast(failFast)
                .build();
    }

    @Test
    void writesAndTransactionsGoToThePrimaryAndReadsToTheReplicas(PostgresService pg) {
        try (ReadWriteRouter db = ReadWriteRouter.builder("games")
                .primary(pool(pg.jdbcUrl(), "primary", true))
                .replica(pool(pg.jdbcUrl(), "r1", true))
                .replica(pool(pg.jdbcUrl(), "r2", true))
                .build()) {
            db.writes(c -> {
                try (Statement s = c.createStatement()) {
                    return s.executeUpdate("CREATE TABLE games (id bigint PRIMARY KEY, role text NOT NULL)");
                }
            });
            String inserted = db.inTransaction(c -> {
                String role = ROLE.apply(c);
                try (Statement s = c.createStatement()) {
                    s.executeUpdate("INSERT INTO games VALUES (1, current_setting('hal9.role'))");
                }
                return role;
            });
            Set<String> readers = new HashSet<>();
            for (int i = 0; i < 20; i++) {
                readers.add(db.reads(ROLE));
            }
            String writtenBy = db.reads(c -> {
                try (Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery("SELECT role FROM games WHERE id = 1")) {
                    rs.next();
                    return rs.getString(1);
                }
            });

            assertThat(db.writes(ROLE)).isEqualTo("primary");
            assertThat(inserted).isEqualTo("primary");
            assertThat(writtenBy).isEqualTo("primary");
            assertThat(readers).containsExactlyInAnyOrder("r1", "r2");
            ReadWriteRouter.Stats stats = db.stats();
            assertThat(stats.replicaReads()).isEqualTo(21);
            assertThat(stats.primaryReads()).isZero();
            assertThat(stats.transactions()).isEqualTo(1);
        }
    }

    @Test
    void readsFallBackToThePrimaryWhenTheOnlyReplicaPointsAtAClosedPort(PostgresService pg) throws Exception {
        String deadUrl = PgUrls.onLocalPort(pg.jdbcUrl(), PgUrls.closedPort());
        List<String> downs = new CopyOnWriteArrayList<>();
        try (ReadWriteRouter db = ReadWriteRouter.builder("games")
                .primary(pool(pg.jdbcUrl(), "primary", true))
                .replica(pool(deadUrl, "dead", false))
                .listener(new RouterListener() {
                    @Override
                    public void onReplicaDown(String replica, Throwable cause) {
                        downs.add(replica + " " + SqlFailures.sqlState(cause));
                    }
                })
                .probeBackoff(Duration.ofMinutes(1), Duration.ofMinutes(1))
                .build()) {
            List<String> readers = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                readers.add(db.reads(ROLE));
            }

            assertThat(readers).containsOnly("primary").hasSize(10);
            assertThat(downs).containsExactly("dead 08001");
            ReadWriteRouter.Stats stats = db.stats();
            assertThat(stats.fallbacks()).isEqualTo(10);
            assertThat(stats.replicas().get(0).up()).isFalse();
            assertThat(stats.replicas().get(0).downs()).isEqualTo(1);
        }
    }

    @Test
    void aReadWhoseReplicaBackendDiesMidReadIsRunAgainOnThePrimaryInTheSameCall(PostgresService pg) {
        try (ReadWriteRouter db = ReadWriteRouter.builder("games")
                .primary(pool(pg.jdbcUrl(), "primary", true))
                .replica(pool(pg.jdbcUrl(), "r1", true))
                .probeBackoff(Duration.ofMinutes(1), Duration.ofMinutes(1))
                .build()) {
            List<String> ranOn = new CopyOnWriteArrayList<>();
            String answer = db.reads(c -> {
                String role = ROLE.apply(c);
                ranOn.add(role);
                if (role.equals("r1")) {
                    try (Statement s = c.createStatement()) {
                        // the replica's backend ends mid-read, as when a replica restarts (SQLState 57P01)
                        s.execute("SELECT pg_terminate_backend(pg_backend_pid())");
                    }
                }
                return role;
            });

            assertThat(answer).isEqualTo("primary");
            assertThat(ranOn).containsExactly("r1", "primary");
            ReadWriteRouter.Stats stats = db.stats();
            assertThat(stats.replicas().get(0).up()).isFalse();
            assertThat(stats.fallbacks()).isEqualTo(1);
            assertThat(stats.primaryReads()).isEqualTo(1);
        }
    }

    @Test
    void aDeadReplicaIsSkippedWhileAnotherServesTheReads(PostgresService pg) throws Exception {
        String deadUrl = PgUrls.onLocalPort(pg.jdbcUrl(), PgUrls.closedPort());
        try (ReadWriteRouter db = ReadWriteRouter.builder("games")
                .primary(pool(pg.jdbcUrl(), "primary", true))
                .replica(pool(deadUrl, "dead", false))
                .replica(pool(pg.jdbcUrl(), "alive", true))
                .build()) {
            Set<String> readers = new HashSet<>();
            for (int i = 0; i < 10; i++) {
                readers.add(db.reads(ROLE));
            }
            assertThat(readers).containsExactly("alive");
            assertThat(db.stats().fallbacks()).isZero();
        }
    }

    @Test
    void readsComeBackToAReplicaWhenItRecovers(PostgresService pg) throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        try (TcpProxy proxy = new TcpProxy(PgUrls.host(pg.jdbcUrl()), PgUrls.port(pg.jdbcUrl()));
                ReadWriteRouter db = ReadWriteRouter.builder("games")
                        .primary(pool(pg.jdbcUrl(), "primary", true))
                        .replica(pool(PgUrls.onLocalPort(pg.jdbcUrl(), proxy.port()), "proxied", true))
                        .probeBackoff(Duration.ofMillis(20), Duration.ofMillis(200))
                        .listener(new RouterListener() {
                            @Override
                            public void onReplicaDown(String replica, Throwable cause) {
                                events.add("down " + replica);
                            }

                            @Override
                            public void onReplicaUp(String replica, long downNanos) {
                                events.add("up " + replica);
                            }
                        })
                        .build()) {
            assertThat(db.reads(ROLE)).isEqualTo("proxied");

            proxy.cut();
            // The first read after the cut may run on a pooled connection that is now dead: it fails
            // (it is not run again) and marks the replica down; later reads go to the primary.
            int failedReads = 0;
            String reader = null;
            while (reader == null) {
                try {
                    reader = db.reads(ROLE);
                } catch (JdbcException e) {
                    assertThat(e.isTransient())
                            .as("a lost connection is transient: %s", e)
                            .isTrue();
                    failedReads++;
                }
            }
            assertThat(reader).isEqualTo("primary");
            assertThat(failedReads).isLessThanOrEqualTo(1);
            assertThat(events).containsExactly("down proxied");

            proxy.restore();
            await().atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(25))
                    .until(() -> db.reads(ROLE).equals("proxied"));

            assertThat(events).containsExactly("down proxied", "up proxied");
            ReadWriteRouter.ReplicaStats replica = db.stats().replicas().get(0);
            assertThat(replica.up()).isTrue();
            assertThat(replica.downs()).isEqualTo(1);
            assertThat(replica.probes()).isGreaterThanOrEqualTo(1);
            assertThat(db.stats().fallbacks()).isGreaterThanOrEqualTo(1);
        }
    }
}

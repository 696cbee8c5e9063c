package io.hal9.pool.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.IMetricsTracker;
import com.zaxxer.hikari.metrics.MetricsTrackerFactory;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(20)
class JdbcPoolTest {

    private static String h2() {
        return "jdbc:h2:mem:pool-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
    }

    private static JdbcPool.Builder small(String name) {
        return JdbcPool.builder(name).jdbcUrl(h2()).maxConnections(4).minConnections(0);
    }

    @Test
    void appliesTheSeedsDefaultsAndTheNameToHikari() {
        try (JdbcPool pool = JdbcPool.builder("defaults").jdbcUrl(h2()).build()) {
            HikariDataSource hikari = pool.hikari();
            assertThat(hikari.getPoolName()).isEqualTo("defaults");
            assertThat(hikari.getMaximumPoolSize()).isEqualTo(100);
            assertThat(hikari.getMinimumIdle()).isEqualTo(10);
            assertThat(hikari.getConnectionTimeout()).isEqualTo(30_000);
            assertThat(hikari.getIdleTimeout()).isEqualTo(600_000);
            assertThat(hikari.getMaxLifetime()).isEqualTo(1_800_000);
            assertThat(hikari.getKeepaliveTime()).isEqualTo(120_000);
            assertThat(hikari.getValidationTimeout()).isEqualTo(5_000);
            assertThat(hikari.getInitializationFailTimeout()).isEqualTo(1);
            assertThat(hikari.isReadOnly()).isFalse();
            assertThat(pool.dataSource()).isSameAs(hikari);
            assertThat(pool.name()).isEqualTo("defaults");
            assertThat(pool.stats().maxConnections()).isEqualTo(100);
        }
    }

    @Test
    void appliesEveryOption() {
        List<String> trackedPools = new CopyOnWriteArrayList<>();
        MetricsTrackerFactory metrics = (poolName, poolStats) -> {
            trackedPools.add(poolName);
            return new IMetricsTracker() {};
        };
        Consumer<com.zaxxer.hikari.HikariConfig> customizer = c -> c.setConnectionInitSql("SELECT 1");
        try (JdbcPool pool = JdbcPool.builder("options")
                .jdbcUrl(h2())
                .username("sa")
                .password("")
                .dataSourceProperty("TRACE_LEVEL_SYSTEM_OUT", "0")
                .maxConnections(7)
                .minConnections(2)
                .connectionTimeout(Duration.ofSeconds(3))
                .idleTimeout(Duration.ofSeconds(20))
                .maxLifetime(Duration.ofMinutes(5))
                .keepaliveTime(Duration.ofMinutes(1))
                .validationTimeout(Duration.ofSeconds(1))
                .readOnly(true)
                .failFast(false)
                .metricsTrackerFactory(metrics)
                .customize(customizer)
                .build()) {
            HikariDataSource hikari = pool.hikari();
            assertThat(hikari.getUsername()).isEqualTo("sa");
            assertThat(hikari.getDataSourceProperties()).containsEntry("TRACE_LEVEL_SYSTEM_OUT", "0");
            assertThat(hikari.getMaximumPoolSize()).isEqualTo(7);
            assertThat(hikari.getMinimumIdle()).isEqualTo(2);
            assertThat(hikari.getConnectionTimeout()).isEqualTo(3_000);
            assertThat(hikari.getIdleTimeout()).isEqualTo(20_000);
            assertThat(hikari.getMaxLifetime()).isEqualTo(300_000);
            assertThat(hikari.getKeepaliveTime()).isEqualTo(60_000);
            assertThat(hikari.getValidationTimeout()).isEqualTo(1_000);
            assertThat(hikari.isReadOnly()).isTrue();
            assertThat(hikari.getInitializationFailTimeout()).isEqualTo(-1);
            assertThat(hikari.getConnectionInitSql()).isEqualTo("SELECT 1");
            assertThat(trackedPools).containsExactly("options");
        }
    }

    @Test
    void aShortConnectionTimeoutAlsoShortensTheDefaultValidationTimeout() {
        try (JdbcPool pool =
                small("short").connectionTimeout(Duration.ofSeconds(1)).build()) {
            assertThat(pool.hikari().getValidationTimeout()).isEqualTo(1_000);
        }
    }

    @Test
    void statsFollowBorrowedConnections() throws SQLException {
        try (JdbcPool pool = small("stats").build()) {
            try (Connection a = pool.dataSource().getConnection();
                    Connection b = pool.dataSource().getConnection()) {
                assertThat(a.isValid(1)).isTrue();
                assertThat(b.isValid(1)).isTrue();
                JdbcPool.Stats borrowed = pool.stats();
                assertThat(borrowed.active()).isEqualTo(2);
                assertThat(borrowed.total()).isGreaterThanOrEqualTo(2);
                assertThat(borrowed.maxConnections()).isEqualTo(4);
            }
            assertThat(pool.stats().active()).isZero();
            assertThat(pool.stats().idle()).isGreaterThanOrEqualTo(2);
            assertThat(pool.toString()).startsWith("jdbc pool 'stats'[max=4, active=0");
        }
    }

    @Test
    void anExhaustedPoolFailsAfterConnectionTimeoutWithATransientException() throws SQLException {
        try (JdbcPool pool = JdbcPool.builder("exhausted")
                        .jdbcUrl(h2())
                        .maxConnections(1)
                        .minConnections(0)
                        .connectionTimeout(Duration.ofMillis(250))
                        .build();
                Connection held = pool.dataSource().getConnection()) {
            assertThat(held.isValid(1)).isTrue();
            assertThatThrownBy(() -> pool.dataSource().getConnection())
                    .isInstanceOf(SQLTransientConnectionException.class)
                    .hasMessageContaining("exhausted")
                    .hasMessageContaining("active=1")
                    .satisfies(e -> assertThat(SqlFailures.isTransient(e)).isTrue());
        }
    }

    @Test
    void closeIsIdempotentAndRefusesNewConnections() {
        JdbcPool pool = small("closing").build();
        pool.close();
        pool.close();
        assertThat(pool.isClosed()).isTrue();
        assertThat(pool.stats()).isEqualTo(new JdbcPool.Stats(4, 0, 0, 0, 0));
        assertThatThrownBy(() -> pool.dataSource().getConnection())
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void failFastReportsAnUnreachableDatabaseWithoutItsPassword() throws IOException {
        String url = "jdbc:postgresql://127.0.0.1:" + PgUrls.closedPort() + "/test?user=u&password=hunter2";
        assertThatThrownBy(() -> JdbcPool.builder("down")
                        .jdbcUrl(url)
                        .connectionTimeout(Duration.ofMillis(250))
                        .build())
                .isInstanceOf(JdbcException.class)
                .hasMessageStartingWith(
                        "jdbc pool 'down': could not open a first connection to jdbc:postgresql://127.0.0.1:")
                .hasMessageContaining("password=***")
                .hasMessageContaining("failFast(false)")
                .hasMessageNotContaining("hunter2")
                .satisfies(e -> assertThat(((JdbcException) e).sqlState()).isEqualTo("08001"));
    }

    @Test
    void withoutFailFastAPoolStartsWhileTheDatabaseIsDownAndFailsOnUse() throws IOException {
        String url = "jdbc:postgresql://127.0.0.1:" + PgUrls.closedPort() + "/test";
        try (JdbcPool pool = JdbcPool.builder("lazy")
                .jdbcUrl(url)
                .minConnections(0)
                .connectionTimeout(Duration.ofMillis(250))
                .failFast(false)
                .build()) {
            assertThatThrownBy(() -> pool.dataSource().getConnection())
                    .isInstanceOf(SQLTransientConnectionException.class)
                    .satisfies(e -> assertThat(SqlFailures.sqlState(e)).isEqualTo("08001"));
        }
    }

    @Test
    void optionsAreCheckedWhenSetWithMessagesNamingPoolOptionRangeAndValue() {
        JdbcPool.Builder b = JdbcPool.builder("db");
        assertThatThrownBy(() -> b.maxConnections(0))
                .hasMessage("jdbc pool 'db': maxConnections must be in [1, 10000], was 0");
        assertThatThrownBy(() -> b.minConnections(-1))
                .hasMessage("jdbc pool 'db': minConnections must be in [0, 10000], was -1");
        assertThatThrownBy(() -> b.connectionTimeout(Duration.ofMillis(100)))
                .hasMessage("jdbc pool 'db': connectionTimeout must be in [PT0.25S, PT1H], was PT0.1S");
        assertThatThrownBy(() -> b.idleTimeout(Duration.ofSeconds(5)))
                .hasMessage("jdbc pool 'db': idleTimeout must be 0 (never) or in [PT10S, PT168H], was PT5S");
        assertThatThrownBy(() -> b.maxLifetime(Duration.ofSeconds(-1)))
                .hasMessage("jdbc pool 'db': maxLifetime must be 0 (never) or in [PT30S, PT168H], was PT-1S");
        assertThatThrownBy(() -> b.keepaliveTime(Duration.ofSeconds(29)))
                .hasMessage("jdbc pool 'db': keepaliveTime must be 0 (never) or in [PT30S, PT168H], was PT29S");
        assertThatThrownBy(() -> b.validationTimeout(Duration.ofMillis(249)))
                .hasMessage("jdbc pool 'db': validationTimeout must be in [PT0.25S, PT1H], was PT0.249S");
        assertThatThrownBy(() -> b.jdbcUrl("postgres://u:secret@db/x"))
                .hasMessage("jdbc pool 'db': jdbcUrl must start with 'jdbc:', was 'postgres://u:***@db/x'");
        assertThatThrownBy(() -> b.dataSourceProperty(" ", "x"))
                .hasMessage("jdbc pool 'db': dataSourceProperty key must not be blank");
        assertThatThrownBy(() -> JdbcPool.builder(" ")).hasMessageContaining("jdbc pool name must be");
    }

    @Test
    void optionsMayBeSetOnlyOnce() {
        JdbcPool.Builder b = JdbcPool.builder("db").maxConnections(5).dataSourceProperty("a", "1");
        assertThatThrownBy(() -> b.maxConnections(6))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("jdbc pool 'db': maxConnections was already set");
        assertThatThrownBy(() -> b.dataSourceProperty("a", "2"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("jdbc pool 'db': dataSourceProperty 'a' was already set");
        b.dataSourceProperty("b", "2"); // another key is fine
    }

    @Test
    void buildChecksTheRulesBetweenOptions() {
        assertThatThrownBy(() -> JdbcPool.builder("db").build())
                .hasMessage("jdbc pool 'db': jdbcUrl or dataSource must be set");
        assertThatThrownBy(() -> JdbcPool.builder("db")
                        .jdbcUrl(h2())
                        .dataSource(new SwitchableDataSource("x"))
                        .build())
                .hasMessage("jdbc pool 'db': set jdbcUrl or dataSource, not both");
        assertThatThrownBy(() -> JdbcPool.builder("db")
                        .dataSource(new SwitchableDataSource("x"))
                        .dataSourceProperty("a", "1")
                        .build())
                .hasMessage("jdbc pool 'db': dataSourceProperty needs jdbcUrl; a DataSource given to dataSource()"
                        + " is used as it is, was given [a]");
        assertThatThrownBy(() ->
                        JdbcPool.builder("db").jdbcUrl(h2()).maxConnections(4).build())
                .hasMessage("jdbc pool 'db': maxConnections must be >= minConnections (10), was 4");
        assertThatThrownBy(() -> JdbcPool.builder("db")
                        .jdbcUrl(h2())
                        .connectionTimeout(Duration.ofSeconds(1))
                        .validationTimeout(Duration.ofSeconds(2))
                        .build())
                .hasMessage("jdbc pool 'db': validationTimeout must be <= connectionTimeout (PT1S), was PT2S");
        assertThatThrownBy(() -> JdbcPool.builder("db")
                        .jdbcUrl(h2())
                        .maxLifetime(Duration.ofMinutes(5))
                        .build())
                .hasMessage(
                        "jdbc pool 'db': idleTimeout must be at least 1s shorter than maxLifetime (PT5M), was PT10M");
        assertThatThrownBy(() -> JdbcPool.builder("db")
                        .jdbcUrl(h2())
                        .maxLifetime(Duration.ofMinutes(2))
                        .idleTimeout(Duration.ofMinutes(1))
                        .build())
                .hasMessage("jdbc pool 'db': keepaliveTime must be shorter than maxLifetime (PT2M), was PT2M"
                        + " (set keepaliveTime(Duration.ZERO) to turn keepalive off)");
    }

    @Test
    void aUrlNoDriverTakesIsRefusedWithoutRepeatingItsPassword() {
        assertThatThrownBy(() -> JdbcPool.builder("nodriver")
                        .jdbcUrl("jdbc:nosuchdb://host/db?user=u&password=hunter2")
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("jdbc pool 'nodriver': HikariCP refused the configuration for"
                        + " jdbc:nosuchdb://host/db?user=u&password=***: ")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void zeroTurnsIdleTimeoutLifetimeAndKeepaliveOff() {
        try (JdbcPool pool = small("forever")
                .idleTimeout(Duration.ZERO)
                .maxLifetime(Duration.ZERO)
                .keepaliveTime(Duration.ZERO)
                .build()) {
            assertThat(pool.hikari().getIdleTimeout()).isZero();
            assertThat(pool.hikari().getMaxLifetime()).isZero();
            assertThat(pool.hikari().getKeepaliveTime()).isZero();
        }
    }

    @Test
    void aDriversDataSourceCanBePooled() throws SQLException {
        SwitchableDataSource h2 = new SwitchableDataSource("given");
        try (JdbcPool pool = JdbcPool.builder("given")
                        .dataSource(h2)
                        .maxConnections(2)
                        .minConnections(0)
                        .build();
                Connection c = pool.dataSource().getConnection()) {
            assertThat(h2.served(c.getMetaData().getURL())).isTrue();
        }
    }
}

package io.hal9.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;
import org.junit.platform.testkit.engine.EventType;

/**
 * Runs small fixture test classes through the JUnit engine, then checks from the outside that
 * their schemas and keys are gone: the cleanup is observed after their scope really ended.
 */
@RequiresPostgres
@RequiresRedis
@Timeout(60)
class LeavesNothingBehindTest {

    private static final Queue<String> SCHEMAS = new ConcurrentLinkedQueue<>();
    private static final Queue<String> PREFIXES = new ConcurrentLinkedQueue<>();
    private static final Queue<Connection> LEAKED = new ConcurrentLinkedQueue<>();
    private static volatile boolean runningFixtures;

    /** The fixtures run only when started from here, not when a runner finds them itself. */
    static boolean runningFixtures() {
        return runningFixtures;
    }

    private static EngineExecutionResults run(Class<?> fixture) {
        runningFixtures = true;
        try {
            return EngineTestKit.engine("junit-jupiter")
                    .selectors(selectClass(fixture))
                    .execute();
        } finally {
            runningFixtures = false;
        }
    }

    /** Asserts that the fixture ran {@code count} tests and all passed, showing why any did not. */
    private static void assertAllPassed(EngineExecutionResults results, int count) {
        List<String> problems = results.testEvents().list().stream()
                .filter(e -> e.getType() == EventType.FINISHED || e.getType() == EventType.SKIPPED)
                .filter(e -> e.getPayload(TestExecutionResult.class)
                        .map(r -> r.getStatus() != TestExecutionResult.Status.SUCCESSFUL)
                        .orElse(true))
                .map(e -> e.getTestDescriptor().getDisplayName() + ": "
                        + e.getPayload().map(Object::toString).orElse("skipped"))
                .toList();
        assertThat(problems).as("fixture tests that did not pass").isEmpty();
        results.testEvents().assertStatistics(s -> s.started(count).succeeded(count));
    }

    private static boolean schemaExists(PostgresService pg, String schema) throws SQLException {
        try (Connection c = pg.open();
                PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM pg_namespace WHERE nspname = ?")) {
            ps.setString(1, schema);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1) > 0;
            }
        }
    }

    @Test
    void eachTestsSchemaIsDroppedWhenItEndsEvenWithItsOwnConnectionsLeftOpen(PostgresService pg) throws SQLException {
        SCHEMAS.clear();

        run(PostgresFixture.class)
                .testEvents()
                .assertStatistics(s -> s.started(2).succeeded(2));

        List<String> schemas = List.copyOf(SCHEMAS);
        assertThat(schemas).hasSize(2).doesNotHaveDuplicates().doesNotContain(pg.schema());
        for (String schema : schemas) {
            assertThat(schemaExists(pg, schema))
                    .as("schema %s after its test", schema)
                    .isFalse();
        }
    }

    @Test
    void connectionsLeftOpenFromTheUrlFailTheTestAndTheSchemaIsDroppedAnyway(PostgresService pg) throws SQLException {
        SCHEMAS.clear();
        try {
            EngineExecutionResults results = run(LeakFixture.class);

            results.testEvents().assertStatistics(s -> s.started(1).failed(1));
            Event failed = results.testEvents().failed().list().get(0);
            // JUnit reports it wrapped ("Failed to close extension context"), with ours as the cause.
            assertThat(failed.getPayload(TestExecutionResult.class).flatMap(TestExecutionResult::getThrowable))
                    .hasValueSatisfying(t -> assertThat(t)
                            .rootCause()
                            .isInstanceOf(IllegalStateException.class)
                            .hasMessageContaining("1 connection(s) made with jdbcUrl() were still open when the test"
                                    + " ended; they were terminated and the schema dropped"));
            String schema = SCHEMAS.remove();
            assertThat(schemaExists(pg, schema)).isFalse();
            assertThat(LEAKED.peek()).isNotNull();
            assertThat(LEAKED.peek().isValid(2))
                    .as("the leaked connection was terminated")
                    .isFalse();
        } finally {
            for (Connection c; (c = LEAKED.poll()) != null; ) {
                c.close();
            }
        }
    }

    @Test
    void eachTestsKeysAreDeletedWhenItEnds(RedisService redis) {
        PREFIXES.clear();

        run(RedisFixture.class).testEvents().assertStatistics(s -> s.started(2).succeeded(2));

        List<String> prefixes = List.copyOf(PREFIXES);
        assertThat(prefixes).hasSize(2).doesNotHaveDuplicates().doesNotContain(redis.keyPrefix());
        RedisClient client = RedisClient.create(redis.uri());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            for (String prefix : prefixes) {
                assertThat(c.sync().keys(prefix + "*"))
                        .as("keys under %s", prefix)
                        .isEmpty();
            }
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    /** Two tests that fill their schemas; one leaves a connection from open() inside a transaction. */
    @RequiresPostgres
    @EnabledIf("io.hal9.testkit.LeavesNothingBehindTest#runningFixtures")
    @Timeout(30)
    static class PostgresFixture {

        @Test
        void fillsItsSchema(PostgresService pg) throws SQLException {
            SCHEMAS.add(pg.schema());
            try (Connection c = pg.open();
                    Statement s = c.createStatement()) {
                s.execute("CREATE TABLE scores (player int, score int)");
                s.execute("INSERT INTO scores VALUES (1, 10), (2, 20)");
            }
        }

        @Test
        void leavesAnOpenTransactionHoldingALock(PostgresService pg) throws SQLException {
            SCHEMAS.add(pg.schema());
            Connection c = pg.open(); // deliberately not closed: open() connections are closed for us
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE rooms (id int)");
                s.execute("LOCK TABLE rooms IN ACCESS EXCLUSIVE MODE");
            }
        }
    }

    /** A test that leaks a connection it made itself from the URL. */
    @RequiresPostgres
    @EnabledIf("io.hal9.testkit.LeavesNothingBehindTest#runningFixtures")
    @Timeout(30)
    static class LeakFixture {

        @Test
        void leaksAConnection(PostgresService pg) throws SQLException {
            SCHEMAS.add(pg.schema());
            Connection c = DriverManager.getConnection(pg.jdbcUrl());
            LEAKED.add(c);
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE lobbies (id int)");
            }
        }
    }

    /** Two tests that write keys under their prefixes. */
    @RequiresRedis
    @EnabledIf("io.hal9.testkit.LeavesNothingBehindTest#runningFixtures")
    @Timeout(30)
    static class RedisFixture {

        @Test
        void writesKeys(RedisService redis) {
            write(redis, 3);
        }

        @Test
        void writesMoreKeys(RedisService redis) {
            write(redis, 2500); // more than one SCAN step
        }

        private static void write(RedisService redis, int count) {
            PREFIXES.add(redis.keyPrefix());
            RedisClient client = RedisClient.create(redis.uri());
            try (StatefulRedisConnection<String, String> c = client.connect()) {
                java.util.Map<String, String> values = new java.util.HashMap<>();
                for (int i = 0; i < count; i++) {
                    values.put(redis.key("k" + i), Integer.toString(i));
                }
                c.sync().mset(values);
                assertThat(c.sync().keys(redis.keyPrefix() + "*")).hasSize(count);
            } finally {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
        }
    }
}

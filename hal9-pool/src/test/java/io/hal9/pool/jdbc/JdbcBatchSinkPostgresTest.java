package io.hal9.pool.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.hal9.core.ActionBatcher;
import io.hal9.core.BatcherListener;
import io.hal9.testkit.PostgresService;
import io.hal9.testkit.RequiresPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.postgresql.PGConnection;

/** The JDBC batch sink behind an ActionBatcher, against the real PostgreSQL of the test services. */
@RequiresPostgres
@Timeout(60)
class JdbcBatchSinkPostgresTest {
    private static final String INSERT = "INSERT INTO actions (id, game_id, kind) VALUES (?, ?, ?)";

    record Action(long id, long gameId, String kind) {}

    private static final StatementBinder<Action> BINDER = (ps, a) -> {
        ps.setLong(1, a.id());
        ps.setLong(2, a.gameId());
        ps.setString(3, a.kind());
    };

    private PostgresService pg;
    private JdbcPool pool;

    @BeforeEach
    void createTable(PostgresService pg) throws SQLException {
        this.pg = pg;
        try (Connection c = pg.open();
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE actions (id bigint PRIMARY KEY, game_id bigint NOT NULL, kind text NOT NULL)");
        }
        pool = JdbcPool.builder("primary")
                .jdbcUrl(pg.jdbcUrl())
                .dataSourceProperty("reWriteBatchedInserts", "true")
                .maxConnections(4)
                .minConnections(0)
                .build();
    }

    @AfterEach
    void closePool() throws SQLException {
        pool.close();
        PgBackends.awaitClosed(pg);
    }

    private static List<Action> actions(int from, int count) {
        List<Action> out = new ArrayList<>(count);
        for (int i = from; i < from + count; i++) {
            out.add(new Action(i, i % 97, "move-" + i));
        }
        return out;
    }

    private long query(String sql) throws SQLException {
        try (Connection c = pg.open();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void tenThousandActionsThroughTheBatcherGoInAsOneTransaction() throws SQLException {
        JdbcBatchSink<Action> sink = JdbcBatchSink.builder("actions", pool.dataSource(), INSERT, BINDER)
                .build();
        try (ActionBatcher<Action> batcher = ActionBatcher.builder("actions", sink)
                .maxBatchSize(10_000)
                .capacity(10_000)
                .maxLinger(Duration.ofSeconds(30))
                .retryOn(JdbcBatchSink.retryOn())
                .build()) {
            for (Action a : actions(0, 10_000)) {
                batcher.submit(a, Duration.ofSeconds(5));
            }
            // The batch is full: it leaves at once, without waiting for the linger.
            await().atMost(Duration.ofSeconds(20)).until(() -> batcher.pending() == 0);
            assertThat(batcher.stats().batches()).isEqualTo(1);
        }

        assertThat(query("SELECT count(*) FROM actions")).isEqualTo(10_000);
        assertThat(query("SELECT count(DISTINCT xmin::text) FROM actions"))
                .as("every row was written by the same transaction")
                .isEqualTo(1);
        assertThat(sink.stats()).isEqualTo(new BatchSinkStats(1, 10_000, 0));
    }

    @Test
    void aBackendKilledInTheMiddleOfABatchIsRetriedWithoutDuplicates() throws SQLException {
        AtomicInteger bound = new AtomicInteger();
        AtomicBoolean killed = new AtomicBoolean();
        StatementBinder<Action> killingBinder = (ps, a) -> {
            // Halfway through the first attempt (after 4 chunks went to the server), another session
            // terminates this one, as an admin or a failover would.
            if (bound.incrementAndGet() == 5_000 && killed.compareAndSet(false, true)) {
                terminate(ps.getConnection().unwrap(PGConnection.class).getBackendPID());
            }
            BINDER.bind(ps, a);
        };
        JdbcBatchSink<Action> sink = JdbcBatchSink.builder("actions", pool.dataSource(), INSERT, killingBinder)
                .chunkSize(1_000)
                .build();
        List<Throwable> retried = new CopyOnWriteArrayList<>();
        List<Action> deadLetters = new CopyOnWriteArrayList<>();
        try (ActionBatcher<Action> batcher = ActionBatcher.builder("actions", sink)
                .maxBatchSize(10_000)
                .capacity(10_000)
                .maxLinger(Duration.ofSeconds(30))
                .retryOn(JdbcBatchSink.retryOn())
                .backoff(Duration.ofMillis(10), Duration.ofMillis(100))
                .deadLetterHandler((dead, cause) -> deadLetters.addAll(dead))
                .listener(new BatcherListener() {
                    @Override
                    public void onRetry(int attempt, int size, Throwable cause) {
                        retried.add(cause);
                    }
                })
                .build()) {
            for (Action a : actions(0, 10_000)) {
                batcher.submit(a, Duration.ofSeconds(5));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> batcher.pending() == 0);
        }

        assertThat(killed).isTrue();
        assertThat(retried).hasSize(1);
        assertThat(retried.getFirst())
                .isInstanceOf(JdbcException.class)
                .satisfies(e -> assertThat(SqlFailures.isTransient(e)).isTrue());
        assertThat(deadLetters).isEmpty();
        assertThat(query("SELECT count(*) FROM actions")).isEqualTo(10_000);
        assertThat(query("SELECT count(DISTINCT id) FROM actions")).isEqualTo(10_000);
        assertThat(query("SELECT count(DISTINCT xmin::text) FROM actions")).isEqualTo(1);
        assertThat(sink.stats()).isEqualTo(new BatchSinkStats(1, 10_000, 1));
    }

    /** Terminates a backend from another session and waits until it is gone. */
    private void terminate(int pid) throws SQLException {
        try (Connection admin = pg.open();
                PreparedStatement ps = admin.prepareStatement("SELECT pg_terminate_backend(?)")) {
            ps.setInt(1, pid);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertThat(rs.getBoolean(1)).isTrue();
            }
            try (PreparedStatement alive =
                    admin.prepareStatement("SELECT count(*) FROM pg_stat_activity WHERE pid = ?")) {
                alive.setInt(1, pid);
                await().atMost(Duration.ofSeconds(10)).until(() -> {
                    try (ResultSet rs = alive.executeQuery()) {
                        rs.next();
                        return rs.getLong(1) == 0;
                    }
                });
            }
        }
    }

    @Test
    void aDuplicateKeyDeadLettersOnlyThePoisonAction() throws SQLException {
        try (Connection c = pg.open();
                Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO actions VALUES (777, 0, 'already there')");
        }
        JdbcBatchSink<Action> sink = JdbcBatchSink.builder("actions", pool.dataSource(), INSERT, BINDER)
                .build();
        List<Action> deadLetters = new CopyOnWriteArrayList<>();
        List<Throwable> causes = new CopyOnWriteArrayList<>();
        try (ActionBatcher<Action> batcher = ActionBatcher.builder("actions", sink)
                .maxBatchSize(1_000)
                .capacity(1_000)
                .maxLinger(Duration.ofSeconds(30))
                .retryOn(JdbcBatchSink.retryOn())
                .deadLetterHandler((dead, cause) -> {
                    deadLetters.addAll(dead);
                    causes.add(cause);
                })
                .build()) {
            for (Action a : actions(0, 1_000)) {
                batcher.submit(a, Duration.ofSeconds(5));
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> batcher.pending() == 0);
            assertThat(batcher.stats().retries())
                    .as("a duplicate key is not retried")
                    .isZero();
        }

        assertThat(deadLetters).containsExactly(new Action(777, 777 % 97, "move-777"));
        assertThat(causes)
                .singleElement()
                .satisfies(e -> assertThat(SqlFailures.sqlState(e)).isEqualTo("23505"));
        assertThat(query("SELECT count(*) FROM actions")).isEqualTo(1_000);
        assertThat(query("SELECT count(*) FROM actions WHERE kind = 'already there'"))
                .isEqualTo(1);
    }

    @Test
    void aFailedWriteRollsBackTheWholeBatchAndSaysWhy() throws SQLException {
        JdbcBatchSink<Action> sink = JdbcBatchSink.builder("actions", pool.dataSource(), INSERT, BINDER)
                .chunkSize(10)
                .build();
        List<Action> batch = new ArrayList<>(actions(0, 50));
        batch.add(new Action(3, 0, "duplicate of 3"));

        assertThatThrownBy(() -> sink.write(batch))
                .isInstanceOf(JdbcException.class)
                .hasMessageStartingWith("jdbc sink 'actions': batch of 51 rolled back: ")
                .hasMessageContaining("(SQLState 23505)")
                .satisfies(e -> assertThat(((JdbcException) e).isTransient()).isFalse());

        assertThat(query("SELECT count(*) FROM actions")).isZero();
        assertThat(sink.stats()).isEqualTo(new BatchSinkStats(0, 0, 1));
        sink.write(actions(0, 50));
        assertThat(query("SELECT count(*) FROM actions")).isEqualTo(50);
        assertThat(sink.stats()).isEqualTo(new BatchSinkStats(1, 50, 1));
    }

    @Test
    void aBinderExceptionRollsBackAndPassesThroughUnchanged() throws SQLException {
        IllegalStateException bug = new IllegalStateException("binder bug");
        JdbcBatchSink<Action> sink = JdbcBatchSink.<Action>builder("actions", pool.dataSource(), INSERT, (ps, a) -> {
                    if (a.id() == 5) {
                        throw bug;
                    }
                    BINDER.bind(ps, a);
                })
                .chunkSize(2)
                .build();

        assertThatThrownBy(() -> sink.write(actions(0, 10))).isSameAs(bug);
        assertThat(query("SELECT count(*) FROM actions")).isZero();
        assertThat(JdbcBatchSink.retryOn().test(bug)).isFalse();
    }

    @Test
    void theBuilderChecksItsOptions() {
        assertThatThrownBy(() -> JdbcBatchSink.builder("actions", pool.dataSource(), " ", BINDER))
                .hasMessage("jdbc sink 'actions': sql must not be blank");
        JdbcBatchSink.Builder<Action> b = JdbcBatchSink.builder("actions", pool.dataSource(), INSERT, BINDER);
        assertThatThrownBy(() -> b.chunkSize(0))
                .hasMessage("jdbc sink 'actions': chunkSize must be in [1, 1048576], was 0");
        b.chunkSize(5);
        assertThatThrownBy(() -> b.chunkSize(6)).hasMessage("jdbc sink 'actions': chunkSize was already set");
    }
}

package io.hal9.benchmarks.pool;

import io.hal9.benchmarks.report.Contender;
import io.hal9.benchmarks.report.Race;
import io.hal9.pool.jdbc.CopyBatchSink;
import io.hal9.pool.jdbc.CopyRow;
import io.hal9.pool.jdbc.JdbcBatchSink;
import io.hal9.pool.jdbc.JdbcPool;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.postgresql.PGConnection;

/**
 * Inserting game actions into PostgreSQL: HAL9's batch sinks against the raw JDBC a team would write,
 * in the same run. Each invocation writes one batch into an emptied table, in one transaction.
 *
 * <ul>
 *   <li>{@link #rowPerAutocommit} ({@value #AUTOCOMMIT_ROWS} rows, it is slow): the seed's baseline, one
 *       {@code executeUpdate} per row in auto-commit mode, so one transaction (and one WAL flush) per row;
 *   <li>{@link #batched} ({@value #ROWS} rows), by {@code impl}:
 *       <ul>
 *         <li>{@code raw-batch}: {@code addBatch} with an {@code executeBatch} every 1,000 rows and one
 *             commit, on a pool with {@code reWriteBatchedInserts=true} (the driver then sends
 *             multi-row inserts), the anchor;
 *         <li>{@code hal9-batch}: the same through {@link JdbcBatchSink#write} (target: at least 0.9x
 *             {@code raw-batch});
 *         <li>{@code raw-copy}: PostgreSQL {@code COPY FROM STDIN} in text format from a hand-built string
 *             (no escaping: this data needs none) through {@code CopyManager};
 *         <li>{@code hal9-copy}: the same through {@link CopyBatchSink#write}, which escapes every value.
 *       </ul>
 * </ul>
 *
 * <p>Scores are microseconds per row ({@code @OperationsPerInvocation} is the row count): rows per
 * second = 1,000,000 / score. The table ({@code bench_actions}: bigint primary key, two bigints, two
 * texts, a timestamptz) is logged, as a game's action table would be, and created in {@code public} of
 * the target database. PostgreSQL comes from {@code HAL9_POSTGRES_URL} (a {@code jdbc:postgresql:}
 * URL with credentials) or {@code jdbc:postgresql://127.0.0.1:5432/test?user=postgres}; if it does not
 * answer, setup fails with a message saying so.
 *
 * <p>Noise: each iteration is one batch of a fraction of a second against a disk that flushes on commit,
 * and a checkpoint that falls into one impl's fork slows that fork alone. Runs with 5 iterations and no
 * checkpoint put the same code at 0.71x to 1.09x of itself. So every iteration starts after {@code
 * TRUNCATE} and a {@code CHECKPOINT} (the user needs to be allowed to run it: a superuser, or a member
 * of {@code pg_checkpoint}), and 12 iterations are measured. Forks still differ by up to 30% (the
 * sink, making the same calls as raw, came out at 1.09x and 1.34x in two full runs), so compare the two
 * with interleaved forks: twelve of them, raw and sink in ABBA order, gave 1.10x
 * ({@code benchmarks/results/pool-2026-11-27-pairs.md}). About 3 minutes in all.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 12)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
@Race(anchor = "raw-batch")
public class BatchInsertBenchmark {
    static final int ROWS = 100_000;
    static final int AUTOCOMMIT_ROWS = 2_500;
    static final int CHUNK = 1_000;
    static final String INSERT =
            "INSERT INTO bench_actions (id, game_id, player_id, kind, payload, at) VALUES (?, ?, ?, ?, ?, ?)";
    static final List<String> COLUMNS = List.of("id", "game_id", "player_id", "kind", "payload", "at");

    /** One game action row. */
    record Action(long id, long gameId, long playerId, String kind, String payload, Instant at) {}

    /** The target database, one table, and the rows; shared by both states. */
    abstract static class Database {
        JdbcPool pool;
        List<Action> actions;

        void open(int rows) {
            String url = System.getenv().getOrDefault("HAL9_POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/test");
            String user = url.contains("user=") ? null : "postgres";
            try (Connection c = user == null
                            ? DriverManager.getConnection(url)
                            : DriverManager.getConnection(url, user, "");
                    Statement s = c.createStatement()) {
                s.execute("DROP TABLE IF EXISTS bench_actions");
                s.execute("CREATE TABLE bench_actions (id bigint PRIMARY KEY, game_id bigint NOT NULL,"
                        + " player_id bigint NOT NULL, kind text NOT NULL, payload text NOT NULL,"
                        + " at timestamptz NOT NULL)");
            } catch (SQLException e) {
                throw new IllegalStateException(
                        "BatchInsertBenchmark: PostgreSQL does not answer at "
                                + url.replaceAll("password=[^&]*", "password=***")
                                + " (" + e.getMessage() + "). Start it (database test on 127.0.0.1:5432, user postgres,"
                                + " trust authentication) or set HAL9_POSTGRES_URL.",
                        e);
            }
            JdbcPool.Builder b = JdbcPool.builder("bench")
                    .jdbcUrl(url)
                    .dataSourceProperty("reWriteBatchedInserts", "true")
                    .maxConnections(2)
                    .minConnections(1);
            if (user != null) {
                b.username(user);
            }
            pool = b.build();
            actions = new ArrayList<>(rows);
            Instant start = Instant.parse("2025-06-01T12:00:00Z");
            for (int i = 0; i < rows; i++) {
                actions.add(new Action(
                        i,
                        i % 1_000,
                        i % 10_000,
                        (i & 1) == 0 ? "move" : "attack",
                        "{\"x\":" + (i % 64) + ",\"y\":" + (i % 48) + ",\"card\":" + (i % 300) + "}",
                        start.plusMillis(i)));
            }
        }

        void truncate() throws SQLException {
            try (Connection c = pool.dataSource().getConnection();
                    Statement s = c.createStatement()) {
                s.execute("TRUNCATE bench_actions");
                s.execute("CHECKPOINT");
            }
        }

        void close() throws SQLException {
            try (Connection c = pool.dataSource().getConnection();
                    Statement s = c.createStatement()) {
                s.execute("DROP TABLE IF EXISTS bench_actions");
            } finally {
                pool.close();
            }
        }
    }

    static void bind(PreparedStatement ps, Action a) throws SQLException {
        ps.setLong(1, a.id());
        ps.setLong(2, a.gameId());
        ps.setLong(3, a.playerId());
        ps.setString(4, a.kind());
        ps.setString(5, a.payload());
        ps.setTimestamp(6, Timestamp.from(a.at()));
    }

    static void copyRow(Action a, CopyRow row) {
        row.add(a.id())
                .add(a.gameId())
                .add(a.playerId())
                .add(a.kind())
                .add(a.payload())
                .add(a.at().toString());
    }

    /** State of {@link #batched}: which writer, over {@value #ROWS} rows. */
    @State(Scope.Benchmark)
    public static class Batched extends Database {
        @Param({"raw-batch", "hal9-batch", "raw-copy", "hal9-copy"})
        public String impl;

        JdbcBatchSink<Action> batchSink;
        CopyBatchSink<Action> copySink;

        @Setup(Level.Trial)
        public void setUp() {
            open(ROWS);
            batchSink = JdbcBatchSink.builder("bench", pool.dataSource(), INSERT, BatchInsertBenchmark::bind)
                    .chunkSize(CHUNK)
                    .build();
            copySink = CopyBatchSink.builder(
                            "bench", pool.dataSource(), "bench_actions", COLUMNS, BatchInsertBenchmark::copyRow)
                    .build();
        }

        /** With SingleShotTime one iteration is one invocation: every batch meets an empty table. */
        @Setup(Level.Iteration)
        public void empty() throws SQLException {
            truncate();
        }

        @TearDown(Level.Trial)
        public void tearDown() throws SQLException {
            close();
        }
    }

    /** State of {@link #rowPerAutocommit}. */
    @State(Scope.Benchmark)
    public static class Autocommit extends Database {
        @Setup(Level.Trial)
        public void setUp() {
            open(AUTOCOMMIT_ROWS);
        }

        @Setup(Level.Iteration)
        public void empty() throws SQLException {
            truncate();
        }

        @TearDown(Level.Trial)
        public void tearDown() throws SQLException {
            close();
        }
    }

    @Benchmark
    @OperationsPerInvocation(ROWS)
    public void batched(Batched s) throws Exception {
        switch (s.impl) {
            case "raw-batch" -> rawBatch(s);
            case "hal9-batch" -> s.batchSink.write(s.actions);
            case "raw-copy" -> rawCopy(s);
            case "hal9-copy" -> s.copySink.write(s.actions);
            default -> throw new IllegalArgumentException("unknown impl " + s.impl);
        }
    }

    @Benchmark
    @OperationsPerInvocation(AUTOCOMMIT_ROWS)
    @Contender(race = "batched", impl = "seed-autocommit")
    public void rowPerAutocommit(Autocommit s) throws SQLException {
        try (Connection c = s.pool.dataSource().getConnection();
                PreparedStatement ps = c.prepareStatement(INSERT)) {
            for (Action a : s.actions) {
                bind(ps, a);
                ps.executeUpdate();
            }
        }
    }

    private static void rawBatch(Batched s) throws SQLException {
        try (Connection c = s.pool.dataSource().getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(INSERT)) {
                int pending = 0;
                for (Action a : s.actions) {
                    bind(ps, a);
                    ps.addBatch();
                    if (++pending == CHUNK) {
                        ps.executeBatch();
                        pending = 0;
                    }
                }
                if (pending > 0) {
                    ps.executeBatch();
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    private static void rawCopy(Batched s) throws Exception {
        StringBuilder text = new StringBuilder(s.actions.size() * 96);
        for (Action a : s.actions) {
            text.append(a.id())
                    .append('\t')
                    .append(a.gameId())
                    .append('\t')
                    .append(a.playerId())
                    .append('\t')
                    .append(a.kind())
                    .append('\t')
                    .append(a.payload())
                    .append('\t')
                    .append(a.at())
                    .append('\n');
        }
        try (Connection c = s.pool.dataSource().getConnection()) {
            c.setAutoCommit(false);
            try {
                c.unwrap(PGConnection.class)
                        .getCopyAPI()
                        .copyIn(
                                "COPY bench_actions (id, game_id, player_id, kind, payload, at) FROM STDIN",
                                new StringReader(text.toString()));
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }
}

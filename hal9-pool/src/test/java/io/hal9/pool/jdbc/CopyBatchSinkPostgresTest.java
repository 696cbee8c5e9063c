package io.hal9.pool.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.hal9.core.ActionBatcher;
import io.hal9.testkit.PostgresService;
import io.hal9.testkit.RequiresPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The COPY sink against the real PostgreSQL of the test services: escaping, bulk, poison rows. */
@RequiresPostgres
@Timeout(60)
class CopyBatchSinkPostgresTest {
    private static final List<String> COLUMNS = List.of("id", "note", "flag", "score", "payload", "at");

    record LogRow(long id, @Nullable String note, boolean flag, double score, byte @Nullable [] payload, Instant at) {}

    private static final CopyRowWriter<LogRow> WRITER = (r, row) -> row.add(r.id())
            .add(r.note())
            .add(r.flag())
            .add(r.score())
            .add(r.payload())
            .add(r.at().toString());

    private PostgresService pg;
    private JdbcPool pool;

    @BeforeEach
    void createTable(PostgresService pg) throws SQLException {
        this.pg = pg;
        try (Connection c = pg.open();
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE action_log (id bigint PRIMARY KEY, note text, flag boolean NOT NULL,"
                    + " score double precision NOT NULL, payload bytea, at timestamptz NOT NULL)");
        }
        pool = JdbcPool.builder("primary")
                .jdbcUrl(pg.jdbcUrl())
                .maxConnections(2)
                .minConnections(0)
                .build();
    }

    @AfterEach
    void closePool() throws SQLException {
        pool.close();
        PgBackends.awaitClosed(pg);
    }

    private CopyBatchSink.Builder<LogRow> sink() {
        return CopyBatchSink.builder("action-log", pool.dataSource(), "action_log", COLUMNS, WRITER);
    }

    private static LogRow row(long id, @Nullable String note) {
        return new LogRow(id, note, id % 2 == 0, id / 3.0, null, Instant.ofEpochSecond(1_700_000_000L + id));
    }

    private Map<Long, @Nullable String> notes() throws SQLException {
        Map<Long, @Nullable String> out = new HashMap<>();
        try (Connection c = pg.open();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT id, note FROM action_log")) {
            while (rs.next()) {
                out.put(rs.getLong(1), rs.getString(2));
            }
        }
        return out;
    }

    private long count() throws SQLException {
        try (Connection c = pg.open();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM action_log")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void textThatLooksLikeCopySyntaxComesBackExactly() throws SQLException {
        List<@Nullable String> tricky = Arrays.asList(
                "plain",
                "",
                null,
                "\\N",
                "\\.",
                "\\",
                "tab\there",
                "new\nline",
                "carriage\rreturn",
                "back\\slash\\\\double",
                "ends with backslash\\",
                "quotes ' \" and , ; |",
                "control \u0001\u0007\u001b chars",
                "ü 中 🎮 ∑",
                "\\t is not a tab");
        List<LogRow> rows = new ArrayList<>();
        for (int i = 0; i < tricky.size(); i++) {
            rows.add(row(i, tricky.get(i)));
        }
        CopyBatchSink<LogRow> sink = sink().build();
        sink.write(rows);

        Map<Long, @Nullable String> back = notes();
        for (int i = 0; i < tricky.size(); i++) {
            assertThat(back.get((long) i)).as("row %d", i).isEqualTo(tricky.get(i));
        }
        assertThat(back.containsKey(2L) && back.get(2L) == null)
                .as("null stays NULL")
                .isTrue();
        assertThat(sink.stats()).isEqualTo(new BatchSinkStats(1, tricky.size(), 0));
    }

    @Test
    void randomTextRoundTrips() throws SQLException {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        String alphabet = "ab\\\t\n\r N.é中";
        List<LogRow> rows = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            StringBuilder text = new StringBuilder();
            int length = random.nextInt(12);
            for (int j = 0; j < length; j++) {
                if (random.nextInt(20) == 0) {
                    text.append("🎮"); // a surrogate pair
                } else {
                    text.append(alphabet.charAt(random.nextInt(alphabet.length())));
                }
            }
            rows.add(row(i, text.toString()));
        }
        sink().bufferSize(1024).build().write(rows);

        Map<Long, @Nullable String> back = notes();
        for (LogRow r : rows) {
            assertThat(back.get(r.id())).as("row %d, seed %d", r.id(), seed).isEqualTo(r.note());
        }
    }

    @Test
    void numbersBooleansBytesAndTimestampsComeBackExactly() throws SQLException {
        byte[] bytes = {0, 1, (byte) 0x7f, (byte) 0x80, (byte) 0xff, '\\', '\t', '\n'};
        List<LogRow> rows = List.of(
                new LogRow(1, "x", true, Double.NaN, bytes, Instant.parse("2025-03-04T05:06:07.123456Z")),
                new LogRow(Long.MAX_VALUE, "y", false, Double.NEGATIVE_INFINITY, new byte[0], Instant.EPOCH),
                new LogRow(-5, "z", true, -0.125, null, Instant.parse("1999-12-31T23:59:59Z")));
        sink().build().write(rows);

        try (Connection c = pg.open();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT id, flag, score, payload, at FROM action_log ORDER BY id")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(-5);
            assertThat(rs.getBoolean(2)).isTrue();
            assertThat(rs.getDouble(3)).isEqualTo(-0.125);
            assertThat(rs.getBytes(4)).isNull();
            assertThat(rs.getTimestamp(5).toInstant()).isEqualTo(Instant.parse("1999-12-31T23:59:59Z"));
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(1);
            assertThat(rs.getDouble(3)).isNaN();
            assertThat(rs.getBytes(4)).containsExactly(bytes);
            assertThat(rs.getTimestamp(5).toInstant()).isEqualTo(Instant.parse("2025-03-04T05:06:07.123456Z"));
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(Long.MAX_VALUE);
            assertThat(rs.getBoolean(2)).isFalse();
            assertThat(rs.getDouble(3)).isEqualTo(Double.NEGATIVE_INFINITY);
            assertThat(rs.getBytes(4)).isEmpty();
        }
    }

    @Test
    void twentyThousandRowsThroughTheBatcherGoInAsOneCopyInOneTransaction() throws SQLException {
        CopyBatchSink<LogRow> sink = sink().bufferSize(4096).build();
        try (ActionBatcher<LogRow> batcher = ActionBatcher.builder("action-log", sink)
                .maxBatchSize(20_000)
                .capacity(20_000)
                .maxLinger(Duration.ofSeconds(30))
                .retryOn(JdbcBatchSink.retryOn())
                .build()) {
            for (int i = 0; i < 20_000; i++) {
                batcher.submit(row(i, "note " + i), Duration.ofSeconds(5));
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> batcher.pending() == 0);
            assertThat(batcher.stats().batches()).isEqualTo(1);
        }
        assertThat(count()).isEqualTo(20_000);
        try (Connection c = pg.open();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(DISTINCT xmin::text) FROM action_log")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(1);
        }
        assertThat(sink.stats()).isEqualTo(new BatchSinkStats(1, 20_000, 0));
    }

    @Test
    void aDuplicateKeyOrAnUnwritableValueDeadLettersOnlyThatRow() throws SQLException {
        sink().build().write(List.of(row(5, "already there")));
        List<LogRow> deadLetters = new CopyOnWriteArrayList<>();
        List<Throwable> causes = new CopyOnWriteArrayList<>();
        try (ActionBatcher<LogRow> batcher = ActionBatcher.builder("action-log", sink().build())
                .maxBatchSize(100)
                .capacity(100)
                .maxLinger(Duration.ofSeconds(30))
                .retryOn(JdbcBatchSink.retryOn())
                .deadLetterHandler((dead, cause) -> {
                    deadLetters.addAll(dead);
                    causes.add(cause);
                })
                .build()) {
            for (int i = 0; i < 100; i++) {
                batcher.submit(row(i, i == 42 ? "nul \u0000 inside" : "note " + i), Duration.ofSeconds(5));
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> batcher.pending() == 0);
        }

        assertThat(deadLetters).extracting(LogRow::id).containsExactlyInAnyOrder(5L, 42L);
        assertThat(causes)
                .anySatisfy(e -> assertThat(SqlFailures.sqlState(e)).isEqualTo("23505"))
                .anySatisfy(e -> assertThat(e)
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("U+0000"));
        assertThat(count()).isEqualTo(99);
        assertThat(notes().get(5L)).isEqualTo("already there");
    }

    @Test
    void aFailedCopyRollsBackEverythingAndTheConnectionStaysUsable() throws SQLException {
        CopyBatchSink<LogRow> sink = sink().bufferSize(1024).build();
        List<LogRow> rows = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            rows.add(row(i, "note " + i));
        }
        rows.add(row(7, "duplicate"));

        assertThatThrownBy(() -> sink.write(rows))
                .isInstanceOf(JdbcException.class)
                .hasMessageStartingWith("copy sink 'action-log': batch of 2001 rolled back: ")
                .satisfies(e -> assertThat(((JdbcException) e).sqlState()).isEqualTo("23505"));
        assertThat(count()).isZero();

        sink.write(rows.subList(0, 2_000));
        assertThat(count()).isEqualTo(2_000);
        assertThat(sink.stats()).isEqualTo(new BatchSinkStats(1, 2_000, 1));
    }

    @Test
    void theBuilderChecksItsOptions() {
        assertThat(sink().build().sql()).isEqualTo("COPY action_log (id, note, flag, score, payload, at) FROM STDIN");
        assertThatThrownBy(() -> CopyBatchSink.builder("log", pool.dataSource(), "t", List.of(), WRITER))
                .hasMessage("copy sink 'log': columns must not be empty");
        assertThatThrownBy(() -> CopyBatchSink.builder("log", pool.dataSource(), "t", List.of("a", "a"), WRITER))
                .hasMessage("copy sink 'log': column 'a' is listed twice");
        assertThatThrownBy(() -> CopyBatchSink.builder("log", pool.dataSource(), "t; DROP", List.of("a"), WRITER))
                .hasMessage("copy sink 'log': table must be a non-blank SQL name, was 't; DROP'");
        assertThatThrownBy(() -> sink().bufferSize(10))
                .hasMessage("copy sink 'action-log': bufferSize must be in [1024, 67108864], was 10");
    }

    @Test
    void inIdempotentModeARowAlreadyThereIsSkippedAndTheRestOfTheBatchGoesIn() throws Exception {
        CopyBatchSink<LogRow> sink = sink().skipDuplicatesOn(List.of("id")).build();
        sink.write(List.of(row(1, "first"), row(2, "second")));
        // a journal replay after a crash between commit and checkpoint: 1 and 2 come again, with 3
        sink.write(List.of(row(1, "replayed"), row(2, "replayed"), row(3, "third")));
        sink.write(List.of(row(4, "fourth")));
        assertThat(notes())
                .containsOnly(
                        Map.entry(1L, "first"),
                        Map.entry(2L, "second"),
                        Map.entry(3L, "third"),
                        Map.entry(4L, "fourth"));
        assertThat(((PgCopyBatchSink<LogRow>) sink).duplicateBatches())
                .as("only the batch that met duplicates took the staged path")
                .isEqualTo(1);
    }

    @Test
    void idempotentModeNamesAKeyAmongTheCopiedColumns() {
        assertThatThrownBy(() -> sink().skipDuplicatesOn(List.of("game_id")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "copy sink 'action-log': skipDuplicatesOn column 'game_id' is not one of the copied columns "
                                + COLUMNS);
    }
}

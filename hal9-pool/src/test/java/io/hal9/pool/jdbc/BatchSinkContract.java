package io.hal9.pool.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hal9.core.BatchSink;
import io.hal9.testkit.PostgresService;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link BatchSink} promises the batcher ({@code BatchSink}'s Javadoc), run against each JDBC sink
 * on the tests' PostgreSQL by a subclass that says how to build one: a batch lands whole and in order, also
 * when it is larger than one statement batch; a batch that fails takes no effect at all (the batcher retries
 * or splits it, and exactly-once relies on that); and the sink goes on after a failure.
 */
abstract class BatchSinkContract {
    /** One action: its id (the primary key) and a note. */
    record Row(long id, String note) {}

    /** The table: {@code contract_rows (pos bigserial, id bigint PRIMARY KEY, note text NOT NULL)}. */
    static final String TABLE = "contract_rows";

    private PostgresService pg;
    JdbcPool pool;

    /** The sink under test, writing {@link Row}s into {@link #TABLE} (columns id, note) through {@code pool}. */
    abstract BatchSink<Row> sink(JdbcPool pool);

    @BeforeEach
    void createTable(PostgresService pg) throws SQLException {
        this.pg = pg;
        try (Connection c = pg.open();
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + TABLE + " (pos bigserial, id bigint PRIMARY KEY, note text NOT NULL)");
        }
        pool = JdbcPool.builder("contract")
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

    private static List<Row> rows(long from, long to) {
        return LongStream.range(from, to).mapToObj(i -> new Row(i, "note " + i)).toList();
    }

    /** The ids in the order they were inserted. */
    private List<Long> stored() throws SQLException {
        List<Long> out = new ArrayList<>();
        try (Connection c = pg.open();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT id FROM " + TABLE + " ORDER BY pos")) {
            while (rs.next()) {
                out.add(rs.getLong(1));
            }
        }
        return out;
    }

    @Test
    void aBatchLandsWholeAndInOrderAlsoWhenLargerThanOneStatementBatch() throws Exception {
        BatchSink<Row> sink = sink(pool);
        List<Row> batch = new ArrayList<>(rows(0, 2_500));
        java.util.Collections.reverse(batch); // the order given, not the ids' order
        sink.write(batch);
        sink.write(rows(5_000, 5_001)); // a batch of one
        List<Long> expected = new ArrayList<>(batch.stream().map(Row::id).toList());
        expected.add(5_000L);
        assertThat(stored()).containsExactlyElementsOf(expected);
    }

    @Test
    void aBatchThatFailsTakesNoEffectAndTheSinkGoesOn() throws Exception {
        BatchSink<Row> sink = sink(pool);
        sink.write(rows(0, 10));
        // 1,200 new rows, one of which (the 700th) repeats a stored primary key: the whole batch must fail
        List<Row> poisoned = new ArrayList<>(rows(100, 1_300));
        poisoned.set(699, new Row(5, "duplicate of a stored row"));
        assertThatThrownBy(() -> sink.write(poisoned)).isInstanceOf(Exception.class);
        assertThat(stored())
                .as("nothing of the failed batch")
                .containsExactlyElementsOf(LongStream.range(0, 10).boxed().toList());

        // the same sink, the same pool: the next batch lands (no connection left in an aborted transaction)
        sink.write(rows(100, 1_300));
        assertThat(stored()).hasSize(1_210);
        assertThat(pool.hikari().getHikariPoolMXBean().getActiveConnections())
                .as("connections still borrowed")
                .isZero();
    }
}

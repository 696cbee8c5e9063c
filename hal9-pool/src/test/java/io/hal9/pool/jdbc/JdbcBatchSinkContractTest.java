package io.hal9.pool.jdbc;

import io.hal9.core.BatchSink;
import io.hal9.testkit.RequiresPostgres;
import org.junit.jupiter.api.Timeout;

/** {@link BatchSinkContract} for {@link JdbcBatchSink} (an INSERT per row, batched). */
@RequiresPostgres
@Timeout(60)
class JdbcBatchSinkContractTest extends BatchSinkContract {
    @Override
    BatchSink<Row> sink(JdbcPool pool) {
        return JdbcBatchSink.<Row>builder(
                        "contract",
                        pool.dataSource(),
                        "INSERT INTO " + TABLE + " (id, note) VALUES (?, ?)",
                        (ps, r) -> {
                            ps.setLong(1, r.id());
                            ps.setString(2, r.note());
                        })
                .build();
    }
}

package io.hal9.pool.jdbc;

import io.hal9.core.BatchSink;
import io.hal9.testkit.RequiresPostgres;
import java.util.List;
import org.junit.jupiter.api.Timeout;

/** {@link BatchSinkContract} for {@link CopyBatchSink} (one COPY per batch). */
@RequiresPostgres
@Timeout(60)
class CopyBatchSinkContractTest extends BatchSinkContract {
    @Override
    BatchSink<Row> sink(JdbcPool pool) {
        return CopyBatchSink.<Row>builder(
                        "contract",
                        pool.dataSource(),
                        TABLE,
                        List.of("id", "note"),
                        (r, row) -> row.add(r.id()).add(r.note()))
                .build();
    }
}

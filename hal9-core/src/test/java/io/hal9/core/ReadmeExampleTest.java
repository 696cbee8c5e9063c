package io.hal9.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The README's example, compiled and run so that it cannot rot. */
@Timeout(10)
class ReadmeExampleTest {
    record Move(long gameId, String action) {}

    static final class Database {
        final List<Move> rows = new CopyOnWriteArrayList<>();

        void insertAll(List<Move> moves) {
            rows.addAll(moves); // a real sink runs one transaction here
        }
    }

    @Test
    void readmeExampleWritesEveryMoveInBatches() {
        Database db = new Database();
        Move move = new Move(42, "rock");
        // README example begins
        // Closed in reverse order: first the players' tasks finish, then every accepted move is written.
        try (ActionBatcher<Move> moves = ActionBatcher.<Move>builder("moves", db::insertAll)
                        .maxBatchSize(500) // one transaction per 500 moves at most...
                        .maxLinger(Duration.ofMillis(5)) // ...and no move waits longer than 5 ms
                        .build();
                TaskLimiter players =
                        TaskLimiter.builder("players").maxConcurrent(100).build()) {
            Admission admission = players.tryExecute(() -> {
                if (moves.trySubmit(move) == Admission.FULL) {
                    // backpressure: the database is behind, tell the client to slow down
                }
            });
            // admission is FULL when 100 tasks already run: shed load instead of queueing forever
            // README example ends
            assertThat(admission).isEqualTo(Admission.ACCEPTED);
        }
        assertThat(db.rows).containsExactly(move);
    }
}

package io.hal9.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.hal9.testkit.JavadocExamples;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The README's example, compiled and run, and the README checked to show it word for word, so that it cannot rot. */
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
        }
        // README example ends
        // the task ran, so it was admitted; closing the batcher wrote its move
        assertThat(db.rows).containsExactly(move);
    }

    @Test
    void theReadmeShowsThisTestsExampleWordForWord() {
        // every Java block of the README is held by a test that compiles it and checks the README against it:
        // the first by this one, the second by hal9-metrics' ReadmeWiringExampleTest. A third needs its own.
        List<JavadocExamples.Example> blocks = JavadocExamples.markdownBlocks(Path.of("../README.md"), "java");
        assertThat(blocks).hasSize(2);
        JavadocExamples.assertSameCode(
                blocks.get(0),
                JavadocExamples.markedRegion(
                        Path.of("src/test/java/io/hal9/core/ReadmeExampleTest.java"),
                        "// README example begins",
                        "// README example ends"));
    }
}

package io.hal9.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.hal9.cache.LocalCache;
import io.hal9.core.ActionBatcher;
import io.hal9.core.Closer;
import io.hal9.core.TaskLimiter;
import io.hal9.metrics.cache.LocalCacheMetrics;
import io.hal9.metrics.core.ActionBatcherMetrics;
import io.hal9.metrics.core.TaskLimiterMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The README's wiring example (one-call binders, one Closer), compiled and run, and found in the README. */
@Timeout(30)
class ReadmeWiringExampleTest {
    record Move(long gameId, String action) {}

    static final class Database {
        final List<Move> rows = new CopyOnWriteArrayList<>();

        void insertAll(List<Move> moves) {
            rows.addAll(moves);
        }
    }

    @Test
    void readmeWiringExampleBindsEveryComponentAndClosesThemInReverse() {
        Database db = new Database();
        Move move = new Move(42, "rock");
        String scrape;
        // README example begins
        Closer closer = Closer.create("game-server"); // closes in the reverse order of registration
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        closer.register(registry::close, "metrics"); // first registered, last closed
        // one call per component: built with its metrics recorder as listener, bound, registered for shutdown
        LocalCache<Long, String> names = closer.register(LocalCacheMetrics.monitor(
                registry,
                LocalCache.<Long, String>builder("names").maximumSize(10_000).build()));
        ActionBatcher<Move> moves = closer.register(ActionBatcherMetrics.monitor(
                registry, ActionBatcher.<Move>builder("moves", db::insertAll).maxBatchSize(500)));
        TaskLimiter players = closer.register(TaskLimiterMetrics.monitor(
                registry, TaskLimiter.builder("players").maxConcurrent(100)));
        players.tryExecute(() -> moves.trySubmit(move));
        // README example ends
        names.put(move.gameId(), "ann");
        org.awaitility.Awaitility.await().until(() -> moves.stats().written() == 1);
        scrape = registry.scrape();
        // README example begins
        closer.close(); // the players' tasks finish, every accepted move is written, then the cache and metrics
        // README example ends
        assertThat(db.rows).containsExactly(move);
        assertThat(players.isClosed()).isTrue();
        assertThat(Scrapes.require(scrape, "hal9_batcher_batch_size_count", "name", "moves"))
                .isEqualTo(1.0);
        assertThat(Scrapes.require(
                        scrape, "hal9_limiter_task_duration_seconds_count", "name", "players", "outcome", "success"))
                .isEqualTo(1.0);
        assertThat(Scrapes.require(scrape, "hal9_cache_size", "name", "names")).isEqualTo(1.0);
    }

    @Test
    void theReadmeShowsThisExample() throws IOException {
        String test = Files.readString(Path.of("src/test/java/io/hal9/metrics/ReadmeWiringExampleTest.java"));
        String readme = normalize(Files.readString(Path.of("../README.md")));
        StringBuilder example = new StringBuilder();
        int from = 0;
        while (true) {
            int begin = test.indexOf("// README example begins\n", from);
            if (begin < 0 || begin > test.indexOf("@Test\n    void theReadmeShowsThisExample")) {
                break;
            }
            int end = test.indexOf("// README example ends", begin);
            example.append(test, begin + "// README example begins\n".length(), end);
            from = end + 1;
        }
        assertThat(example).isNotEmpty();
        assertThat(readme).contains(normalize(example.toString()));
    }

    /** One line per statement line, indentation dropped, so that re-indenting in Markdown does not matter. */
    private static String normalize(String code) {
        StringBuilder out = new StringBuilder();
        for (String line : code.split("\n")) {
            String t = line.strip();
            if (!t.isEmpty()) {
                out.append(t).append('\n');
            }
        }
        return out.toString();
    }
}

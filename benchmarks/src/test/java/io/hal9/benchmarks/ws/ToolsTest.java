package io.hal9.benchmarks.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The small pieces the load benchmark's numbers depend on: the histogram, the stats line, the flags, JSON. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ToolsTest {

    @Test
    void histogramPercentilesAreWithinSevenPercentOfTheExactOnes() {
        LatencyHistogram h = new LatencyHistogram();
        long seed = System.nanoTime();
        Random random = new Random(seed);
        long[] values = new long[100_000];
        for (int i = 0; i < values.length; i++) {
            // log-uniform between 10 µs and 100 ms, like latencies
            values[i] = (long) Math.pow(10, 4 + 4 * random.nextDouble());
            h.record(values[i]);
        }
        java.util.Arrays.sort(values);
        for (double q : new double[] {0.5, 0.9, 0.99, 0.999}) {
            long exact = values[(int) Math.ceil(q * values.length) - 1];
            assertThat((double) h.percentile(q)).as("q=%s seed=%s", q, seed).isBetween(exact * 0.93, exact * 1.07);
        }
        assertThat(h.count()).isEqualTo(values.length);
        assertThat(h.maxNanos()).isEqualTo(values[values.length - 1]);
    }

    @Test
    void histogramBucketsCoverEveryValueInOrder() {
        long previous = -1;
        for (int i = 0; i < 900; i++) {
            long low = LatencyHistogram.lowerBound(i);
            assertThat(low).isGreaterThan(previous);
            assertThat(LatencyHistogram.index(Math.max(1, low))).isEqualTo(Math.max(1, i));
            previous = low;
        }
    }

    @Test
    void statsLineSurvivesTheTripThroughStdout() {
        ServerStats stats = new ServerStats(123_456, 789_000, -1, 19_000, true);
        assertThat(ServerStats.parse(stats.toLine())).isEqualTo(stats);
        assertThat(ServerStats.capture(3, false).connections()).isEqualTo(3);
    }

    @Test
    void unknownFlagsAreRefusedBeforeAnythingRuns() {
        Args args = Args.parse(new String[] {"--measure", "2.5", "--rate", "1_000", "--typo", "1"});
        assertThat(args.seconds("measure", Duration.ofSeconds(20))).isEqualTo(Duration.ofMillis(2500));
        assertThat(args.decimal("rate", 5000)).isEqualTo(1000.0);
        assertThatThrownBy(args::rejectUnknown).hasMessageContaining("--typo");
    }

    @Test
    void jsonEscapesStringsAndNestsCollections() {
        String json = Json.write(Map.of("a", List.of(1, 2.5, "x\"y"), "b", Map.of("c", true)));
        assertThat(json).contains("\"a\": [1, 2.500, \"x\\\"y\"]").contains("\"c\": true");
    }
}

package io.hal9.benchmarks.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class JmhJsonTest {
    private final List<BenchResult> results = JmhJson.parse(Fixtures.sample());

    private BenchResult find(String method, String impl) {
        return results.stream()
                .filter(r -> r.method().equals(method) && impl.equals(r.params().getOrDefault("impl", "")))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void readsEveryResultOfTheFixtureWithNamesModesAndParamsInJmhOrder() {
        assertThat(results).hasSize(17);
        BenchResult hal9 = results.get(0);
        assertThat(hal9.benchmark()).isEqualTo("io.hal9.benchmarks.core.BoundedChannelBenchmark.trySend1Producer");
        assertThat(hal9.className()).isEqualTo("io.hal9.benchmarks.core.BoundedChannelBenchmark");
        assertThat(hal9.method()).isEqualTo("trySend1Producer");
        assertThat(hal9.mode()).isEqualTo("thrpt");
        assertThat(hal9.params()).containsExactly(java.util.Map.entry("impl", "hal9"));
        assertThat(hal9.unit()).isEqualTo("ops/s");
        assertThat(hal9.jvmArgs()).containsExactly("-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch");
        assertThat(hal9.jdk()).isEqualTo("25.0.3 OpenJDK 64-Bit Server VM 25.0.3+9-LTS");
        assertThat(results.stream().map(r -> r.params().get("impl")).limit(3))
                .containsExactly("hal9", "jctools-mpsc", "abq");
    }

    @Test
    void medianComesFromTheRawIterationScoresNotFromJmhsMean() {
        BenchResult hal9 = find("trySend1Producer", "hal9");
        assertThat(hal9.score()).isEqualTo(130e6);
        assertThat(hal9.median()).isEqualTo(100e6);
        assertThat(hal9.medianOfRawData()).isTrue();
        assertThat(hal9.samples()).isEqualTo(3);
        assertThat(hal9.error()).isEqualTo(150.5e6);
    }

    @Test
    void medianOfAnEvenCountAcrossForksIsTheMeanOfTheMiddleTwo() {
        BenchResult legacy = results.stream()
                .filter(r -> r.method().equals("claimRelease"))
                .findFirst()
                .orElseThrow();
        assertThat(legacy.forks()).isEqualTo(2);
        assertThat(legacy.samples()).isEqualTo(4);
        assertThat(legacy.median()).isEqualTo(11.5);
    }

    @Test
    void sampleModeMedianIsWeightedByTheHistogramCounts() {
        BenchResult hal9Get = find("hal9Get", "");
        assertThat(hal9Get.mode()).isEqualTo("sample");
        assertThat(hal9Get.samples()).isEqualTo(5);
        assertThat(hal9Get.median()).isEqualTo(10.0); // 10,10,10,20,1000
        assertThat(find("rawGet", "").median()).isEqualTo(5.0); // 4,4,6,6
        assertThat(hal9Get.counters())
                .containsExactly(java.util.Map.entry("p99", 1000.0), java.util.Map.entry("p99.9", 1000.0));
    }

    @Test
    void allocationPerOperationIsTheMedianOfGcAllocRateNormAndNaNWithoutTheProfiler() {
        assertThat(find("trySend1Producer", "hal9").allocPerOp()).isEqualTo(2.5);
        assertThat(find("trySend1Producer", "abq").allocPerOp()).isEqualTo(1024.0);
        assertThat(find("batched", "raw-batch").allocPerOp()).isNaN();
    }

    @Test
    void auxCountersAreKeptAndProfilerMetricsAreNot() {
        BenchResult replay = find("replay", "hal9");
        assertThat(replay.params()).containsEntry("cacheFraction", "0.01").containsEntry("skew", "0.9");
        assertThat(replay.counters())
                .containsExactly(java.util.Map.entry("hits", 442838.0), java.util.Map.entry("misses", 557162.0));
        assertThat(find("trySend1Producer", "hal9").counters()).isEmpty();
    }

    @Test
    void nanWrittenAsAStringIsReadAsNaN() {
        BenchResult autocommit = find("rowPerAutocommit", "");
        assertThat(autocommit.error()).isNaN();
        assertThat(autocommit.params()).isEmpty();
    }

    @Test
    void directionIsHigherIsBetterOnlyForThroughput() {
        assertThat(BenchResult.higherIsBetter("thrpt")).isTrue();
        assertThat(BenchResult.higherIsBetter("avgt")).isFalse();
        assertThat(BenchResult.higherIsBetter("sample")).isFalse();
        assertThat(BenchResult.higherIsBetter("ss")).isFalse();
    }

    @Test
    void keyMatchesTheSameBenchmarkWhateverTheParameterOrder() {
        BenchResult a = new BenchResult(
                "a.B.c",
                "thrpt",
                1,
                1,
                java.util.Map.of("x", "1"),
                1,
                0,
                "ops/s",
                1,
                true,
                1,
                0,
                List.of(),
                "",
                java.util.Map.of());
        assertThat(a.key()).isEqualTo("a.B.c [thrpt] x=1");
    }

    @Test
    void somethingThatIsNotJmhJsonIsRefusedWithTheReason() {
        assertThatThrownBy(() -> JmhJson.parse("{\"a\": 1}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected a JSON array");
        assertThatThrownBy(() -> JmhJson.parse("[ {\"mode\": \"thrpt\"} ]")).hasMessageContaining("no 'benchmark'");
        assertThatThrownBy(() -> JmhJson.parse("not json")).hasMessageContaining("not JSON");
    }
}

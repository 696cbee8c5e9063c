package io.hal9.benchmarks.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openjdk.jmh.runner.BenchmarkListEntry;

/** The profiles, planned over the real benchmark list of this module (nothing is run). */
@Timeout(60)
class SuiteTest {
    private final List<BenchmarkListEntry> all = Suite.select(".*");

    private Profile.MethodRun run(List<Profile.MethodRun> plan, String method) {
        return plan.stream()
                .filter(r -> r.method().endsWith(method))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void quickProfileOfTheWholeSuiteIsEstimatedUnderFifteenMinutes() {
        List<Profile.MethodRun> plan = Profile.QUICK.plan(all);
        assertThat(plan).hasSizeGreaterThanOrEqualTo(26);
        assertThat(Suite.seconds(plan)).isLessThan(Suite.QUICK_BUDGET_SECONDS);
        assertThat(plan).allSatisfy(r -> assertThat(r.forks()).isEqualTo(1));
    }

    @Test
    void quickKeepsEveryContenderValueAndOnlyTheFirstValueOfOtherParams() {
        Profile.MethodRun pool = run(Profile.QUICK.plan(all), "ObjectPoolBenchmark.claimRelease1Thread");
        assertThat(pool.params())
                .containsEntry(
                        "impl",
                        List.of("hal9", "commons-pool2", "stormpot", "stormpot-defaults", "netty-recycler", "new"))
                .containsEntry("threadKind", List.of("platform"));
        assertThat(pool.combinations()).isEqualTo(6);
        assertThat(pool.warmupIterations()).isEqualTo(2);
        assertThat(pool.measurementIterations()).isEqualTo(3);
        Profile.MethodRun near = run(Profile.QUICK.plan(all), "NearCacheBenchmark.hit");
        assertThat(near.params()).containsEntry("impl", List.of("near", "caffeine", "caffeine-stats"));
    }

    @Test
    void quickNeverRaisesTheIterationsOfASingleShotBenchmark() {
        Profile.MethodRun hitRate = run(Profile.QUICK.plan(all), "HitRateBenchmark.replay");
        assertThat(hitRate.warmupIterations()).isZero();
        assertThat(hitRate.measurementIterations()).isEqualTo(1);
        Profile.MethodRun batched = run(Profile.QUICK.plan(all), "BatchInsertBenchmark.batched");
        assertThat(batched.warmupIterations()).isEqualTo(1);
        assertThat(batched.measurementIterations()).isEqualTo(3);
    }

    @Test
    void fullKeepsTheAnnotationsSettingsAndEveryParamWithAtLeastTwoForks() {
        List<Profile.MethodRun> plan = Profile.FULL.plan(all);
        assertThat(plan).allSatisfy(r -> {
            assertThat(r.forks()).isGreaterThanOrEqualTo(2);
            assertThat(r.warmupIterations()).isEqualTo(-1);
            assertThat(r.warmupTime()).isNull();
        });
        Profile.MethodRun pool = run(plan, "ObjectPoolBenchmark.claimRelease1Thread");
        assertThat(pool.params()).containsEntry("threadKind", List.of("platform", "netty-ftl", "virtual"));
        assertThat(pool.combinations()).isEqualTo(18);
        Profile.MethodRun redis = run(plan, "RedisCacheBenchmark.hal9Get");
        assertThat(redis.modes()).hasSize(2);
        assertThat(redis.combinations()).isEqualTo(2);
        assertThat(Suite.seconds(plan)).isGreaterThan(Suite.seconds(Profile.QUICK.plan(all)));
    }

    @Test
    void dryRunPrintsThePlanAndTheEstimateAndRunsNothing() {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);
        int code = Suite.run(List.of("quick", "BoundedChannel", "--dry-run"), out, out);
        assertThat(code).isZero();
        assertThat(buffer.toString(StandardCharsets.UTF_8))
                .contains("BoundedChannelBenchmark.trySend1Producer")
                .contains("BoundedChannelBenchmark.trySend2Producers")
                .contains("Suite: 2 benchmark methods, 6 parameter/mode combinations, estimated")
                .contains("-Xms2g -Xmx2g -XX:+AlwaysPreTouch, -prof gc");
    }

    @Test
    void unknownProfileOrOptionAndAnEmptySelectionExitWithTwo() {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);
        assertThat(Suite.run(List.of("fast"), out, out)).isEqualTo(2);
        assertThat(Suite.run(List.of("quick", "--fast"), out, out)).isEqualTo(2);
        assertThat(Suite.run(List.of("quick", "NoSuchBenchmark", "--dry-run"), out, out))
                .isEqualTo(2);
        assertThat(Suite.run(List.of(), out, out)).isEqualTo(2);
        assertThat(Suite.run(List.of("quick", "Bounded(", "--dry-run"), out, out))
                .isEqualTo(2);
        assertThat(buffer.toString(StandardCharsets.UTF_8))
                .contains("unknown profile 'fast'")
                .contains("unknown option '--fast'")
                .contains("no benchmark matches 'NoSuchBenchmark'")
                .contains("usage: Suite quick|full|smoke")
                .contains("'Bounded(' is not a regular expression");
    }

    @Test
    void everyForkGetsTheSuiteHeapFlagsInPlaceOfItsOwnAndKeepsItsOtherFlags() {
        Profile.MethodRun local = run(Profile.QUICK.plan(all), "LocalCacheBenchmark.hit"); // declares -Xmx1g
        assertThat(local.jvmArgsAppend()).containsExactlyElementsOf(Suite.JVM_FLAGS);
        assertThat(Profile.jvmArgsAppend(
                        List.of("-Xms1g", "-Dio.netty.leakDetection.level=disabled", "-Xmx1g", "-XX:-AlwaysPreTouch")))
                .containsExactly("-Dio.netty.leakDetection.level=disabled", "-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch");
    }

    @Test
    void contenderParamDefaultsToImplAndFollowsTheRaceAnnotation() {
        assertThat(Profile.contenderParam("io.hal9.benchmarks.core.BoundedChannelBenchmark"))
                .isEqualTo("impl");
        assertThat(Map.of("x", Profile.contenderParam("com.example.Missing"))).containsEntry("x", "impl");
    }
}

package io.hal9.benchmarks.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class CompareTest {
    private static final String CHANNEL = "io.hal9.benchmarks.core.BoundedChannelBenchmark.trySend1Producer";
    private static final String GET = "io.hal9.benchmarks.cache.RedisCacheBenchmark.hal9GetAll100";

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int compare(String before, String after, String... options) {
        Path a = Fixtures.write(dir.resolve("old.json"), before);
        Path b = Fixtures.write(dir.resolve("new.json"), after);
        List<String> args = new ArrayList<>(List.of(a.toString(), b.toString()));
        args.addAll(List.of(options));
        return Compare.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void throughputThatFellByMoreThanTheThresholdFailsAndIsListed() {
        int code = compare(
                Fixtures.array(Fixtures.result(CHANNEL, "thrpt", "impl=hal9", "ops/s", 100, 100, 100)),
                Fixtures.array(Fixtures.result(CHANNEL, "thrpt", "impl=hal9", "ops/s", 80, 80, 80)));
        assertThat(code).isEqualTo(Compare.REGRESSED);
        assertThat(out())
                .contains("REGRESSED (slower by more than the threshold): 1")
                .contains(CHANNEL + " [thrpt] impl=hal9")
                .contains("+25.0%") // 100/80 - 1: time per operation grew by a quarter
                .contains("compare: 1 regression(s)");
    }

    @Test
    void averageTimeThatGrewIsARegressionAndOneThatShrankIsNot() {
        assertThat(compare(
                        Fixtures.array(Fixtures.result(GET, "avgt", "", "us/op", 100)),
                        Fixtures.array(Fixtures.result(GET, "avgt", "", "us/op", 120))))
                .isEqualTo(Compare.REGRESSED);
        out.reset();
        assertThat(compare(
                        Fixtures.array(Fixtures.result(GET, "avgt", "", "us/op", 100)),
                        Fixtures.array(Fixtures.result(GET, "avgt", "", "us/op", 50))))
                .isEqualTo(Compare.OK);
        assertThat(out())
                .contains("improved (faster by more than the threshold): 1")
                .contains("-50.0%");
    }

    @Test
    void higherThroughputIsNeverARegression() {
        assertThat(compare(
                        Fixtures.array(Fixtures.result(CHANNEL, "thrpt", "impl=hal9", "ops/s", 100)),
                        Fixtures.array(Fixtures.result(CHANNEL, "thrpt", "impl=hal9", "ops/s", 300))))
                .isEqualTo(Compare.OK);
        assertThat(out()).contains("compare: no regression");
    }

    @Test
    void changesWithinTheThresholdPassAndTheThresholdIsAnOption() {
        String before = Fixtures.array(Fixtures.result(GET, "avgt", "", "us/op", 100));
        String after = Fixtures.array(Fixtures.result(GET, "avgt", "", "us/op", 108));
        assertThat(compare(before, after)).isEqualTo(Compare.OK);
        assertThat(out()).contains("within the threshold: 1");
        assertThat(compare(before, after, "--threshold", "5")).isEqualTo(Compare.REGRESSED);
    }

    @Test
    void benchmarksMatchByParamsAndThoseInOneFileOnlyAreListedNotFailed() {
        int code = compare(
                Fixtures.array(
                        Fixtures.result(CHANNEL, "thrpt", "impl=hal9", "ops/s", 100),
                        Fixtures.result(CHANNEL, "thrpt", "impl=abq", "ops/s", 50)),
                Fixtures.array(
                        Fixtures.result(CHANNEL, "thrpt", "impl=hal9", "ops/s", 100),
                        Fixtures.result(CHANNEL, "thrpt", "impl=jctools-mpsc", "ops/s", 10)));
        assertThat(code).isEqualTo(Compare.OK);
        assertThat(out())
                .contains("only in " + dir.resolve("old.json") + " (not compared): 1")
                .contains(CHANNEL + " [thrpt] impl=abq")
                .contains("(not compared): 1\n  " + CHANNEL + " [thrpt] impl=jctools-mpsc");
    }

    @Test
    void aChangedUnitIsListedAsNotComparable() {
        assertThat(compare(
                        Fixtures.array(Fixtures.result(GET, "avgt", "", "us/op", 100)),
                        Fixtures.array(Fixtures.result(GET, "avgt", "", "ms/op", 1))))
                .isEqualTo(Compare.OK);
        assertThat(out()).contains("not comparable (unit changed or no positive score): 1");
    }

    @Test
    void badArgumentsAndUnreadableFilesExitWithTwo() {
        assertThat(Compare.run(
                        List.of("only-one.json"), System.out, new PrintStream(err, true, StandardCharsets.UTF_8)))
                .isEqualTo(Compare.USAGE);
        assertThat(compare("[]", "[]", "--threshold", "abc")).isEqualTo(Compare.USAGE);
        assertThat(compare("[]", "[]", "--threshold", "-3")).isEqualTo(Compare.USAGE);
        assertThat(compare("not json", "[]")).isEqualTo(Compare.USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("usage: compare")
                .contains("--threshold must be a number")
                .contains("--threshold must be >= 0")
                .contains("old.json: not JSON");
    }

    @Test
    void suiteDispatchesCompareWithItsExitCode() {
        Path a = Fixtures.write(dir.resolve("a.json"), Fixtures.array(Fixtures.result(GET, "avgt", "", "us/op", 1)));
        Path b = Fixtures.write(dir.resolve("b.json"), Fixtures.array(Fixtures.result(GET, "avgt", "", "us/op", 2)));
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        assertThat(Suite.run(List.of("compare", a.toString(), b.toString()), o, o))
                .isEqualTo(1);
        assertThat(Suite.run(List.of("compare", b.toString(), a.toString()), o, o))
                .isEqualTo(0);
    }
}

package io.hal9.benchmarks.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

@Timeout(60)
class ReportTest {
    @TempDir
    Path dir;

    private Path generate() {
        Path results = Fixtures.sampleFile(dir.resolve("results"), "2026-11-27-0100-quick.json");
        return Report.generate(results, dir.resolve("docs"), results.resolveSibling("e2e.json"));
    }

    private String page() throws IOException {
        return Files.readString(generate());
    }

    @Test
    void throughputTableShowsMedianScoreErrorUnitAllocationAndRatioToTheDefaultAnchor() throws IOException {
        String md = page();
        assertThat(md)
                .contains("### BoundedChannel · trySend1Producer (thrpt)")
                .contains(
                        "| implementation | median | score ± error | unit | alloc/op (B) | ratio to anchor (higher is better) |")
                .contains("| **hal9** | **100,000,000** | 130,000,000 ± 150,500,000 | ops/s | 2.50 | **2.00×** |")
                .contains("| jctools-mpsc (anchor) | 50,000,000 | 53,330,000 ± 12,000,000 | ops/s | 0.50 | 1.00× |")
                .contains("| abq | 25,000,000 | 25,000,000 ± 5,000,000 | ops/s | 1,024 | 0.50× |");
    }

    @Test
    void timeModesSayLowerIsBetterAndKeepTheRatioAsScoreOverAnchor() throws IOException {
        String md = page();
        // sample mode, races made of two methods by @Contender; HAL9 takes twice the anchor's time
        assertThat(md)
                .contains("### RedisCache · get (sample)")
                .contains("unit us/op, **lower is better**")
                .contains("ratio to anchor (lower is better) |")
                .contains("| **hal9** | **10** | ")
                .contains("| **2.00×** |")
                .contains("| lettuce (anchor) | 5 | ")
                .contains("Median over 4/5 sampled operations.")
                // sample mode's tail from JMH's percentiles; the other percentiles are not columns
                .contains("ratio to anchor (lower is better) | p99 | p99.9 |")
                .contains("| **2.00×** | 1,000 | 1,000 |")
                .contains("| 1.00× | 6 | 6 |")
                .contains(
                        "After the ratio: p99 and p99.9 are JMH's percentiles over every sampled operation, in us/op.")
                .doesNotContain("p0.50");
    }

    @Test
    void contenderMethodJoinsTheRaceOfTheParamBasedMethodAndRaceAnnotationPicksTheAnchor() throws IOException {
        String md = page();
        assertThat(md).contains("### BatchInsert · batched (ss)");
        assertThat(md).doesNotContain("### BatchInsert · rowPerAutocommit");
        assertThat(md)
                .contains("| raw-batch (anchor) | 4 | 4 ± 0.5 | us/op | — | 1.00× |")
                .contains("| **hal9-batch** | **5** | 5 ± 0.5 | us/op | — | **1.25×** |")
                .contains("| seed-autocommit | 400 | 400 ± n/a | us/op | — | 100.00× |");
    }

    @Test
    void raceAnnotationNamesAnotherHal9PrefixAndAnExplicitAnchor() throws IOException {
        String md = page();
        assertThat(md)
                .contains("anchor: `caffeine-stats`")
                .contains("| **near** | **10** | 10 ± 1 | ops/us | 0.00 | **0.50×** |")
                .contains("| caffeine | 22 | 22 ± 1 | ops/us | 0.00 | 1.10× |")
                .contains("| caffeine-stats (anchor) | 20 | 20 ± 1 | ops/us | 0.00 | 1.00× |");
    }

    @Test
    void anotherParameterSplitsARaceIntoRowGroupsEachComparedWithItsOwnAnchor() throws IOException {
        String md = page();
        // a class that is not on the class path: the default rules apply
        assertThat(md)
                .contains("## gone")
                .contains("| threadKind | implementation | median |")
                .contains("| platform | **hal9** | **11.5** | 11.5 ± 0.8 | ns/op | 0.00 | **0.50×** |")
                .contains("| platform | commons-pool2 (anchor) | 23 |")
                .contains("| virtual | **hal9** | **30** | 30 ± 0.8 | ns/op | 0.00 | **2.00×** |");
    }

    @Test
    void pageNamesMachineJdkFlagsProfileDateAndCommandFromTheRunDescription() throws IOException {
        Path results = Fixtures.sampleFile(dir.resolve("results"), "2026-11-27-0100-quick.json");
        new RunInfo(
                        "2026-11-27T01:00:00Z",
                        Profile.QUICK.description(),
                        "benchmarks/run quick",
                        "Test CPU 9000",
                        2,
                        "7.8 GiB",
                        "Linux",
                        "Eclipse Adoptium",
                        "25.0.3+9-LTS",
                        Suite.JVM_FLAGS,
                        List.of("io.hal9.benchmarks.cache.RedisCacheBenchmark.rawGet"))
                .write(RunInfo.besides(results));
        String md = Files.readString(Report.generate(results, dir.resolve("docs"), dir.resolve("none.json")));
        assertThat(md)
                .contains("| machine | Test CPU 9000, 2 logical CPUs, 7.8 GiB memory |")
                .contains("| JDK | Eclipse Adoptium 25.0.3 OpenJDK 64-Bit Server VM 25.0.3+9-LTS |")
                .contains("| JVM flags | `-Xms2g -Xmx2g -XX:+AlwaysPreTouch`, profiler `-prof gc` |")
                .contains("| profile | quick: 1 fork")
                .contains("| date | 2026-11-27T01:00:00Z |")
                .contains("| command | `benchmarks/run quick` |")
                .contains("| **failed** | no or incomplete results, so missing below:"
                        + " io.hal9.benchmarks.cache.RedisCacheBenchmark.rawGet |");
    }

    @Test
    void everyRaceGetsAWellFormedSvgChartLinkedFromThePageWithHal9Highlighted() throws Exception {
        String md = page();
        Path perf = dir.resolve("docs/perf");
        List<Path> charts;
        try (Stream<Path> s = Files.list(perf)) {
            charts = s.sorted().toList();
        }
        assertThat(charts)
                .extracting(p -> p.getFileName().toString())
                .containsExactlyInAnyOrder(
                        "core.BoundedChannelBenchmark.trySend1Producer.thrpt.svg",
                        "cache.NearCacheBenchmark.hit.thrpt.svg",
                        "cache.RedisCacheBenchmark.get.sample.svg",
                        "pool.BatchInsertBenchmark.batched.ss.svg",
                        "gone.LegacyBenchmark.claimRelease.avgt.svg",
                        "cache.HitRateBenchmark.replay.ss.svg");
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        for (Path chart : charts) {
            assertThat(md).contains("](perf/" + chart.getFileName() + ")");
            Document doc = factory.newDocumentBuilder().parse(chart.toFile());
            assertThat(doc.getDocumentElement().getLocalName()).isEqualTo("svg");
            assertThat(doc.getDocumentElement().getNamespaceURI()).isEqualTo("http://www.w3.org/2000/svg");
        }
        Document channel = factory.newDocumentBuilder()
                .parse(perf.resolve("core.BoundedChannelBenchmark.trySend1Producer.thrpt.svg")
                        .toFile());
        NodeList rects = channel.getElementsByTagNameNS("http://www.w3.org/2000/svg", "rect");
        int hal9Bars = 0;
        int bars = 0;
        for (int i = 0; i < rects.getLength(); i++) {
            Element r = (Element) rects.item(i);
            if (r.getElementsByTagNameNS("http://www.w3.org/2000/svg", "title").getLength() == 1) {
                bars++;
                if (r.getAttribute("fill").equals(SvgChart.HAL9_COLOUR)) {
                    hal9Bars++;
                }
            }
        }
        assertThat(bars).isEqualTo(3);
        assertThat(hal9Bars).isEqualTo(1);
        String text = channel.getDocumentElement().getTextContent();
        assertThat(text)
                .contains("ops/s — higher is better")
                .contains("jctools-mpsc (anchor)")
                .contains("100,000,000");
        // the longest bar with its whisker fits the axis: the axis ends at a tick >= median + error
        assertThat(text).contains("300,000,000").doesNotContain("log scale");
        // a baseline 100x slower than the anchor would flatten the others: powers of ten instead
        String batch = factory.newDocumentBuilder()
                .parse(perf.resolve("pool.BatchInsertBenchmark.batched.ss.svg").toFile())
                .getDocumentElement()
                .getTextContent();
        assertThat(batch).contains("us/op — lower is better; log scale").contains("1,000");
    }

    @Test
    void sameInputGivesTheSameBytesAndChartsOfVanishedRacesAreRemoved() throws IOException {
        Path results = Fixtures.sampleFile(dir.resolve("results"), "2026-11-27-0100-quick.json");
        Path docsA = dir.resolve("a");
        Path docsB = dir.resolve("b");
        Fixtures.write(docsB.resolve("perf/old.race.thrpt.svg"), "<svg/>");
        Fixtures.write(docsB.resolve("perf/keep.txt"), "not a chart");
        Report.generate(results, docsA, dir.resolve("none.json"));
        Report.generate(results, docsB, dir.resolve("none.json"));
        Report.generate(results, docsB, dir.resolve("none.json"));
        assertThat(Files.readString(docsB.resolve("performance.md")))
                .isEqualTo(Files.readString(docsA.resolve("performance.md")));
        try (Stream<Path> s = Files.list(docsA.resolve("perf"))) {
            for (Path a : s.toList()) {
                assertThat(Files.readAllBytes(docsB.resolve("perf").resolve(a.getFileName())))
                        .isEqualTo(Files.readAllBytes(a));
            }
        }
        assertThat(docsB.resolve("perf/old.race.thrpt.svg")).doesNotExist();
        assertThat(docsB.resolve("perf/keep.txt")).exists();
    }

    @Test
    void comparisonsBesideTheResultsComeAfterTheEndToEndSectionWithTheirHeadingsDemoted() throws IOException {
        Fixtures.write(
                dir.resolve("results/compare-2026-12-07-http-engines.md"),
                "# Netty port against the JDK HttpServer\n\nIntro.\n\n## Runs\n\n| a | b |\n|---|---|\n| 1 | 2 |\n");
        Fixtures.write(dir.resolve("results/compare-notes.md"), "# not a dated comparison\n");
        String md = page();
        int e2e = md.indexOf("## End to end: the seed's performance table");
        int cmp = md.indexOf("## Netty port against the JDK HttpServer");
        int glance = md.indexOf("## At a glance");
        assertThat(cmp).isGreaterThan(e2e);
        assertThat(glance).isGreaterThan(cmp);
        assertThat(md).contains("From `benchmarks/results/compare-2026-12-07-http-engines.md`.");
        assertThat(md).contains("\n### Runs\n");
        assertThat(md).contains("| 1 | 2 |");
        assertThat(md).doesNotContain("not a dated comparison");
    }

    @Test
    void everyEndToEndRunBesideTheResultsGetsItsOwnTitledTable() throws IOException {
        String run = """
                {
                  "machine": "m", "jdk": "j", "date": "d", "command": "%s",
                  "rows": [
                    {"metric": "concurrent_games", "measured": %d, "unit": "games", "met": true},
                    {"metric": "websocket_connections", "measured": %d, "unit": "connections", "met": true}
                  ]
                }
                """;
        Fixtures.write(dir.resolve("results/e2e.json"), run.formatted("two", 5000, 10000));
        Fixtures.write(dir.resolve("results/e2e-8players.json"), run.formatted("eight", 1000, 8000));
        Fixtures.write(dir.resolve("results/other.json"), run.formatted("not an e2e run", 1, 1));
        String md = page();
        int two = md.indexOf("### 5,000 games × 2 players (`benchmarks/results/e2e.json`)");
        int eight = md.indexOf("### 1,000 games × 8 players (`benchmarks/results/e2e-8players.json`)");
        assertThat(two).isPositive();
        assertThat(eight).isGreaterThan(two);
        assertThat(md.indexOf("Command: `two`")).isBetween(two, eight);
        assertThat(md.indexOf("Command: `eight`")).isGreaterThan(eight);
        assertThat(md).doesNotContain("not an e2e run");
    }

    @Test
    void endToEndTableIsRenderedFromE2eJsonBesideTheResults() throws IOException {
        Fixtures.write(dir.resolve("results/e2e.json"), """
                {
                  "machine": "AMD EPYC, 2 cores, 7.8 GiB",
                  "jdk": "Eclipse Adoptium 25.0.3",
                  "date": "2026-11-27T02:10:00Z",
                  "command": "examples/load --games 5000",
                  "notes": "Load generator and PostgreSQL on the same machine.",
                  "extra": "ignored",
                  "rows": [
                    {"metric": "concurrent_games", "seedTarget": "1,000", "hal9Target": "5,000",
                     "measured": 5000, "unit": "games", "met": true},
                    {"metric": "latency_p99", "seedTarget": "<= 50 ms", "hal9Target": "<= 10 ms",
                     "measured": 12.5, "unit": "ms", "met": false},
                    {"metric": "http_error_rate", "seedTarget": "< 1%", "hal9Target": "",
                     "measured": 0.02, "unit": "%", "met": true},
                    {"metric": "latency_p50", "seedTarget": "", "hal9Target": "",
                     "measured": 0.5, "unit": "ms", "met": true}
                  ]
                }
                """);
        String md = page();
        assertThat(md)
                .contains("## End to end: a game server's performance targets")
                .contains("AMD EPYC, 2 cores, 7.8 GiB, Eclipse Adoptium 25.0.3, 2026-11-27T02:10:00Z.")
                .contains("Command: `examples/load --games 5000`. Load generator and PostgreSQL on the same machine.")
                .contains("| metric | typical target | HAL9 target | measured | met |")
                .contains("| concurrent games | 1,000 | 5,000 | 5,000 games | yes |")
                .contains("| p99 action→broadcast latency | <= 50 ms | <= 10 ms | 12.5 ms | **no** |")
                .contains("| HTTP error rate | < 1% | — | 0.02 % | yes |")
                .as("a figure with no target is not marked met")
                .contains("| p50 action→broadcast latency | — | — | 0.5 ms | — |");
    }

    @Test
    void aTargetTheRunWasNotSizedForIsMarkedNotTestedInsteadOfMissed() throws IOException {
        Fixtures.write(dir.resolve("results/e2e.json"), """
                {
                  "machine": "m", "jdk": "j", "date": "d",
                  "command": "LoadGenerator --games 1000 --players 8 --rate 8000 --rounds 1000",
                  "rows": [
                    {"metric": "concurrent_games", "seedTarget": "1,000", "hal9Target": "5,000",
                     "measured": 1000, "unit": "games", "met": false},
                    {"metric": "websocket_connections", "seedTarget": "10,000", "hal9Target": "10,000",
                     "measured": 8000, "unit": "connections", "met": false},
                    {"metric": "actions_per_second_persisted", "seedTarget": "10,000", "hal9Target": ">= 20,000",
                     "measured": 8000, "unit": "actions/s", "met": false},
                    {"metric": "latency_p99", "seedTarget": "<= 50 ms", "hal9Target": "<= 10 ms",
                     "measured": 12.5, "unit": "ms", "met": false}
                  ]
                }
                """);
        assertThat(page())
                .contains("| concurrent games | 1,000 | 5,000 | 1,000 games | not tested (run of 1000 games) |")
                .contains(
                        "| WebSocket connections | 10,000 | 10,000 | 8,000 connections | not tested (run of 8000 connections) |")
                .contains(
                        "| actions/s persisted | 10,000 | >= 20,000 | 8,000 actions/s | not tested (run asks 8000/s) |")
                .as("the latency target is set at this load: a miss is a miss")
                .contains("| p99 action→broadcast latency | <= 50 ms | <= 10 ms | 12.5 ms | **no** |");
    }

    @Test
    void theNewestWebSocketTablesBesideTheResultsGoAfterTheEndToEndSection() throws IOException {
        Fixtures.write(dir.resolve("results/ws-2026-01-01.md"), "# old run\n");
        Fixtures.write(
                dir.resolve("results/ws-2026-11-27.md"),
                "# hal9-ws vs raw Netty\n\n## Idle connections\n\n| impl | opened |\n|---|---:|\n| hal9 | 19000 |\n");
        String md = page();
        assertThat(md)
                .contains("## WebSocket servers: hal9-ws against raw Netty")
                .contains("From `benchmarks/results/ws-2026-11-27.md`")
                .contains(
                        "### hal9-ws vs raw Netty\n\n#### Idle connections\n\n| impl | opened |\n|---|---:|\n| hal9 | 19000 |")
                .doesNotContain("old run");
        assertThat(md.indexOf("## WebSocket servers"))
                .isBetween(md.indexOf("## End to end"), md.indexOf("## At a glance"));
    }

    @Test
    void aSecondWebSocketRunOnTheSameDayIsTheNewest() throws IOException {
        Fixtures.write(dir.resolve("results/ws-2026-11-27.md"), "# first run of the day\n");
        Fixtures.write(dir.resolve("results/ws-2026-11-27-2.md"), "# second run\n");
        Fixtures.write(dir.resolve("results/ws-2026-11-27-10.md"), "# tenth run\n");
        Fixtures.write(dir.resolve("results/ws-2026-11-26-3.md"), "# a day earlier\n");
        Fixtures.write(dir.resolve("results/ws-notes.md"), "# not a run\n");
        String md = page();
        assertThat(md)
                .contains("From `benchmarks/results/ws-2026-11-27-10.md`")
                .contains("tenth run")
                .doesNotContain("first run of the day")
                .doesNotContain("second run")
                .doesNotContain("not a run");
    }

    @Test
    void withoutWebSocketTablesThePageHasNoWebSocketSection() throws IOException {
        assertThat(page()).doesNotContain("## WebSocket servers");
    }

    @Test
    void auxCountersBecomeColumnsAndHitsWithMissesGiveAHitRate() throws IOException {
        assertThat(page())
                .contains("### HitRate · replay (ss)")
                .contains("| cacheFraction | skew | implementation | median | score ± error | unit | alloc/op (B) |"
                        + " ratio to anchor (lower is better) | hits | misses | hit rate |")
                .contains("| 0.01 | 0.9 | **hal9** | **3,430** | 3,430 ± n/a | ms/op | 1,000 | **1.63×** | 442,800 |"
                        + " 557,200 | 44.28% |")
                .contains("| 0.01 | 0.9 | lru (anchor) | 2,100 | 2,100 ± n/a | ms/op | 1,000 | 1.00× | 300,000 |"
                        + " 700,000 | 30.00% |")
                .contains("After the ratio: the benchmark's own counters (`@AuxCounters`) are medians per iteration;"
                        + " hit rate = hits / (hits + misses): higher is better.")
                .contains("| hal9 (cacheFraction=0.01, skew=0.9) 1.63× vs lru (worse), hit rate 44.28% vs 30.00% |");
    }

    @Test
    void aScoreThatIsNotANumberDrawsAnEmptyBarAndKeepsTheSvgValid() throws Exception {
        Path results = Fixtures.write(
                dir.resolve("results/nan.json"),
                Fixtures.array(
                        Fixtures.result("a.b.XBenchmark.run", "avgt", "impl=hal9", "ns/op", Double.NaN),
                        Fixtures.result("a.b.XBenchmark.run", "avgt", "impl=jdk", "ns/op", 4)));
        Report.generate(results, dir.resolve("docs"), dir.resolve("none.json"));
        Path chart = dir.resolve("docs/perf/b.XBenchmark.run.avgt.svg");
        assertThat(Files.readString(chart)).doesNotContain("NaN").contains("width=\"0\"");
        DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(chart.toFile());
        assertThat(Files.readString(dir.resolve("docs/performance.md"))).contains("| **hal9** | n/a |");
    }

    @Test
    void withoutE2eJsonThePageSaysWhereItWillComeFrom() throws IOException {
        assertThat(page()).contains("No end-to-end run yet").contains("benchmarks/results/e2e.json");
    }

    @Test
    void summaryListsEveryHal9RowWithItsRatioAndLinksToTheRace() throws IOException {
        assertThat(page())
                .contains(
                        "| core | [BoundedChannel · trySend1Producer](#boundedchannel--trysend1producer-thrpt) | thrpt |"
                                + " higher | hal9 2.00× vs jctools-mpsc (better) |")
                .contains("hal9 (threadKind=platform) 0.50× vs commons-pool2 (better); hal9 (threadKind=virtual)"
                        + " 2.00× vs commons-pool2 (worse)")
                .contains(
                        "| cache | [RedisCache · get](#rediscache--get-sample) | sample | lower | hal9 2.00× vs lettuce"
                                + " (worse) |");
    }
}

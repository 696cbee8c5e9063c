package io.hal9.benchmarks.metrics;

import io.hal9.core.ActionBatcher;
import io.hal9.core.Admission;
import io.hal9.metrics.HttpMetrics;
import io.hal9.metrics.PrometheusScrape;
import io.hal9.metrics.core.ActionBatcherMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What metrics cost the hot path: an {@link ActionBatcher} submit with and without {@code
 * hal9-metrics} bound, and the cost of one recording. {@code impl} is {@code no-metrics} (the anchor:
 * nothing bound) or {@code hal9-metrics} (bound), named so that {@code benchmarks/run} races them as
 * it races any HAL9 implementation against its anchor.
 *
 * <ul>
 *   <li>{@code batcherSubmit}: one producer submitting to a batcher whose sink does nothing (as {@code
 *       ActionBatcherBenchmark}). With {@code hal9-metrics}, the batcher has an {@link ActionBatcherMetrics}
 *       recorder as its listener and its binder is bound to a Prometheus registry that a background
 *       thread scrapes every 100 ms, so the flusher records batch sizes, flush times and ages while the
 *       producer runs. The submit path itself has no metrics call: counts are read from the batcher's
 *       stats at scrape time.
 *   <li>{@code recordBatch}: the recorder's {@code onBatchWritten} alone (what the flusher pays per
 *       batch); with {@code no-metrics} the recorder is unbound and records nothing.
 *   <li>{@code httpRecord}: one {@link HttpMetrics#record} of an already seen route (counter plus
 *       histogram timer); with {@code no-metrics} it records into a registry nobody scrapes.
 * </ul>
 *
 * <p>Allocation: run with {@code -prof gc}; {@code gc.alloc.rate.norm} should be about 0 B/op for
 * {@code recordBatch} and {@code httpRecord}, and the same with and without metrics for {@code
 * batcherSubmit} (hal9-metrics' {@code RecordingAllocationTest} asserts the same without JMH):
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar MetricsOverheadBenchmark -prof gc
 * </pre>
 *
 * <p>A WebSocket send with and without metrics is measured by {@link WsSendMetricsBenchmark} ({@code
 * WsServerMetrics} adds no call to the send path: it reads {@code WsServer.stats()} at scrape time).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
public class MetricsOverheadBenchmark {
    static final Object ACTION = new Object();

    @Param({"no-metrics", "hal9-metrics"})
    public String impl;

    private PrometheusMeterRegistry registry;
    private ActionBatcher<Object> batcher;
    private ActionBatcherMetrics.Recorder recorder;
    private HttpMetrics http;
    private Thread scraper;
    private volatile boolean running;

    @Setup(Level.Trial)
    public void setUp() {
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        recorder = ActionBatcherMetrics.recorder();
        ActionBatcher.Builder<Object> b = ActionBatcher.builder("bench", (List<Object> batch) -> {})
                .capacity(1 << 16)
                .maxBatchSize(1000)
                .maxLinger(Duration.ZERO);
        boolean bound = switch (impl) {
            case "no-metrics" -> false;
            case "hal9-metrics" -> true;
            default -> throw new IllegalArgumentException("unknown impl " + impl);
        };
        if (bound) {
            b.listener(recorder);
        }
        batcher = b.build();
        http = HttpMetrics.builder(registry).build();
        http.record("GET", "/api/games/{id}", 200, 1_000_000L); // the route is seen before measuring
        running = true;
        if (bound) {
            ActionBatcherMetrics.builder(batcher).recorder(recorder).build().bindTo(registry);
            PrometheusScrape scrape = PrometheusScrape.of(registry);
            scraper = Thread.ofPlatform().name("bench-scraper").daemon(true).start(() -> {
                while (running) {
                    scrape.scrape(null);
                    // a scrape interval, not synchronisation
                    java.util.concurrent.locks.LockSupport.parkNanos(100_000_000L);
                }
            });
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        running = false;
        if (scraper != null) {
            scraper.join();
        }
        batcher.close();
        registry.close();
    }

    @Benchmark
    @Threads(1)
    public void batcherSubmit() {
        while (batcher.trySubmit(ACTION) != Admission.ACCEPTED) {
            Thread.onSpinWait();
        }
    }

    @Benchmark
    @Threads(1)
    public void recordBatch() {
        recorder.onBatchWritten(500, 250_000L, 3_000_000L);
    }

    @Benchmark
    @Threads(1)
    public void httpRecord() {
        http.record("GET", "/api/games/{id}", 200, 1_500_000L);
    }
}

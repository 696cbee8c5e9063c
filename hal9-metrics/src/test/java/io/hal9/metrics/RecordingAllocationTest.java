package io.hal9.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hal9.core.ActionBatcher;
import io.hal9.core.Admission;
import io.hal9.core.TaskLimiter;
import io.hal9.metrics.core.ActionBatcherMetrics;
import io.hal9.metrics.core.TaskLimiterMetrics;
import io.hal9.metrics.pool.ConnectionPoolMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Recording a metric on a hot path allocates nothing once its meters exist: the batcher's submit with
 * metrics bound, the recorders' callbacks, and {@link HttpMetrics#record} of a route seen before.
 * Measured with the JVM's per-thread allocation counter over many calls, so a single allocation per
 * call (16 bytes or more) would show as far more than the tolerance.
 */
@Timeout(60)
class RecordingAllocationTest {
    private static final int CALLS = 200_000;
    /** Tolerance for the JIT and class loading touching the thread's TLAB during the measurement. */
    private static final long TOLERANCE_BYTES = 64 * 1024;

    private final PrometheusMeterRegistry registry = Scrapes.registry();

    private static com.sun.management.ThreadMXBean threads() {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(
                bean instanceof com.sun.management.ThreadMXBean, "this JVM does not count allocated bytes per thread");
        com.sun.management.ThreadMXBean t = (com.sun.management.ThreadMXBean) bean;
        Assumptions.assumeTrue(t.isThreadAllocatedMemorySupported(), "per-thread allocation counting unsupported");
        t.setThreadAllocatedMemoryEnabled(true);
        return t;
    }

    /** Bytes this thread allocates running {@code body} CALLS times, after as many warm-up calls. */
    private static long allocatedBy(Runnable body) {
        com.sun.management.ThreadMXBean t = threads();
        for (int i = 0; i < CALLS; i++) {
            body.run();
        }
        long id = Thread.currentThread().threadId();
        long before = t.getThreadAllocatedBytes(id);
        for (int i = 0; i < CALLS; i++) {
            body.run();
        }
        return t.getThreadAllocatedBytes(id) - before;
    }

    @Test
    void batcherSubmitWithMetricsBoundAllocatesNothing() {
        ActionBatcherMetrics.Recorder recorder = ActionBatcherMetrics.recorder();
        LongAdder written = new LongAdder();
        try (ActionBatcher<Object> batcher = ActionBatcher.builder("moves", batch -> written.add(batch.size()))
                .capacity(1 << 20)
                .maxBatchSize(1000)
                .maxLinger(Duration.ZERO)
                .listener(recorder)
                .build()) {
            ActionBatcherMetrics.builder(batcher).recorder(recorder).build().bindTo(registry);
            Object action = new Object();
            long bytes = allocatedBy(() -> {
                while (batcher.trySubmit(action) != Admission.ACCEPTED) {
                    Thread.onSpinWait();
                }
            });
            assertThat(bytes).as("bytes allocated by %s submits", CALLS).isLessThan(TOLERANCE_BYTES);
            await().until(() -> written.sum() == 2L * CALLS);
            // the flusher did record: the meters are live
            assertThat(Scrapes.require(registry.scrape(), "hal9_batcher_batch_size_sum", "name", "moves"))
                    .isEqualTo(2.0 * CALLS);
        }
    }

    @Test
    void recordersAllocateNothingPerEvent() {
        ActionBatcherMetrics.Recorder batches = ActionBatcherMetrics.recorder();
        TaskLimiterMetrics.Recorder tasks = TaskLimiterMetrics.recorder();
        ConnectionPoolMetrics.Recorder acquires = ConnectionPoolMetrics.recorder();
        try (ActionBatcher<Object> batcher = ActionBatcher.builder("b", batch -> {})
                        .listener(batches)
                        .build();
                TaskLimiter limiter = TaskLimiter.builder("l").listener(tasks).build()) {
            ActionBatcherMetrics.builder(batcher).recorder(batches).build().bindTo(registry);
            TaskLimiterMetrics.builder(limiter).recorder(tasks).build().bindTo(registry);
            assertThat(allocatedBy(() -> batches.onBatchWritten(500, 250_000L, 3_000_000L)))
                    .isLessThan(TOLERANCE_BYTES);
            assertThat(allocatedBy(() -> tasks.onTaskFinished(1_000_000L, TaskLimiter.Outcome.SUCCESS)))
                    .isLessThan(TOLERANCE_BYTES);
            // unbound: records nowhere, allocates nothing either
            assertThat(allocatedBy(() -> acquires.onAcquired(10_000L))).isLessThan(TOLERANCE_BYTES);
        }
    }

    @Test
    void httpRecordOfASeenRouteAllocatesNothing() {
        HttpMetrics http = HttpMetrics.builder(registry).build();
        String method = "GET";
        String route = "/api/games/{id}";
        long bytes = allocatedBy(() -> http.record(method, route, 200, 1_500_000L));
        assertThat(bytes).as("bytes allocated by %s records", CALLS).isLessThan(TOLERANCE_BYTES);
        assertThat(Scrapes.require(registry.scrape(), "http_requests_total", "uri", route))
                .isEqualTo(2.0 * CALLS);
    }
}

package io.hal9.metrics.core;

import static io.hal9.metrics.Scrapes.require;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.hal9.core.ActionBatcher;
import io.hal9.core.Admission;
import io.hal9.core.BatcherListener;
import io.hal9.core.BoundedChannel;
import io.hal9.core.Coalescer;
import io.hal9.core.TaskLimiter;
import io.hal9.metrics.Scrapes;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class CoreBindersTest {
    private final PrometheusMeterRegistry registry = Scrapes.registry();

    @Test
    void taskLimiterExposesLevelsTaskResultsAndDurations() throws Exception {
        TaskLimiterMetrics.Recorder recorder = TaskLimiterMetrics.recorder();
        try (TaskLimiter limiter = TaskLimiter.builder("players")
                .maxConcurrent(1)
                .listener(recorder)
                .build()) {
            TaskLimiterMetrics.builder(limiter)
                    .recorder(recorder)
                    .tags(Tags.of("region", "eu"))
                    .build()
                    .bindTo(registry);
            CountDownLatch running = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            TaskLimiter.Submission<Integer> first = limiter.trySubmit(() -> {
                running.countDown();
                release.await();
                return 1;
            });
            running.await();
            assertThat(limiter.tryExecute(() -> {})).isEqualTo(Admission.FULL);

            String busy = registry.scrape();
            assertThat(require(busy, "hal9_limiter_in_flight", "name", "players", "region", "eu"))
                    .isEqualTo(1.0);
            assertThat(require(busy, "hal9_limiter_max_concurrent", "name", "players"))
                    .isEqualTo(1.0);
            assertThat(require(busy, "hal9_limiter_tasks_total", "name", "players", "result", "rejected"))
                    .isEqualTo(1.0);

            release.countDown();
            assertThat(first.future().get()).isEqualTo(1);
            limiter.trySubmit(() -> {
                        throw new IllegalStateException("boom");
                    })
                    .future()
                    .handle((v, e) -> null)
                    .get();

            String done = registry.scrape();
            assertThat(require(done, "hal9_limiter_tasks_total", "name", "players", "result", "completed"))
                    .isEqualTo(1.0);
            assertThat(require(done, "hal9_limiter_tasks_total", "name", "players", "result", "failed"))
                    .isEqualTo(1.0);
            assertThat(require(
                            done, "hal9_limiter_task_duration_seconds_count", "name", "players", "outcome", "success"))
                    .isEqualTo(1.0);
            assertThat(require(
                            done, "hal9_limiter_task_duration_seconds_count", "name", "players", "outcome", "failure"))
                    .isEqualTo(1.0);
            assertThat(require(done, "hal9_limiter_in_flight", "name", "players"))
                    .isEqualTo(0.0);
        }
    }

    @Test
    void boundedChannelExposesDepthAndSendsByResult() {
        BoundedChannel<String> channel =
                BoundedChannel.<String>builder("actions").capacity(2).build();
        {
            BoundedChannelMetrics.builder(channel).build().bindTo(registry);
            channel.trySend("a");
            channel.trySend("b");
            assertThat(channel.trySend("c")).isEqualTo(Admission.FULL);
            assertThat(channel.poll()).isEqualTo("a");
            channel.close();
            assertThat(channel.trySend("d")).isEqualTo(Admission.CLOSED);

            String scrape = registry.scrape();
            assertThat(require(scrape, "hal9_channel_size", "name", "actions")).isEqualTo(1.0);
            assertThat(require(scrape, "hal9_channel_capacity", "name", "actions"))
                    .isEqualTo(2.0);
            assertThat(require(scrape, "hal9_channel_sends_total", "name", "actions", "result", "accepted"))
                    .isEqualTo(2.0);
            assertThat(require(scrape, "hal9_channel_sends_total", "name", "actions", "result", "full"))
                    .isEqualTo(1.0);
            assertThat(require(scrape, "hal9_channel_sends_total", "name", "actions", "result", "closed"))
                    .isEqualTo(1.0);
            assertThat(require(scrape, "hal9_channel_received_total", "name", "actions"))
                    .isEqualTo(1.0);
        }
    }

    @Test
    void actionBatcherExposesTotalsBatchSizesFlushTimesAgesRetriesAndDeadLetters() {
        List<List<Integer>> written = new CopyOnWriteArrayList<>();
        AtomicInteger calls = new AtomicInteger();
        AtomicInteger deadLetters = new AtomicInteger();
        ActionBatcherMetrics.Recorder recorder = ActionBatcherMetrics.recorder();
        try (ActionBatcher<Integer> batcher = ActionBatcher.<Integer>builder("moves", batch -> {
                    if (calls.incrementAndGet() == 1) {
                        throw new java.io.IOException("transient");
                    }
                    if (batch.contains(-1)) {
                        throw new java.io.IOException("poison");
                    }
                    written.add(List.copyOf(batch));
                })
                .maxBatchSize(10)
                .maxLinger(Duration.ofMillis(1))
                .maxRetries(1)
                .backoff(Duration.ofMillis(1), Duration.ofMillis(2))
                .deadLetterHandler((actions, cause) -> deadLetters.addAndGet(actions.size()))
                .listener(recorder)
                .build()) {
            ActionBatcherMetrics.builder(batcher).recorder(recorder).build().bindTo(registry);
            for (int i = 0; i < 25; i++) {
                assertThat(batcher.trySubmit(i)).isEqualTo(Admission.ACCEPTED);
            }
            await().until(() -> written.stream().mapToInt(List::size).sum() == 25);
            assertThat(batcher.trySubmit(-1)).isEqualTo(Admission.ACCEPTED);
            await().until(() -> deadLetters.get() == 1);

            String scrape = registry.scrape();
            double batches = require(scrape, "hal9_batcher_batches_total", "name", "moves");
            assertThat(batches).isEqualTo(written.size());
            assertThat(require(scrape, "hal9_batcher_actions_written_total", "name", "moves"))
                    .isEqualTo(25.0);
            assertThat(require(scrape, "hal9_batcher_submissions_total", "name", "moves", "result", "accepted"))
                    .isEqualTo(26.0);
            assertThat(require(scrape, "hal9_batcher_retries_total", "name", "moves"))
                    .isGreaterThanOrEqualTo(2.0);
            assertThat(require(scrape, "hal9_batcher_actions_dead_lettered_total", "name", "moves"))
                    .isEqualTo(1.0);
            assertThat(require(scrape, "hal9_batcher_pending", "name", "moves")).isEqualTo(0.0);
            assertThat(require(scrape, "hal9_batcher_capacity", "name", "moves"))
                    .isEqualTo(ActionBatcher.DEFAULT_CAPACITY);
            assertThat(require(scrape, "hal9_batcher_batch_size_count", "name", "moves"))
                    .isEqualTo(batches);
            assertThat(require(scrape, "hal9_batcher_batch_size_sum", "name", "moves"))
                    .isEqualTo(25.0);
            assertThat(require(scrape, "hal9_batcher_batch_size_max", "name", "moves"))
                    .isBetween(1.0, 10.0);
            assertThat(require(scrape, "hal9_batcher_flush_duration_seconds_count", "name", "moves"))
                    .isEqualTo(batches);
            assertThat(require(scrape, "hal9_batcher_action_age_seconds_count", "name", "moves"))
                    .isEqualTo(batches);
            // a fixed ladder of buckets, 100 us to 10 s, not Micrometer's ~70 percentile-histogram buckets
            assertThat(Scrapes.find(scrape, "hal9_batcher_flush_duration_seconds_bucket", "name", "moves").stream()
                            .map(sample -> sample.labels().get("le"))
                            .toList())
                    .hasSize(17)
                    .startsWith("1.0E-4", "2.5E-4", "5.0E-4", "0.001")
                    .endsWith("5.0", "10.0", "+Inf");
        }
    }

    @Test
    void coalescerExposesComputedAndCoalescedCallsAndKeysInFlight() {
        Coalescer<String, String> profiles = Coalescer.create("profiles");
        CoalescerMetrics.builder(profiles).build().bindTo(registry);
        CompletableFuture<String> load = new CompletableFuture<>();
        CompletableFuture<String> a = profiles.get("arthur", k -> load);
        CompletableFuture<String> b = profiles.get("arthur", k -> CompletableFuture.completedFuture("other"));
        assertThat(require(registry.scrape(), "hal9_coalescer_in_flight", "name", "profiles"))
                .isEqualTo(1.0);
        load.complete("dent");
        assertThat(a.join()).isEqualTo("dent");
        assertThat(b.join()).isEqualTo("dent");
        profiles.get("ford", k -> CompletableFuture.failedFuture(new IllegalStateException("x")));

        String scrape = registry.scrape();
        assertThat(require(scrape, "hal9_coalescer_calls_total", "name", "profiles", "result", "computed"))
                .isEqualTo(2.0);
        assertThat(require(scrape, "hal9_coalescer_calls_total", "name", "profiles", "result", "coalesced"))
                .isEqualTo(1.0);
        assertThat(require(scrape, "hal9_coalescer_failures_total", "name", "profiles"))
                .isEqualTo(1.0);
        assertThat(require(scrape, "hal9_coalescer_in_flight", "name", "profiles"))
                .isEqualTo(0.0);
    }

    @Test
    void aRecorderServesOneComponentInOneRegistry() {
        ActionBatcherMetrics.Recorder recorder = ActionBatcherMetrics.recorder();
        try (ActionBatcher<Integer> batcher = ActionBatcher.<Integer>builder("moves", batch -> {})
                .listener(recorder)
                .build()) {
            ActionBatcherMetrics binder =
                    ActionBatcherMetrics.builder(batcher).recorder(recorder).build();
            binder.bindTo(registry);
            binder.bindTo(registry); // the same registry again: harmless (Micrometer notes the gauges exist)
            assertThatThrownBy(() -> binder.bindTo(Scrapes.registry()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("batcher recorder for 'moves'")
                    .hasMessageContaining("CompositeMeterRegistry");
        }
    }

    @Test
    void aRecorderPassesEventsOnToItsDelegate() {
        AtomicInteger batches = new AtomicInteger();
        ActionBatcherMetrics.Recorder recorder = ActionBatcherMetrics.recorder(new BatcherListener() {
            @Override
            public void onBatchWritten(int size, long writeNanos, long oldestAgeNanos) {
                batches.incrementAndGet();
            }
        });
        recorder.onBatchWritten(3, 10, 10); // before binding: recorded nowhere, still passed on
        assertThat(batches.get()).isEqualTo(1);
    }

    @Test
    void bindersRefuseOptionsSetTwice() {
        try (TaskLimiter limiter = TaskLimiter.builder("players").build()) {
            assertThatThrownBy(() -> TaskLimiterMetrics.builder(limiter)
                            .tags(Tags.empty())
                            .tags(Tags.empty()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("limiter metrics 'players'")
                    .hasMessageContaining("tags");
            TaskLimiterMetrics.Recorder r = TaskLimiterMetrics.recorder();
            assertThatThrownBy(() ->
                            TaskLimiterMetrics.builder(limiter).recorder(r).recorder(r))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("recorder");
        }
    }

    @Test
    void aJournaledBatcherExportsItsJournal(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        java.util.concurrent.atomic.AtomicBoolean down = new java.util.concurrent.atomic.AtomicBoolean(true);
        io.hal9.core.JournalCodec<Integer> codec = new io.hal9.core.JournalCodec<>() {
            @Override
            public void encode(Integer action, java.nio.ByteBuffer out) {
                out.putInt(action);
            }

            @Override
            public Integer decode(java.nio.ByteBuffer in) {
                return in.getInt();
            }
        };
        try (ActionBatcher<Integer> batcher = ActionBatcher.<Integer>builder("journaled", batch -> {
                    if (down.get()) {
                        throw new java.io.IOException("database unreachable");
                    }
                })
                .journal(io.hal9.core.ActionJournal.builder("journaled", dir, codec)
                        .build())
                .backoff(Duration.ofMillis(1), Duration.ofMillis(5))
                .build()) {
            ActionBatcherMetrics.builder(batcher).build().bindTo(registry);
            for (int i = 0; i < 10; i++) {
                batcher.trySubmitDurable(i).join();
            }
            String during = registry.scrape();
            assertThat(require(during, "hal9_batcher_journal_lag", "name", "journaled"))
                    .isEqualTo(10.0);
            assertThat(require(during, "hal9_batcher_journal_size_bytes", "name", "journaled"))
                    .isEqualTo(10 * 20.0);
            assertThat(require(during, "hal9_batcher_journal_syncs_total", "name", "journaled"))
                    .isPositive();
            assertThat(require(during, "hal9_batcher_journal_failed", "name", "journaled"))
                    .isZero();
            down.set(false);
            await().untilAsserted(() -> assertThat(
                            require(registry.scrape(), "hal9_batcher_journal_lag", "name", "journaled"))
                    .isZero());
            assertThat(require(registry.scrape(), "hal9_batcher_actions_unwritten_at_close_total", "name", "journaled"))
                    .isZero();
        }
    }
}

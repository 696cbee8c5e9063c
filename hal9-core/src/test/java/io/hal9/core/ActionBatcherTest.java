package io.hal9.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.hal9.testkit.ManualClock;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class ActionBatcherTest {

    /** A sink that records every successful batch, optionally held shut by a latch. */
    static class RecordingSink<T> implements BatchSink<T> {
        final List<List<T>> batches = new CopyOnWriteArrayList<>();
        final CountDownLatch entered = new CountDownLatch(1);
        volatile CountDownLatch gate = new CountDownLatch(0);

        @Override
        public void write(List<T> batch) throws Exception {
            entered.countDown();
            gate.await();
            batches.add(List.copyOf(batch)); // the batch is a view, valid during the call only
        }

        List<T> all() {
            List<T> out = new ArrayList<>();
            batches.forEach(out::addAll);
            return out;
        }
    }

    @Test
    void lingersAtMostMaxLingerWhenIdleAndCompletesTrackedFuture() throws Exception {
        RecordingSink<String> sink = new RecordingSink<>();
        try (ActionBatcher<String> batcher = ActionBatcher.builder("idle", sink)
                .maxLinger(Duration.ofMillis(2))
                .build()) {
            CompletableFuture<Void> done = batcher.trySubmitTracked("a");
            done.get(5, TimeUnit.SECONDS);
            assertThat(sink.batches).containsExactly(List.of("a"));
            assertThat(batcher.stats().written()).isEqualTo(1);
            assertThat(batcher.pending()).isZero();
        }
    }

    @Test
    void lingerIsMeasuredOnTheInjectedTicker() throws Exception {
        ManualClock ticker = new ManualClock();
        List<Long> writtenAt = new CopyOnWriteArrayList<>();
        RecordingSink<String> sink = new RecordingSink<>() {
            @Override
            public void write(List<String> batch) throws Exception {
                writtenAt.add(ticker.read());
                super.write(batch);
            }
        };
        try (ActionBatcher<String> batcher = ActionBatcher.builder("ticker", sink)
                .maxBatchSize(2)
                .maxLinger(Duration.ofSeconds(5))
                .ticker(ticker::read)
                .build()) {
            // Two actions within the linger leave together because the batch is full.
            batcher.trySubmit("a");
            ticker.advance(Duration.ofSeconds(4));
            batcher.trySubmit("b");
            await().until(() -> sink.batches.size() == 1);
            assertThat(sink.batches.getFirst()).containsExactly("a", "b");

            // A lone action leaves only once the ticker has moved past the linger.
            long submittedAt = ticker.read();
            batcher.trySubmit("c");
            await().pollInterval(Duration.ofMillis(5)).until(() -> {
                ticker.advance(Duration.ofMillis(500));
                return sink.batches.size() == 2;
            });
            assertThat(sink.batches.get(1)).containsExactly("c");
            assertThat(writtenAt.get(1) - submittedAt)
                    .isGreaterThanOrEqualTo(Duration.ofSeconds(5).toNanos());
        }
    }

    @Test
    void batchesGrowUnderLoadButNeverExceedMaxBatchSize() throws Exception {
        RecordingSink<Integer> sink = new RecordingSink<>();
        sink.gate = new CountDownLatch(1);
        try (ActionBatcher<Integer> batcher = ActionBatcher.builder("load", sink)
                .maxBatchSize(100)
                .maxLinger(Duration.ZERO)
                .build()) {
            batcher.trySubmit(0);
            assertThat(sink.entered.await(5, TimeUnit.SECONDS)).isTrue(); // the sink is busy with [0]
            for (int i = 1; i <= 250; i++) {
                assertThat(batcher.trySubmit(i)).isEqualTo(Admission.ACCEPTED);
            }
            sink.gate.countDown();
            await().until(() -> sink.all().size() == 251);
            assertThat(sink.all()).isSorted();
            assertThat(sink.batches).allSatisfy(b -> assertThat(b).hasSizeLessThanOrEqualTo(100));
            // While the sink was busy the rest piled up and left in full batches.
            assertThat(sink.batches.get(1)).hasSize(100);
        }
    }

    @Test
    void fullBatcherRefusesTryAndTimesOutTimedSubmitWithItsState() throws Exception {
        RecordingSink<Integer> sink = new RecordingSink<>();
        sink.gate = new CountDownLatch(1);
        try (ActionBatcher<Integer> batcher = ActionBatcher.builder("full", sink)
                .capacity(4)
                .maxBatchSize(1)
                .maxLinger(Duration.ZERO)
                .build()) {
            batcher.trySubmit(0);
            assertThat(sink.entered.await(5, TimeUnit.SECONDS)).isTrue();
            for (int i = 1; i <= 4; i++) {
                assertThat(batcher.trySubmit(i)).isEqualTo(Admission.ACCEPTED);
            }
            assertThat(batcher.trySubmit(5)).isEqualTo(Admission.FULL);
            CompletableFuture<Void> refused = batcher.trySubmitTracked(5);
            assertThat(refused).isCompletedExceptionally();
            assertThatThrownBy(() -> batcher.submit(5, Duration.ofMillis(20)))
                    .isInstanceOf(RejectedException.class)
                    .hasMessageContaining("batcher 'full': full after waiting 20ms")
                    .hasMessageContaining("capacity=4")
                    .satisfies(e -> assertThat(((RejectedException) e).reason()).isEqualTo(Admission.FULL));
            assertThat(batcher.stats().refusedFull()).isEqualTo(3);
            sink.gate.countDown();
            batcher.submit(5, Duration.ofSeconds(5)); // room again once the sink moves
            await().until(() -> sink.all().size() == 6);
            assertThat(sink.all()).containsExactly(0, 1, 2, 3, 4, 5);
        }
    }

    @Test
    void closeWritesEverythingAcceptedThenRefusesNewWork() {
        RecordingSink<Integer> sink = new RecordingSink<>();
        ActionBatcher<Integer> batcher = ActionBatcher.builder("close", sink)
                .maxLinger(Duration.ofMinutes(1))
                .maxBatchSize(1000)
                .build();
        for (int i = 0; i < 500; i++) {
            batcher.trySubmit(i);
        }
        batcher.close();
        assertThat(sink.all()).hasSize(500).isSorted();
        assertThat(batcher.pending()).isZero();
        assertThat(batcher.isClosed()).isTrue();
        assertThat(batcher.trySubmit(1)).isEqualTo(Admission.CLOSED);
        assertThat(batcher.trySubmitTracked(1))
                .failsWithin(Duration.ZERO)
                .withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(RejectedException.class)
                .withMessageContaining("batcher 'close': closed");
        assertThatThrownBy(() -> batcher.submit(1, Duration.ofMillis(1)))
                .isInstanceOf(RejectedException.class)
                .hasMessageContaining("closed");
        batcher.close(); // idempotent
        assertThat(batcher.stats().refusedClosed()).isEqualTo(3);
    }

    @Test
    void transientFailuresAreRetriedWithoutDuplicatesOrReordering() {
        AtomicInteger calls = new AtomicInteger();
        RecordingSink<Integer> sink = new RecordingSink<>() {
            @Override
            public void write(List<Integer> batch) throws Exception {
                if (calls.incrementAndGet() <= 2) {
                    throw new IOException("connection reset");
                }
                super.write(batch);
            }
        };
        List<Integer> retriedSizes = new CopyOnWriteArrayList<>();
        ActionBatcher<Integer> batcher = ActionBatcher.builder("retry", sink)
                .maxBatchSize(10)
                .maxLinger(Duration.ofMinutes(1))
                .backoff(Duration.ofMillis(1), Duration.ofMillis(2))
                .listener(new BatcherListener() {
                    @Override
                    public void onRetry(int attempt, int size, Throwable cause) {
                        retriedSizes.add(size);
                    }
                })
                .build();
        for (int i = 0; i < 25; i++) {
            batcher.trySubmit(i);
        }
        batcher.close();
        assertThat(sink.all()).containsExactlyElementsOf(range(25));
        assertThat(batcher.stats().retries()).isEqualTo(2);
        assertThat(batcher.stats().deadLettered()).isZero();
        assertThat(retriedSizes).containsExactly(10, 10);
    }

    @Test
    void exhaustedRetriesDeadLetterTheBatchAndFailTrackedFutures() {
        List<List<Integer>> deadLetters = new CopyOnWriteArrayList<>();
        ActionBatcher<Integer> batcher = ActionBatcher.<Integer>builder("dead", batch -> {
                    throw new IOException("database down");
                })
                .maxRetries(2)
                .backoff(Duration.ZERO, Duration.ZERO)
                .maxLinger(Duration.ofMinutes(1))
                .deadLetterHandler((actions, cause) -> deadLetters.add(actions))
                .build();
        CompletableFuture<Void> tracked = batcher.trySubmitTracked(1);
        batcher.trySubmit(2);
        batcher.close();
        assertThat(deadLetters).containsExactly(List.of(1, 2));
        assertThat(tracked)
                .failsWithin(Duration.ZERO)
                .withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(BatchFailedException.class)
                .withMessageContaining("database down");
        assertThat(batcher.stats().retries()).isEqualTo(2);
        assertThat(batcher.stats().deadLettered()).isEqualTo(2);
        assertThat(batcher.pending()).isZero();
    }

    @Test
    void aPermanentFailureIsolatesThePoisonActionAndDeliversTheRest() {
        RecordingSink<Integer> sink = new RecordingSink<>() {
            @Override
            public void write(List<Integer> batch) throws Exception {
                if (batch.contains(13)) {
                    throw new IllegalArgumentException("constraint violation on 13");
                }
                super.write(batch);
            }
        };
        List<Integer> deadLetters = new CopyOnWriteArrayList<>();
        ActionBatcher<Integer> batcher = ActionBatcher.builder("poison", sink)
                .maxBatchSize(32)
                .maxLinger(Duration.ofMinutes(1))
                .retryOn(t -> !(t instanceof IllegalArgumentException))
                .deadLetterHandler((actions, cause) -> deadLetters.addAll(actions))
                .build();
        for (int i = 0; i < 32; i++) {
            batcher.trySubmit(i);
        }
        batcher.close();
        List<Integer> expected = new ArrayList<>(range(32));
        expected.remove(Integer.valueOf(13));
        assertThat(sink.all()).containsExactlyElementsOf(expected);
        assertThat(deadLetters).containsExactly(13);
        assertThat(batcher.stats().retries()).isZero();
    }

    @Test
    void aggregatingModeWritesOneEntryPerKeyPerWindowAndKeepsEveryContribution() throws Exception {
        record Score(String game, long points) {}
        RecordingSink<Score> sink = new RecordingSink<>();
        sink.gate = new CountDownLatch(1);
        ActionBatcher<Score> batcher = ActionBatcher.builder("scores", sink)
                .maxLinger(Duration.ZERO)
                .aggregateBy(Score::game, (a, b) -> new Score(a.game(), a.points() + b.points()))
                .build();
        batcher.trySubmit(new Score("warmup", 1));
        assertThat(sink.entered.await(5, TimeUnit.SECONDS)).isTrue();
        List<CompletableFuture<Void>> tracked = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            tracked.add(batcher.trySubmitTracked(new Score("g" + (i % 3), i)));
        }
        sink.gate.countDown();
        batcher.close();
        assertThat(sink.batches.get(1))
                .containsExactly(
                        new Score("g0", sumOf(0, 300, 0)),
                        new Score("g1", sumOf(0, 300, 1)),
                        new Score("g2", sumOf(0, 300, 2)));
        assertThat(tracked).allSatisfy(f -> assertThat(f).isCompleted().isNotCompletedExceptionally());
        assertThat(batcher.stats().merged()).isEqualTo(297);
        assertThat(batcher.stats().written()).isEqualTo(4);
        assertThat(batcher.pending()).isZero();
    }

    @Test
    void aMergeFunctionThatThrowsDeadLettersOnlyTheNewContribution() {
        RecordingSink<Integer> sink = new RecordingSink<>();
        List<Integer> deadLetters = new CopyOnWriteArrayList<>();
        ActionBatcher<Integer> batcher = ActionBatcher.builder("bad-merge", sink)
                .maxLinger(Duration.ofMinutes(1))
                .aggregateBy(i -> i % 2, (a, b) -> {
                    if (b == 3) {
                        throw new ArithmeticException("cannot merge 3");
                    }
                    return a + b;
                })
                .deadLetterHandler((actions, cause) -> deadLetters.addAll(actions))
                .build();
        for (int i = 0; i < 6; i++) {
            batcher.trySubmit(i);
        }
        batcher.close();
        assertThat(sink.all()).containsExactly(0 + 2 + 4, 1 + 5);
        assertThat(deadLetters).containsExactly(3);
        assertThat(batcher.pending()).isZero();
    }

    @Test
    void closeFromInsideTheSinkDoesNotDeadlock() {
        AtomicInteger calls = new AtomicInteger();
        List<Integer> seen = Collections.synchronizedList(new ArrayList<>());
        AtomicReference<ActionBatcher<Integer>> self = new AtomicReference<>();
        self.set(ActionBatcher.<Integer>builder("self-close", batch -> {
                    seen.addAll(batch);
                    if (calls.incrementAndGet() == 1) {
                        self.get().close();
                    }
                })
                .maxLinger(Duration.ZERO)
                .build());
        self.get().trySubmit(1);
        await().until(() -> self.get().isClosed() && self.get().pending() == 0);
        self.get().close();
        assertThat(seen).containsExactly(1);
    }

    @Test
    void builderRejectsBadOptionsNamingTheOptionAndRange() {
        BatchSink<Integer> sink = batch -> {};
        assertThatThrownBy(() -> ActionBatcher.builder("b", sink).maxBatchSize(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("batcher 'b': maxBatchSize must be in [1, 1048576], was 0");
        assertThatThrownBy(() -> ActionBatcher.builder("b", sink).maxLinger(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxLinger must be in [PT0S, PT1M]");
        assertThatThrownBy(() -> ActionBatcher.builder("b", sink).capacity(1))
                .hasMessage("batcher 'b': capacity must be in [2, 1073741824], was 1");
        assertThatThrownBy(() -> ActionBatcher.builder("b", sink)
                        .capacity(10)
                        .maxBatchSize(20)
                        .build())
                .hasMessage("batcher 'b': maxBatchSize must be <= capacity (10), was 20");
        assertThatThrownBy(() -> ActionBatcher.builder("b", sink).maxRetries(1).maxRetries(2))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("batcher 'b': maxRetries was already set");
        assertThatThrownBy(() -> ActionBatcher.builder(" ", sink))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("batcher name must be");
        assertThatThrownBy(() -> ActionBatcher.builder("b", sink).backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .hasMessageContaining("backoff max must be in [PT2S, PT10M], was PT1S");
    }

    private static List<Integer> range(int n) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(i);
        }
        return out;
    }

    private static long sumOf(int from, int to, int residue) {
        long sum = 0;
        for (int i = from; i < to; i++) {
            if (i % 3 == residue) {
                sum += i;
            }
        }
        return sum;
    }
}

package io.hal9.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class BatchWriterTest {
    private final List<List<Integer>> written = new ArrayList<>();
    private final List<List<Integer>> deadLetters = new ArrayList<>();

    private BatchWriter<Integer> writer(BatchSink<Integer> sink, int maxRetries) {
        ActionBatcher.Builder<Integer> b = ActionBatcher.builder("writer-test", sink)
                .maxRetries(maxRetries)
                .backoff(Duration.ZERO, Duration.ZERO)
                .retryOn(t -> t instanceof IllegalStateException)
                .deadLetterHandler((actions, cause) -> deadLetters.add(List.copyOf(actions)));
        return new BatchWriter<>(b, () -> 0);
    }

    private static BatchWindow<Integer> window(int... actions) {
        BatchWindow<Integer> w = new BatchWindow<>(16, false);
        for (int a : actions) {
            w.add(a, null);
        }
        return w;
    }

    @Test
    void aTransientFailureIsRetriedUntilTheSinkWorks() {
        AtomicInteger calls = new AtomicInteger();
        BatchWriter<Integer> writer = writer(
                batch -> {
                    if (calls.incrementAndGet() <= 2) {
                        throw new IllegalStateException("down");
                    }
                    written.add(List.copyOf(batch));
                },
                ActionBatcher.UNLIMITED_RETRIES);
        BatchWindow<Integer> w = window(1, 2, 3);
        CompletableFuture<Void> tracked = new CompletableFuture<>();
        w.add(4, tracked);

        assertThat(writer.deliver(w, 0, w.size())).isEqualTo(4);

        assertThat(written).containsExactly(List.of(1, 2, 3, 4));
        assertThat(tracked).isCompleted();
        assertThat(writer.retries).isEqualTo(2);
        assertThat(writer.batches).isEqualTo(1);
        assertThat(writer.written).isEqualTo(4);
        assertThat(writer.completed).isEqualTo(4);
        assertThat(writer.lastFailure).hasMessage("down");
    }

    @Test
    void aPermanentFailureIsSplitUntilTheBadActionIsDeadLetteredAlone() {
        BatchWriter<Integer> writer = writer(
                batch -> {
                    if (batch.contains(3)) {
                        throw new IllegalArgumentException("bad action 3");
                    }
                    written.add(List.copyOf(batch));
                },
                5);
        BatchWindow<Integer> w = window(1, 2, 3, 4, 5);

        assertThat(writer.deliver(w, 0, w.size())).isEqualTo(5);

        assertThat(deadLetters).containsExactly(List.of(3));
        assertThat(written.stream().flatMap(List::stream)).containsExactlyInAnyOrder(1, 2, 4, 5);
        assertThat(writer.deadLettered).isEqualTo(1);
        assertThat(writer.completed).isEqualTo(5);
        assertThat(writer.retries).isZero();
    }

    @Test
    void retriesRunOutIntoTheDeadLetterHandlerAndFailTrackedFutures() {
        BatchWriter<Integer> writer = writer(
                batch -> {
                    throw new IllegalStateException("still down");
                },
                2);
        BatchWindow<Integer> w = new BatchWindow<>(16, false);
        CompletableFuture<Void> tracked = new CompletableFuture<>();
        w.add(7, tracked);

        assertThat(writer.deliver(w, 0, 1)).isEqualTo(1);

        assertThat(writer.retries).isEqualTo(2);
        assertThat(deadLetters).containsExactly(List.of(7));
        assertThat(tracked).isCompletedExceptionally();
        assertThat(tracked.exceptionNow()).isInstanceOf(BatchFailedException.class);
    }

    @Test
    void anAbandonedWriterStopsAtTheFailingBatchAndDeadLettersNothing() {
        AtomicReference<BatchWriter<Integer>> self = new AtomicReference<>();
        self.set(writer(
                batch -> {
                    self.get().abandon = true; // close() gave up while the sink was failing
                    throw new IllegalStateException("hanging sink interrupted");
                },
                ActionBatcher.UNLIMITED_RETRIES));
        BatchWindow<Integer> w = window(1, 2);

        assertThat(self.get().deliver(w, 0, 2)).isZero();

        assertThat(deadLetters).isEmpty();
        assertThat(self.get().completed).isZero();
        assertThat(self.get().lastFailure).hasMessage("hanging sink interrupted");
    }
}

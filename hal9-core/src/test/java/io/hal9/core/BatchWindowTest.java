package io.hal9.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class BatchWindowTest {

    @Test
    void plainModeCountsOneContributionPerEntryAndTracksFuturesFromTheFirstTrackedOne() {
        BatchWindow<String> window = new BatchWindow<>(8, false);
        CompletableFuture<Void> tracked = new CompletableFuture<>();
        window.add("a", null);
        window.add("b", tracked);
        window.add("c", null);

        assertThat(window.size()).isEqualTo(3);
        assertThat(window.contributions(0, 3)).isEqualTo(3);
        assertThat(window.futures(0, 1)).isEmpty();
        assertThat(window.futures(0, 3)).containsExactly(tracked);

        window.complete(0, 2);
        assertThat(tracked).isCompleted();
    }

    @Test
    void withoutTrackedEntriesThereIsNoFutureList() {
        BatchWindow<String> window = new BatchWindow<>(8, false);
        window.add("a", null);
        assertThat(window.futures(0, 1)).isNull();
    }

    @Test
    void aggregatingModeWeighsMergedEntriesAndKeepsEveryMergedFuture() {
        BatchWindow<Integer> window = new BatchWindow<>(8, true);
        CompletableFuture<Void> first = new CompletableFuture<>();
        CompletableFuture<Void> second = new CompletableFuture<>();
        CompletableFuture<Void> third = new CompletableFuture<>();
        window.add(1, null);
        window.add(10, first);
        window.merge(1, 30, second);
        window.merge(1, 60, third);
        window.merge(0, 2, null);

        assertThat(window.actions).containsExactly(2, 60);
        assertThat(window.contributions(0, 1)).isEqualTo(2);
        assertThat(window.contributions(1, 2)).isEqualTo(3);
        assertThat(window.futures(1, 2)).containsExactly(first, second, third);
    }

    @Test
    void aMergeIntoAnUntrackedWindowStartsTheTrackerList() {
        BatchWindow<Integer> window = new BatchWindow<>(8, true);
        CompletableFuture<Void> late = new CompletableFuture<>();
        window.add(1, null);
        window.add(2, null);
        window.merge(0, 3, late);
        assertThat(window.futures(0, 2)).containsExactly(late);
    }

    @Test
    void removeFirstKeepsTheUnwrittenTailWithItsWeightsAndFutures() {
        BatchWindow<Integer> window = new BatchWindow<>(8, true);
        CompletableFuture<Void> kept = new CompletableFuture<>();
        window.indexByKey.put("k", 0);
        window.add(1, null);
        window.add(2, kept);
        window.merge(1, 5, null);

        window.removeFirst(1);

        assertThat(window.actions).containsExactly(5);
        assertThat(window.contributions(0, 1)).isEqualTo(2);
        assertThat(window.futures(0, 1)).isEqualTo(List.of(kept));
        assertThat(window.indexByKey).isEmpty();

        window.clear();
        assertThat(window.size()).isZero();
        assertThat(window.futures(0, 0)).isNull();
    }
}

package io.hal9.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The batch being collected, owned by the flusher thread: actions in acceptance order (one per key
 * in aggregating mode), with, per entry, the futures of its tracked contributions and how many
 * accepted contributions it stands for. Also holds the wrapper a tracked submission travels in.
 *
 * <p>Part of {@link ActionBatcherImpl}. Thread safety: none; the batcher's flusher thread owns it. Limits:
 * {@code maxBatchSize} entries, which the flusher never exceeds (it drains at most the room left).
 */
final class BatchWindow<T> {
    final ArrayList<T> actions;
    /** Per entry: null, one CompletableFuture, or an ArrayList of them. Allocated on first use. */
    @Nullable
    ArrayList<@Nullable Object> trackers;
    /** Per entry contribution counts, aggregating mode only (plain mode: one each). */
    final @Nullable ArrayList<Integer> weights;

    final LinkedHashMap<Object, Integer> indexByKey;
    /** Takes one drained element into this window; made once so draining allocates nothing. */
    Consumer<Object> taker = o -> {};

    long firstSeen;

    BatchWindow(int maxBatchSize, boolean aggregating) {
        int initial = Math.min(maxBatchSize, 1024);
        this.actions = new ArrayList<>(initial);
        this.weights = aggregating ? new ArrayList<>(initial) : null;
        this.indexByKey = new LinkedHashMap<>();
    }

    void start(long now) {
        firstSeen = now;
    }

    int size() {
        return actions.size();
    }

    void add(T action, @Nullable CompletableFuture<Void> future) {
        actions.add(action);
        if (weights != null) {
            weights.add(1);
        }
        ArrayList<@Nullable Object> t = trackers;
        if (future != null && t == null) {
            t = new ArrayList<>(Math.max(16, actions.size()));
            for (int i = 0; i < actions.size() - 1; i++) {
                t.add(null);
            }
            trackers = t;
        }
        if (t != null) {
            t.add(future);
        }
    }

    void merge(int index, T combined, @Nullable CompletableFuture<Void> future) {
        actions.set(index, combined);
        ArrayList<Integer> w = Objects.requireNonNull(weights);
        w.set(index, w.get(index) + 1);
        if (future == null) {
            return;
        }
        ArrayList<@Nullable Object> t = trackers;
        if (t == null) {
            t = new ArrayList<>(Math.max(16, actions.size()));
            for (int i = 0; i < actions.size(); i++) {
                t.add(null);
            }
            trackers = t;
        }
        Object existing = t.get(index);
        if (existing == null) {
            t.set(index, future);
        } else if (existing instanceof ArrayList<?> list) {
            @SuppressWarnings("unchecked") // only CompletableFuture<Void> elements are ever added
            ArrayList<Object> futures = (ArrayList<Object>) list;
            futures.add(future);
        } else {
            ArrayList<Object> futures = new ArrayList<>(4);
            futures.add(existing);
            futures.add(future);
            t.set(index, futures);
        }
    }

    long contributions(int from, int to) {
        if (weights == null) {
            return to - from;
        }
        long sum = 0;
        for (int i = from; i < to; i++) {
            sum += weights.get(i);
        }
        return sum;
    }

    @Nullable
    List<CompletableFuture<Void>> futures(int from, int to) {
        ArrayList<@Nullable Object> t = trackers;
        if (t == null) {
            return null;
        }
        List<CompletableFuture<Void>> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            collect(t.get(i), out);
        }
        return out;
    }

    void complete(int from, int to) {
        List<CompletableFuture<Void>> done = futures(from, to);
        if (done != null) {
            for (CompletableFuture<Void> f : done) {
                f.complete(null);
            }
        }
    }

    @SuppressWarnings("unchecked") // trackers hold only CompletableFuture<Void> or lists of them
    private static void collect(@Nullable Object tracker, List<CompletableFuture<Void>> out) {
        if (tracker == null) {
            return;
        }
        if (tracker instanceof ArrayList<?> list) {
            for (Object f : list) {
                out.add((CompletableFuture<Void>) f);
            }
        } else {
            out.add((CompletableFuture<Void>) tracker);
        }
    }

    /** Drops the first {@code n} entries (written), keeping the rest for the close hand-over. */
    void removeFirst(int n) {
        if (n == 0) {
            return;
        }
        actions.subList(0, n).clear();
        if (weights != null) {
            weights.subList(0, n).clear();
        }
        if (trackers != null) {
            trackers.subList(0, n).clear();
        }
        indexByKey.clear();
    }

    void clear() {
        actions.clear();
        if (weights != null) {
            weights.clear();
        }
        trackers = null;
        indexByKey.clear();
    }

    /** A tracked submission: the action and the future its submitter holds. */
    static final class Tracked<T> {
        final T action;
        final CompletableFuture<Void> future = new CompletableFuture<>();

        Tracked(T action) {
            this.action = action;
        }
    }
}

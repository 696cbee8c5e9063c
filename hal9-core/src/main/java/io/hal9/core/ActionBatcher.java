package io.hal9.core;

import io.hal9.core.internal.Checks;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.function.BinaryOperator;
import java.util.function.Function;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Collects actions submitted from many threads and hands them to a {@link BatchSink} in batches, one
 * batch per sink call (meant to be one database transaction): the seed's "process multiple actions in
 * a single transaction".
 *
 * <p><b>Smart batching.</b> One flusher thread takes pending actions and writes a batch as soon as it
 * holds {@code maxBatchSize} actions or {@code maxLinger} has passed since it saw the oldest of them,
 * whichever comes first. Under load batches grow toward {@code maxBatchSize}; when idle an action waits
 * at most {@code maxLinger} (zero: never wait for company).
 *
 * <p><b>Order.</b> Actions reach the sink in the order they were accepted (the order of one global
 * multi-producer queue), so actions of one key (a game id) submitted one after the other arrive in
 * submission order, also across retries: a failing batch is retried before anything behind it.
 *
 * <p><b>Limits.</b> At most {@code capacity} actions wait. When full, {@link #trySubmit} answers {@link
 * Admission#FULL} at once and {@link #submit(Object, Duration)} waits up to its timeout, then throws
 * {@link RejectedException}. Nothing accepted is dropped silently.
 *
 * <p><b>Failures.</b> A sink call that throws is retried with bounded exponential backoff while the
 * {@code retryOn} predicate calls the failure transient (default: any {@link Exception}). When the
 * retries run out the batch goes to the {@link DeadLetterHandler}. A permanent failure of a batch of
 * more than one action splits it in halves and writes each, so a single poison action is
 * dead-lettered alone while the others are delivered. Each accepted action is therefore delivered
 * exactly once or dead-lettered exactly once, provided the sink is all-or-nothing (see {@link
 * BatchSink}).
 *
 * <p><b>Aggregating mode.</b> With {@link Builder#aggregateBy}, pending actions with the same key are
 * merged by a user function while they wait, so a batch holds one entry per key (one row per key per
 * window: the seed's "aggregate analytics before writing" and "batch similar notifications"). Every
 * contribution is merged into the entry that is written; none is lost.
 *
 * <p><b>Lifecycle.</b> {@link #close()} refuses new actions, then waits up to {@code closeTimeout} for
 * every accepted action to be written or dead-lettered. If that takes longer, it returns after logging
 * a warning and the flusher finishes the work in the background.
 *
 * <p>Thread safety: all methods may be called from any thread.
 *
 * @param <T> the action type
 */
public interface ActionBatcher<T> extends AutoCloseable {

    /** Default {@code maxBatchSize}. */
    int DEFAULT_MAX_BATCH_SIZE = 500;
    /** Default {@code maxLinger}. */
    Duration DEFAULT_MAX_LINGER = Duration.ofMillis(5);
    /** Default {@code capacity}: pending actions. */
    int DEFAULT_CAPACITY = 10_000;
    /** Default {@code maxRetries}: attempts after the first. */
    int DEFAULT_MAX_RETRIES = 3;

    /**
     * Starts a builder.
     *
     * @param name names the batcher in messages, logs, thread names and metrics
     * @param sink writes the batches
     */
    static <T> Builder<T> builder(String name, BatchSink<T> sink) {
        return new Builder<>(name, sink);
    }

    /**
     * Offers an action without blocking and without allocating.
     *
     * @return {@link Admission#ACCEPTED}, {@link Admission#FULL} (capacity reached; nothing taken) or
     *     {@link Admission#CLOSED}
     */
    Admission trySubmit(T action);

    /**
     * Offers an action without blocking and returns a future that completes when the action has been
     * written (normally) or dead-lettered (exceptionally, with {@link BatchFailedException}). If the
     * action is refused, the returned future has already failed with a {@link RejectedException}
     * whose {@link RejectedException#reason()} says why.
     */
    CompletableFuture<Void> trySubmitTracked(T action);

    /**
     * Submits an action, waiting up to {@code timeout} for room.
     *
     * @throws RejectedException if there was no room within the timeout ({@link Admission#FULL}), if
     *     the batcher is closed ({@link Admission#CLOSED}), or if the wait was interrupted (the
     *     interrupt flag is restored)
     */
    void submit(T action, Duration timeout);

    /** The name given to the builder. */
    String name();

    /** Actions accepted and not yet written or dead-lettered (approximate while producers run). */
    int pending();

    /** A snapshot of the counters. */
    BatcherStats stats();

    /** Returns true once {@link #close()} has been called. */
    boolean isClosed();

    /**
     * Refuses new actions and waits up to {@code closeTimeout} until every accepted action has been
     * written or dead-lettered. Idempotent; a second call waits again for the same work.
     */
    @Override
    void close();

    /**
     * A counters snapshot.
     *
     * @param capacity the configured capacity
     * @param pending actions accepted and not yet written or dead-lettered
     * @param accepted actions accepted since the start
     * @param refusedFull submissions refused because the batcher was full
     * @param refusedClosed submissions refused because the batcher was closed
     * @param batches successful sink calls
     * @param written actions written by successful sink calls (after merging)
     * @param merged contributions merged into an already pending entry (aggregating mode)
     * @param retries failed sink calls that were retried
     * @param deadLettered actions handed to the dead-letter handler (after merging)
     */
    record BatcherStats(
            int capacity,
            int pending,
            long accepted,
            long refusedFull,
            long refusedClosed,
            long batches,
            long written,
            long merged,
            long retries,
            long deadLettered) {}

    /**
     * Configures an {@link ActionBatcher}. Each option may be set once; values are checked when set
     * and again in {@link #build()}.
     *
     * <p>Thread safety: not thread-safe; use from one thread, then discard.
     *
     * @param <T> the action type
     */
    final class Builder<T> {
        final String name;
        final String component;
        final BatchSink<T> sink;
        int maxBatchSize = DEFAULT_MAX_BATCH_SIZE;
        Duration maxLinger = DEFAULT_MAX_LINGER;
        int capacity = DEFAULT_CAPACITY;
        int maxRetries = DEFAULT_MAX_RETRIES;
        Duration initialBackoff = Duration.ofMillis(10);
        Duration maxBackoff = Duration.ofSeconds(1);
        Duration closeTimeout = Duration.ofSeconds(30);
        Predicate<? super Throwable> retryOn = t -> t instanceof Exception;

        @Nullable
        DeadLetterHandler<T> deadLetterHandler;

        BatcherListener listener = BatcherListener.noop();
        Ticker ticker = Ticker.system();

        @Nullable
        ThreadFactory threadFactory;

        @Nullable
        Function<? super T, ?> keyFunction;

        @Nullable
        BinaryOperator<T> merger;

        private int setMask;

        Builder(String name, BatchSink<T> sink) {
            this.name = Checks.name("batcher", name);
            this.component = "batcher '" + name + "'";
            this.sink = Objects.requireNonNull(sink, "sink");
        }

        private void once(int bit, String option) {
            Checks.notSet(component, option, (setMask & bit) != 0);
            setMask |= bit;
        }

        /** Flush when a batch holds this many actions (entries, in aggregating mode). Default 500, range [1, 1048576]. */
        public Builder<T> maxBatchSize(int maxBatchSize) {
            once(1, "maxBatchSize");
            this.maxBatchSize = Checks.inRange(component, "maxBatchSize", maxBatchSize, 1, 1 << 20);
            return this;
        }

        /**
         * Flush at the latest this long after the flusher saw the oldest pending action. Default 5 ms,
         * range [0, 1 min]; zero writes whatever is pending at once (pure smart batching).
         */
        public Builder<T> maxLinger(Duration maxLinger) {
            once(2, "maxLinger");
            this.maxLinger = Checks.duration(component, "maxLinger", maxLinger, Duration.ZERO, Duration.ofMinutes(1));
            return this;
        }

        /** At most this many actions wait to be written. Default 10,000, range [2, 1073741824]. */
        public Builder<T> capacity(int capacity) {
            once(4, "capacity");
            this.capacity = Checks.inRange(component, "capacity", capacity, 2, 1 << 30);
            return this;
        }

        /** Retries of a failed sink call before dead-lettering. Default 3, range [0, 100]. */
        public Builder<T> maxRetries(int maxRetries) {
            once(8, "maxRetries");
            this.maxRetries = Checks.inRange(component, "maxRetries", maxRetries, 0, 100);
            return this;
        }

        /**
         * Backoff before the first retry, doubling up to {@code max}. Defaults 10 ms and 1 s; {@code
         * initial} in [0, 1 min], {@code max} in [initial, 10 min].
         */
        public Builder<T> backoff(Duration initial, Duration max) {
            once(16, "backoff");
            this.initialBackoff =
                    Checks.duration(component, "backoff initial", initial, Duration.ZERO, Duration.ofMinutes(1));
            this.maxBackoff = Checks.duration(component, "backoff max", max, initial, Duration.ofMinutes(10));
            return this;
        }

        /** How long {@link ActionBatcher#close()} waits for pending actions. Default 30 s, range [0, 1 h]. */
        public Builder<T> closeTimeout(Duration closeTimeout) {
            once(32, "closeTimeout");
            this.closeTimeout =
                    Checks.duration(component, "closeTimeout", closeTimeout, Duration.ZERO, Duration.ofHours(1));
            return this;
        }

        /**
         * Which sink failures are transient and worth a retry; others are permanent (the batch is split
         * to isolate the poison action). Default: every {@link Exception} is retried, {@link Error}s are
         * not.
         */
        public Builder<T> retryOn(Predicate<? super Throwable> retryOn) {
            once(64, "retryOn");
            this.retryOn = Objects.requireNonNull(retryOn, "retryOn");
            return this;
        }

        /** Where undeliverable actions go. Default: logged at ERROR (and counted). */
        public Builder<T> deadLetterHandler(DeadLetterHandler<T> handler) {
            once(128, "deadLetterHandler");
            this.deadLetterHandler = Objects.requireNonNull(handler, "deadLetterHandler");
            return this;
        }

        /** Hears batches, retries, dead letters and refusals. Default: none. */
        public Builder<T> listener(BatcherListener listener) {
            once(256, "listener");
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** The time source for linger and ages. Default {@link Ticker#system()}. */
        public Builder<T> ticker(Ticker ticker) {
            once(512, "ticker");
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /** Creates the flusher thread. Default: a platform daemon thread named {@code hal9-batcher-<name>}. */
        public Builder<T> threadFactory(ThreadFactory threadFactory) {
            once(1024, "threadFactory");
            this.threadFactory = Objects.requireNonNull(threadFactory, "threadFactory");
            return this;
        }

        /**
         * Switches to aggregating mode: pending actions whose {@code key} is equal are merged with
         * {@code merge(older, newer)} while they wait, so a batch holds one entry per key. {@code
         * maxBatchSize} then counts distinct keys. If {@code merge} throws, the newer action alone is
         * dead-lettered with that exception.
         */
        public <K> Builder<T> aggregateBy(Function<? super T, ? extends K> key, BinaryOperator<T> merge) {
            once(2048, "aggregateBy");
            this.keyFunction = Objects.requireNonNull(key, "key");
            this.merger = Objects.requireNonNull(merge, "merge");
            return this;
        }

        /** Validates the options and starts the batcher's flusher thread. */
        public ActionBatcher<T> build() {
            if (maxBatchSize > capacity) {
                throw new IllegalArgumentException(
                        component + ": maxBatchSize must be <= capacity (" + capacity + "), was " + maxBatchSize);
            }
            return DefaultActionBatcher.start(this);
        }
    }
}

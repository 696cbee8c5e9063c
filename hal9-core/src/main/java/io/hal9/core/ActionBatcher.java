package io.hal9.core;

import io.hal9.core.internal.BuilderOptions;
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
 * batch per sink call (meant to be one database transaction), so that many actions cost one round
 * trip and one commit.
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
 * <p><b>Failures.</b> A sink call that throws is retried with capped exponential backoff for as long
 * as the {@code retryOn} predicate calls the failure transient (default: any {@link Exception}): a
 * database outage is waited out, not dead-lettered, and meanwhile the bounded queue fills and turns
 * the outage into backpressure ({@link Admission#FULL}). The first failure of a streak is logged at
 * WARN and the recovery at INFO, not every try. {@code maxRetries} bounds the retries for users who
 * prefer to dead-letter after a while. A permanent failure of a batch of more than one action splits
 * it in halves and writes each, so a single poison action is dead-lettered alone while the others are
 * delivered. Each accepted action is therefore delivered exactly once or dead-lettered exactly once,
 * provided the sink is all-or-nothing (see {@link BatchSink}).
 *
 * <p><b>Durability.</b> Without a journal, an accepted action lives in memory until its batch is
 * written: a crash of the process loses the actions waiting in the batcher (at most {@code
 * capacity}). With an {@link ActionJournal} ({@link Builder#journal}), every accepted action is first
 * appended to a journal on local disk; {@link #trySubmitDurable} answers once it is synced there, the
 * journal is replayed into the sink at the next start, and a crash loses nothing that was
 * acknowledged. The sink must then be idempotent (see {@link ActionJournal}).
 *
 * <p><b>Aggregating mode.</b> With {@link Builder#aggregateBy}, pending actions with the same key are
 * merged by a user function while they wait, so a batch holds one entry per key (one row per key per
 * window: analytics aggregated before they are written, similar notifications sent as one). Every
 * contribution is merged into the entry that is written; none is lost.
 *
 * <p><b>Lifecycle.</b> {@link #close()} refuses new actions, then waits up to {@code closeTimeout} for
 * every accepted action to be written or dead-lettered. If the sink is still failing then (an outage
 * during shutdown), the batcher stops retrying and loses nothing silently: with a journal, the
 * unwritten actions stay in it and are replayed at the next start; without one, they are handed to
 * the {@link DeadLetterHandler} with a {@link BatcherClosedException} as the cause (the last-chance
 * path). Either way they are counted in {@link Stats#unwrittenAtClose()} and named in one log
 * line. A sink call that hangs past that is interrupted and given {@code closeTimeout} once more.
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
    /** {@code maxRetries} that retries a transient failure for as long as it lasts. */
    int UNLIMITED_RETRIES = Integer.MAX_VALUE;
    /** Default {@code maxRetries}: {@link #UNLIMITED_RETRIES}. */
    int DEFAULT_MAX_RETRIES = UNLIMITED_RETRIES;

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
     * Offers an action without blocking and returns a future that completes once the action is
     * acknowledged: with a journal, when its record is synced to disk (it then survives a crash);
     * without one, at once (accepted in memory). Tell the client its action was taken only when this
     * completes. The future completes on the journal's writer thread: attach quick, non-blocking
     * callbacks, or use the {@code ...Async} variants. It fails with {@link RejectedException} when the
     * action is refused ({@link RejectedException#reason()} says why; nothing was taken), and with a
     * {@link Hal9Exception} if the journal's disk fails before the sync (the action is still written
     * to the sink).
     *
     * @throws IllegalArgumentException when the journal's codec cannot encode the action (nothing taken)
     */
    CompletableFuture<Void> trySubmitDurable(T action);

    /**
     * Submits an action, waiting up to {@code timeout} for room and, with a journal, for the action to
     * be synced to disk.
     *
     * @throws RejectedException if there was no room within the timeout ({@link Admission#FULL}), if
     *     the batcher is closed ({@link Admission#CLOSED}), or if the wait was interrupted (the
     *     interrupt flag is restored)
     * @throws Hal9Exception with a journal, when the action was taken but is not yet synced at the
     *     timeout, or the journal's disk failed (the action is still written to the sink)
     */
    void submit(T action, Duration timeout);

    /**
     * The journal given to the builder, if any.
     *
     * @return the journal, or null without one
     */
    @Nullable
    ActionJournal<T> journal();

    /**
     * Completes once the actions found in the journal at start have all been written to the sink (or
     * dead-lettered); at once without a journal or when it held nothing. A host that rebuilds state
     * from the sink's data waits for this first.
     */
    CompletableFuture<Void> replayed();

    /** The name given to the builder. */
    String name();

    /**
     * The listener given to the builder ({@link BatcherListener#noop()} without one): how a metrics binder
     * finds the recorder it serves, and checks that the recorder it was given is this batcher's.
     */
    BatcherListener listener();

    /** Actions accepted and not yet written or dead-lettered (approximate while producers run). */
    int pending();

    /** A snapshot of the counters. */
    Stats stats();

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
     * @param replayed actions replayed from the journal at start and written (or dead-lettered)
     * @param unwrittenAtClose actions still unwritten when {@link #close()} gave up on a failing sink:
     *     left in the journal, or handed to the dead-letter handler without one
     */
    record Stats(
            int capacity,
            int pending,
            long accepted,
            long refusedFull,
            long refusedClosed,
            long batches,
            long written,
            long merged,
            long retries,
            long deadLettered,
            long replayed,
            long unwrittenAtClose) {}

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
        private final BuilderOptions options;
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

        /** Default: platform daemon threads named {@code hal9-batcher-<name>}. */
        ThreadFactory threadFactory;

        @Nullable
        ActionJournal<T> journal;

        @Nullable
        Function<? super T, ?> keyFunction;

        @Nullable
        BinaryOperator<T> merger;

        Builder(String name, BatchSink<T> sink) {
            this.name = Checks.name("batcher", name);
            this.component = "batcher '" + name + "'";
            this.options = new BuilderOptions(component);
            this.threadFactory = Thread.ofPlatform()
                    .name("hal9-batcher-" + name)
                    .daemon(true)
                    .factory();
            this.sink = Objects.requireNonNull(sink, "sink");
        }

        /** Flush when a batch holds this many actions (entries, in aggregating mode). Default 500, range [1, 1048576]. */
        public Builder<T> maxBatchSize(int maxBatchSize) {
            this.maxBatchSize =
                    options.set("maxBatchSize", Checks.inRange(component, "maxBatchSize", maxBatchSize, 1, 1 << 20));
            return this;
        }

        /**
         * Flush at the latest this long after the flusher saw the oldest pending action. Default 5 ms,
         * range [0, 1 min]; zero writes whatever is pending at once (pure smart batching).
         */
        public Builder<T> maxLinger(Duration maxLinger) {
            this.maxLinger = options.set(
                    "maxLinger",
                    Checks.duration(component, "maxLinger", maxLinger, Duration.ZERO, Duration.ofMinutes(1)));
            return this;
        }

        /** At most this many actions wait to be written. Default 10,000, range [2, 1073741824]. */
        public Builder<T> capacity(int capacity) {
            this.capacity = options.set("capacity", Checks.inRange(component, "capacity", capacity, 2, 1 << 30));
            return this;
        }

        /**
         * Retries of a transiently failing sink call before the batch is dead-lettered. Default {@link
         * #UNLIMITED_RETRIES}: retry for as long as the failure lasts (the queue turns an outage into
         * backpressure). Range [0, {@link Integer#MAX_VALUE}].
         */
        public Builder<T> maxRetries(int maxRetries) {
            this.maxRetries = options.set(
                    "maxRetries", Checks.inRange(component, "maxRetries", maxRetries, 0, Integer.MAX_VALUE));
            return this;
        }

        /**
         * Backoff before the first retry, doubling up to {@code max}. Defaults 10 ms and 1 s; {@code
         * initial} in [0, 1 min], {@code max} in [initial, 10 min].
         */
        public Builder<T> backoff(Duration initial, Duration max) {
            Duration first =
                    Checks.duration(component, "backoff initial", initial, Duration.ZERO, Duration.ofMinutes(1));
            Duration most = Checks.duration(component, "backoff max", max, initial, Duration.ofMinutes(10));
            options.once("backoff");
            this.initialBackoff = first;
            this.maxBackoff = most;
            return this;
        }

        /** How long {@link ActionBatcher#close()} waits for pending actions. Default 30 s, range [0, 1 h]. */
        public Builder<T> closeTimeout(Duration closeTimeout) {
            this.closeTimeout = options.set(
                    "closeTimeout",
                    Checks.duration(component, "closeTimeout", closeTimeout, Duration.ZERO, Duration.ofHours(1)));
            return this;
        }

        /**
         * Which sink failures are transient and worth a retry; others are permanent (the batch is split
         * to isolate the poison action). Default: every {@link Exception} is retried, {@link Error}s are
         * not.
         */
        public Builder<T> retryOn(Predicate<? super Throwable> retryOn) {
            this.retryOn = options.set("retryOn", Objects.requireNonNull(retryOn, "retryOn"));
            return this;
        }

        /** Where undeliverable actions go. Default: logged at ERROR (and counted). */
        public Builder<T> deadLetterHandler(DeadLetterHandler<T> handler) {
            this.deadLetterHandler =
                    options.set("deadLetterHandler", Objects.requireNonNull(handler, "deadLetterHandler"));
            return this;
        }

        /** Hears batches, retries, dead letters and refusals. Default: none. */
        public Builder<T> listener(BatcherListener listener) {
            this.listener = options.set("listener", Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /** The time source for linger and ages. Default {@link Ticker#system()}. */
        public Builder<T> ticker(Ticker ticker) {
            this.ticker = options.set("ticker", Objects.requireNonNull(ticker, "ticker"));
            return this;
        }

        /** Creates the flusher thread. Default: a platform daemon thread named {@code hal9-batcher-<name>}. */
        public Builder<T> threadFactory(ThreadFactory threadFactory) {
            this.threadFactory = options.set("threadFactory", Objects.requireNonNull(threadFactory, "threadFactory"));
            return this;
        }

        /**
         * Switches to aggregating mode: pending actions whose {@code key} is equal are merged with
         * {@code merge(older, newer)} while they wait, so a batch holds one entry per key. {@code
         * maxBatchSize} then counts distinct keys. If {@code merge} throws, the newer action alone is
         * dead-lettered with that exception.
         */
        public <K> Builder<T> aggregateBy(Function<? super T, ? extends K> key, BinaryOperator<T> merge) {
            this.keyFunction = options.set("aggregateBy", Objects.requireNonNull(key, "key"));
            this.merger = Objects.requireNonNull(merge, "merge");
            return this;
        }

        /**
         * Journals every accepted action on local disk before it is acknowledged (see {@link
         * ActionJournal}); the batcher replays what the journal holds into the sink at start and owns
         * the journal from {@link #build()} on (its {@link ActionBatcher#close()} closes it). Default: no
         * journal.
         */
        public Builder<T> journal(ActionJournal<T> journal) {
            this.journal = options.set("journal", Objects.requireNonNull(journal, "journal"));
            return this;
        }

        /** Validates the options and starts the batcher's flusher thread. */
        public ActionBatcher<T> build() {
            if (maxBatchSize > capacity) {
                throw new IllegalArgumentException(
                        component + ": maxBatchSize must be <= capacity (" + capacity + "), was " + maxBatchSize);
            }
            return ActionBatcherImpl.start(this);
        }
    }
}

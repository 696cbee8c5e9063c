package io.hal9.core;

import io.hal9.core.internal.Checks;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntSupplier;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the batches of one {@link ActionBatcherImpl} to its sink: retries a transiently failing call
 * with exponential backoff (up to {@code maxRetries}), splits a batch that fails permanently in halves
 * until the action that fails is alone, and dead-letters it; logs a streak of failures once when it
 * starts and once when it ends; counts what it did for the batcher's {@link ActionBatcher.Stats}.
 *
 * <p>Thread safety: {@link #deliver} and {@link #deadLetter} run on the batcher's flusher thread only,
 * which is the single writer of every counter ({@code volatile} so that {@code stats()} on another thread
 * sees recent values; a single writer needs no atomic read-modify-write). {@link #abandon} is the one
 * write from another thread (close giving up), read by the flusher between tries.
 *
 * <p>Limits: a sink call that never returns is cut short only by {@code close()} interrupting the
 * flusher after {@code closeTimeout}; with {@link ActionBatcher#UNLIMITED_RETRIES} a transient failure is
 * retried for as long as it lasts, which turns an outage into backpressure on the batcher's channel.
 */
final class BatchWriter<T> {
    private static final Logger log = LoggerFactory.getLogger(ActionBatcher.class);

    private final String component;
    private final BatchSink<T> sink;
    private final int maxRetries;
    private final long initialBackoffNanos;
    private final long maxBackoffNanos;
    private final Predicate<? super Throwable> retryOn;
    private final DeadLetterHandler<T> deadLetterHandler;
    private final BatcherListener listener;
    private final Ticker ticker;
    /** The batcher's pending count, for log lines. */
    private final IntSupplier pending;

    /** Set by close() when closeTimeout passed: stop retrying, the caller hands over what is left. */
    volatile boolean abandon;

    // Flusher thread only.
    /** Failed attempts in the current streak of transient failures (0: the sink works). */
    private long failingAttempts;

    private long failingSinceNanos;

    @Nullable
    Throwable lastFailure;

    // Written by the flusher thread only.
    volatile long batches;
    volatile long written;
    volatile long retries;
    volatile long deadLettered;
    /** Accepted contributions that have been written or dead-lettered. */
    volatile long completed;

    BatchWriter(ActionBatcher.Builder<T> b, IntSupplier pending) {
        this.component = b.component;
        this.sink = b.sink;
        this.maxRetries = b.maxRetries;
        this.initialBackoffNanos = Checks.saturatedNanos(b.initialBackoff);
        this.maxBackoffNanos = Checks.saturatedNanos(b.maxBackoff);
        this.retryOn = b.retryOn;
        DeadLetterHandler<T> dl = b.deadLetterHandler;
        String owner = b.component;
        this.deadLetterHandler = dl != null ? dl : (actions, cause) -> logDeadLetters(owner, actions, cause);
        this.listener = b.listener;
        this.ticker = b.ticker;
        this.pending = pending;
    }

    /** The configured dead-letter handler, or the one that logs. */
    DeadLetterHandler<T> deadLetterHandler() {
        return deadLetterHandler;
    }

    /**
     * Writes actions [from, to) of the window, retrying transient failures and splitting on permanent
     * ones. Returns {@code to} when every action was written or dead-lettered, or, when close() gave
     * up meanwhile, the index up to which they were (the rest is unwritten).
     */
    int deliver(BatchWindow<T> window, int from, int to) {
        // A read-only view of the window: no copy per batch; valid for the sink call only (see BatchSink).
        List<T> batch = Collections.unmodifiableList(window.actions.subList(from, to));
        int attempt = 0;
        long backoff = initialBackoffNanos;
        while (true) {
            long start = ticker.read();
            Throwable failure;
            try {
                sink.write(batch);
                long end = ticker.read();
                batches = batches + 1;
                written = written + batch.size();
                completed = completed + window.contributions(from, to);
                window.complete(from, to);
                recovered();
                notifyWritten(batch.size(), end - start, start - window.firstSeen);
                return to;
            } catch (Throwable t) {
                failure = t;
            }
            if (abandon) {
                // close() gave up and interrupted the sink: whatever this failure says (an interrupted
                // connection wait looks permanent), the batch is not dead; the caller hands [from, ...) over
                lastFailure = failure;
                return from;
            }
            boolean transientFailure = isTransient(failure);
            if (transientFailure && attempt < maxRetries) {
                attempt++;
                retries = retries + 1;
                failing(batch.size(), backoff, failure);
                notifyRetry(attempt, batch.size(), failure);
                pause(backoff);
                backoff = Math.min(maxBackoffNanos, backoff <= Long.MAX_VALUE / 2 ? backoff * 2 : Long.MAX_VALUE);
                continue;
            }
            if (!transientFailure && to - from > 1) {
                int mid = (from + to) >>> 1;
                log.debug("{}: permanent failure of a batch of {}, splitting to isolate it", component, to - from);
                int done = deliver(window, from, mid);
                return done < mid ? done : deliver(window, mid, to);
            }
            // The handler gets its own copy: dead letters are often kept or queued past the call.
            deadLetter(List.copyOf(batch), window.futures(from, to), window.contributions(from, to), failure);
            return to;
        }
    }

    /** A transient failure: logged at WARN when a streak starts, at DEBUG for every later try. */
    private void failing(int size, long backoffNanos, Throwable failure) {
        lastFailure = failure;
        if (failingAttempts++ == 0) {
            failingSinceNanos = System.nanoTime();
            log.warn(
                    "{}: the sink failed ({}); retrying a batch of {} with backoff up to {}ms{} while {} actions wait",
                    component,
                    failure.toString(),
                    size,
                    TimeUnit.NANOSECONDS.toMillis(maxBackoffNanos),
                    maxRetries == ActionBatcher.UNLIMITED_RETRIES
                            ? " for as long as it fails"
                            : " at most " + maxRetries + " times",
                    pending.getAsInt());
        } else {
            log.debug(
                    "{}: the sink failed again (try {}), next try in {}ms",
                    component,
                    failingAttempts,
                    TimeUnit.NANOSECONDS.toMillis(backoffNanos),
                    failure);
        }
    }

    /** The sink wrote a batch: ends a streak of failures, logged once at INFO. */
    private void recovered() {
        if (failingAttempts > 0) {
            log.info(
                    "{}: the sink works again after {} failed tries over {}ms; {} actions pending",
                    component,
                    failingAttempts,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - failingSinceNanos),
                    pending.getAsInt());
            failingAttempts = 0;
        }
    }

    private boolean isTransient(Throwable failure) {
        if (failure instanceof VirtualMachineError) {
            return false;
        }
        try {
            return retryOn.test(failure);
        } catch (RuntimeException e) {
            log.warn("{}: retryOn predicate threw; treating the failure as permanent", component, e);
            return false;
        }
    }

    void deadLetter(
            List<T> actions, @Nullable List<CompletableFuture<Void>> futures, long contributions, Throwable cause) {
        deadLettered = deadLettered + actions.size();
        completed = completed + contributions;
        try {
            deadLetterHandler.deadLetter(actions, cause);
        } catch (Throwable t) {
            log.error("{}: dead-letter handler threw while taking {} actions", component, actions.size(), t);
        }
        if (futures != null) {
            BatchFailedException failure = new BatchFailedException(
                    component + ": action dead-lettered after the sink failed: " + cause, cause);
            for (CompletableFuture<Void> f : futures) {
                f.completeExceptionally(failure);
            }
        }
        try {
            listener.onDeadLetter(actions.size(), cause);
        } catch (RuntimeException e) {
            log.warn("{}: listener threw from onDeadLetter", component, e);
        }
    }

    private static <T> void logDeadLetters(String component, List<T> actions, Throwable cause) {
        log.error(
                "{}: {} actions could not be written and were dead-lettered (no dead-letter handler is configured)",
                component,
                actions.size(),
                cause);
    }

    private void notifyWritten(int size, long writeNanos, long ageNanos) {
        try {
            listener.onBatchWritten(size, writeNanos, Math.max(0, ageNanos));
        } catch (RuntimeException e) {
            log.warn("{}: listener threw from onBatchWritten", component, e);
        }
    }

    private void notifyRetry(int attempt, int size, Throwable cause) {
        log.debug("{}: sink failed on attempt {} for a batch of {}, retrying", component, attempt, size, cause);
        try {
            listener.onRetry(attempt, size, cause);
        } catch (RuntimeException e) {
            log.warn("{}: listener threw from onRetry", component, e);
        }
    }

    /** Backoff in real time; an interrupt of the flusher (close giving up) cuts it short. */
    private void pause(long nanos) {
        long deadline = System.nanoTime() + nanos;
        long remaining = nanos;
        while (remaining > 0 && !abandon && !Thread.currentThread().isInterrupted()) {
            LockSupport.parkNanos(remaining);
            remaining = deadline - System.nanoTime();
        }
    }
}

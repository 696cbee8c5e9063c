package io.hal9.core;

import io.hal9.core.internal.Checks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BinaryOperator;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ActionBatcher} implementation.
 *
 * <p>Design: producers offer into a {@link BoundedChannel} (multi-producer, single-consumer, exact
 * capacity, and a close that never strands an accepted element). Its only consumer is one flusher
 * thread, which owns every batch from the moment it drains it: it lingers, merges (aggregating mode),
 * calls the sink, retries, splits and dead-letters. A tracked submission travels as a {@link Tracked}
 * wrapper; an untracked one as the bare action, so the untracked path allocates nothing here.
 *
 * <p>Concurrency: the submitting threads touch only the channel and {@code closed}. Counters other
 * than the channel's are written by the flusher thread alone ({@code volatile} so that {@link
 * #stats()} on another thread sees recent values; a single writer needs no atomic read-modify-write).
 *
 * <p>Journal: with an {@link ActionJournal}, a submission appends the action's record and offers the
 * action to the channel under the journal's lock, taking the record back if the channel refuses, so
 * the channel's order is the journal's sequence order. The flusher therefore knows the sequence of
 * every element it takes by counting ({@code takenSequence}), and after each flushed window tells
 * the journal that everything up to it is committed. Before taking anything it replays what the
 * journal held at start.
 *
 * <p>Invariants: every element the channel accepted is, exactly once, either part of a successful sink
 * call, handed to the dead-letter handler, or (close gave up on a failing sink) left in the journal or
 * handed to the dead-letter handler as unwritten at close; {@code completed} counts those
 * contributions, so {@code accepted - completed} is what is still pending.
 */
final class ActionBatcherImpl<T> implements ActionBatcher<T> {
    private static final Logger log = LoggerFactory.getLogger(ActionBatcher.class);
    /** How long an idle flusher parks before looking again; only bounds shutdown latency of a lost wake-up. */
    private static final Duration IDLE_WAIT = Duration.ofSeconds(1);
    /** With a custom (test) ticker, waits are sliced so that a ticker advanced by hand is noticed. */
    private static final long CUSTOM_TICKER_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final String name;
    private final String component;
    private final BatchSink<T> sink;
    private final int maxBatchSize;
    private final long lingerNanos;
    private final int maxRetries;
    private final long initialBackoffNanos;
    private final long maxBackoffNanos;
    private final Duration closeTimeout;
    private final Predicate<? super Throwable> retryOn;
    private final DeadLetterHandler<T> deadLetterHandler;
    private final BatcherListener listener;
    private final Ticker ticker;
    private final boolean systemTicker;
    private final @Nullable Function<? super T, ?> keyFunction;
    private final @Nullable BinaryOperator<T> merger;

    private final BoundedChannel<Object> queue;
    private final Thread flusher;
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final @Nullable ActionJournalImpl<T> journal;
    private final CompletableFuture<Void> replayed = new CompletableFuture<>();

    /** Set once by close(); read by the flusher to stop lingering. */
    private volatile boolean closed;
    /** Set by close() when closeTimeout passed: the flusher stops retrying and hands over what is left. */
    private volatile boolean abandon;

    // Flusher thread only.
    /** The journal sequence of the last element taken from the channel. */
    private long takenSequence;
    /** Failed attempts in the current streak of transient failures (0: the sink works). */
    private long failingAttempts;

    private long failingSinceNanos;
    private @Nullable Throwable lastFailure;

    // Written by the flusher thread only.
    private volatile long batches;
    private volatile long written;
    private volatile long merged;
    private volatile long retries;
    private volatile long deadLettered;
    /** Accepted contributions that have been written or dead-lettered. */
    private volatile long completed;

    private volatile long replayedWritten;
    private volatile long replayPending;
    private volatile long unwrittenAtClose;

    private ActionBatcherImpl(ActionBatcher.Builder<T> b) {
        this.name = b.name;
        this.component = b.component;
        this.sink = b.sink;
        this.maxBatchSize = b.maxBatchSize;
        this.lingerNanos = Checks.saturatedNanos(b.maxLinger);
        this.maxRetries = b.maxRetries;
        this.initialBackoffNanos = Checks.saturatedNanos(b.initialBackoff);
        this.maxBackoffNanos = Checks.saturatedNanos(b.maxBackoff);
        this.closeTimeout = b.closeTimeout;
        this.retryOn = b.retryOn;
        DeadLetterHandler<T> dl = b.deadLetterHandler;
        this.deadLetterHandler = dl != null ? dl : this::logDeadLetters;
        this.listener = b.listener;
        this.ticker = b.ticker;
        this.systemTicker = b.ticker == Ticker.system();
        this.keyFunction = b.keyFunction;
        this.merger = b.merger;
        this.queue = BoundedChannel.builder(name).capacity(b.capacity).build();
        ActionJournal<T> j = b.journal;
        this.journal = j == null ? null : (ActionJournalImpl<T>) j;
        if (journal != null) {
            this.takenSequence = journal.sequenceAfterReplay();
            this.replayPending = journal.toReplay();
        } else {
            replayed.complete(null);
        }
        Runnable loop = this::runFlusher;
        this.flusher = b.threadFactory != null
                ? b.threadFactory.newThread(loop)
                : Thread.ofPlatform().name("hal9-batcher-" + name).daemon(true).unstarted(loop);
    }

    static <T> ActionBatcher<T> start(ActionBatcher.Builder<T> builder) {
        ActionBatcherImpl<T> batcher = new ActionBatcherImpl<>(builder);
        batcher.flusher.start();
        log.debug("{}: started", batcher.component);
        return batcher;
    }

    // ---------------------------------------------------------------- producers

    @Override
    public Admission trySubmit(T action) {
        Objects.requireNonNull(action, "action");
        Admission admission = offer(action, action, null);
        if (admission != Admission.ACCEPTED) {
            refused(admission);
        }
        return admission;
    }

    @Override
    public CompletableFuture<Void> trySubmitTracked(T action) {
        Objects.requireNonNull(action, "action");
        Tracked<T> tracked = new Tracked<>(action);
        Admission admission = offer(action, tracked, null);
        if (admission != Admission.ACCEPTED) {
            refused(admission);
            tracked.future.completeExceptionally(
                    new RejectedException(component, admission, refusalMessage(admission)));
        }
        return tracked.future;
    }

    @Override
    public CompletableFuture<Void> trySubmitDurable(T action) {
        Objects.requireNonNull(action, "action");
        CompletableFuture<Void> ack = new CompletableFuture<>();
        Admission admission = offer(action, action, ack);
        if (admission != Admission.ACCEPTED) {
            refused(admission);
            ack.completeExceptionally(new RejectedException(component, admission, refusalMessage(admission)));
        } else if (journal == null) {
            ack.complete(null); // accepted in memory is all there is without a journal
        }
        return ack;
    }

    /**
     * Offers {@code element} (the action or its {@link Tracked} wrapper) to the channel; with a journal,
     * appends the action's record first, under the journal's lock, and takes it back if the channel
     * refuses, so that channel order is sequence order.
     */
    private Admission offer(T action, Object element, @Nullable CompletableFuture<Void> ack) {
        ActionJournalImpl<T> j = journal;
        if (j == null) {
            return queue.trySend(element);
        }
        j.lock();
        try {
            if (closed) {
                return Admission.CLOSED;
            }
            Admission a = j.appendLocked(action, ack);
            if (a != Admission.ACCEPTED) {
                return a;
            }
            Admission q = queue.trySend(element);
            if (q != Admission.ACCEPTED) {
                j.rollbackLast();
            }
            return q;
        } finally {
            j.unlock();
        }
    }

    @Override
    public void submit(T action, Duration timeout) {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(timeout, "timeout");
        if (journal != null) {
            submitJournaled(action, timeout);
            return;
        }
        try {
            queue.send(action, timeout);
        } catch (RejectedException e) {
            refused(e.reason());
            String state = e.reason() == Admission.CLOSED
                    ? refusalMessage(Admission.CLOSED)
                    : component + ": full after waiting " + timeout.toMillis() + "ms (capacity=" + queue.capacity()
                            + ", pending=" + pending() + ")";
            throw new RejectedException(component, e.reason(), state);
        }
    }

    /** How long a journaled timed submit parks between tries while the batcher is full. */
    private static final long FULL_RETRY_NANOS = TimeUnit.MICROSECONDS.toNanos(200);

    private void submitJournaled(T action, Duration timeout) {
        long deadline = System.nanoTime() + Checks.saturatedNanos(timeout);
        CompletableFuture<Void> ack = new CompletableFuture<>();
        while (true) {
            Admission a = offer(action, action, ack);
            if (a == Admission.ACCEPTED) {
                break;
            }
            long left = deadline - System.nanoTime();
            if (a == Admission.CLOSED || left <= 0 || Thread.currentThread().isInterrupted()) {
                refused(a);
                throw new RejectedException(
                        component,
                        a,
                        a == Admission.CLOSED
                                ? refusalMessage(Admission.CLOSED)
                                : component + ": full after waiting " + timeout.toMillis() + "ms (capacity="
                                        + queue.capacity() + ", pending=" + pending() + ")");
            }
            LockSupport.parkNanos(Math.min(left, FULL_RETRY_NANOS));
        }
        try {
            ack.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Hal9Exception(component + ": interrupted while the action was being synced to the journal"
                    + " (it was taken and will be written)");
        } catch (java.util.concurrent.TimeoutException e) {
            throw new Hal9Exception(component + ": the action was taken but not synced to the journal within "
                    + timeout.toMillis() + "ms (it will be written)");
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof Hal9Exception h ? h : new Hal9Exception(component + ": " + cause, cause);
        }
    }

    private void refused(Admission reason) {
        try {
            listener.onRefused(reason);
        } catch (RuntimeException e) {
            log.warn("{}: listener threw from onRefused", component, e);
        }
    }

    private String refusalMessage(Admission reason) {
        return reason == Admission.CLOSED
                ? component + ": closed, no new actions are accepted"
                : component + ": full (capacity=" + queue.capacity() + ", pending=" + pending() + ")";
    }

    // ---------------------------------------------------------------- state

    @Override
    public String name() {
        return name;
    }

    @Override
    public BatcherListener listener() {
        return listener;
    }

    @Override
    public int pending() {
        long p = queue.stats().accepted() - completed + replayPending;
        return (int) Math.max(0, Math.min(Integer.MAX_VALUE, p));
    }

    @Override
    public @Nullable ActionJournal<T> journal() {
        return journal;
    }

    @Override
    public CompletableFuture<Void> replayed() {
        return replayed.copy();
    }

    @Override
    public Stats stats() {
        BoundedChannel.Stats q = queue.stats();
        long done = completed;
        return new Stats(
                queue.capacity(),
                (int) Math.max(0, Math.min(Integer.MAX_VALUE, q.accepted() - done + replayPending)),
                q.accepted(),
                q.refusedFull(),
                q.refusedClosed(),
                batches,
                written,
                merged,
                retries,
                deadLettered,
                replayedWritten,
                unwrittenAtClose);
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        ActionJournalImpl<T> j = journal;
        // A journaled submission between its append and its offer meets the closed queue and takes its
        // record back (see offer): no lock is needed here.
        closed = true;
        queue.close(); // wakes the flusher if it waits for actions
        if (Thread.currentThread() == flusher) {
            return; // called from the sink or a listener: waiting for ourselves would deadlock
        }
        boolean interrupted = false;
        try {
            if (!terminated.await(closeTimeout.toNanos(), TimeUnit.NANOSECONDS)) {
                // The sink is failing or hanging: stop retrying, hand over what is left (see runFlusher).
                abandon = true;
                flusher.interrupt();
                if (!terminated.await(
                        Math.max(closeTimeout.toNanos(), TimeUnit.SECONDS.toNanos(1)), TimeUnit.NANOSECONDS)) {
                    log.error(
                            "{}: the sink did not return within {}ms of being interrupted; {} actions are pending{}",
                            component,
                            closeTimeout.toMillis(),
                            pending(),
                            j == null ? " and are lost if the process exits" : " and stay in the journal");
                }
            }
        } catch (InterruptedException e) {
            interrupted = true;
            log.warn("{}: interrupted while closing with {} actions pending", component, pending());
        }
        if (j != null && (terminated.getCount() == 0 || abandon)) {
            j.close();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return component + "[pending=" + pending() + ", closed=" + closed + "]";
    }

    // ---------------------------------------------------------------- flusher

    private void runFlusher() {
        Window<T> window = new Window<>(maxBatchSize, keyFunction != null);
        window.taker = element -> take(window, element);
        try {
            replayJournal(window);
            while (!abandon) {
                Object first;
                try {
                    first = queue.receive(IDLE_WAIT);
                } catch (RejectedException endOfStream) {
                    break; // closed and everything accepted has been taken
                }
                if (first == null) {
                    continue;
                }
                long firstSeen = ticker.read();
                window.start(firstSeen);
                take(window, first);
                boolean endOfStream = fill(window, firstSeen + lingerNanos);
                if (!flush(window)) {
                    break; // abandoned by close()
                }
                ActionJournalImpl<T> j = journal;
                if (j != null) {
                    j.committed(takenSequence);
                }
                if (endOfStream) {
                    break;
                }
            }
            if (abandon) {
                handOverUnwritten(window);
            }
        } catch (Throwable t) {
            log.error("{}: flusher failed; {} actions are pending and will not be written", component, pending(), t);
            throw t;
        } finally {
            if (!replayed.isDone()) {
                replayed.completeExceptionally(
                        new BatcherClosedException(component + ": closed before the replay ended", lastFailure));
            }
            terminated.countDown();
            log.debug("{}: flusher stopped", component);
        }
    }

    /** Writes what the journal held at start, before anything new; completes {@link #replayed}. */
    private void replayJournal(Window<T> window) {
        ActionJournalImpl<T> j = journal;
        if (j == null || j.toReplay() == 0) {
            replayed.complete(null);
            return;
        }
        long startNanos = System.nanoTime();
        long expected = j.toReplay();
        long[] done = {0};
        j.replay(maxBatchSize, batch -> {
            if (abandon) {
                return; // closing: the records stay in the journal for the next start
            }
            window.start(ticker.read());
            for (T action : batch) {
                window.add(action, null);
            }
            long completedBefore = completed; // replayed actions were never counted as accepted
            boolean all = flush(window);
            completed = completedBefore;
            if (all) {
                done[0] += batch.size();
                replayedWritten = done[0];
            }
            replayPending = Math.max(0, expected - done[0]);
        });
        window.clear();
        replayPending = 0;
        if (abandon) {
            log.warn(
                    "{}: closed during the journal's replay; {} of {} replayed actions were written, the rest stay in the journal",
                    component,
                    done[0],
                    expected);
            return;
        }
        j.committed(j.sequenceAfterReplay());
        log.info(
                "{}: replayed {} actions from the journal into the sink in {}ms",
                component,
                done[0],
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
        replayed.complete(null);
    }

    /**
     * After close() gave up: the window that could not be written and everything still queued are
     * left in the journal (replayed at the next start) or, without one, handed to the dead-letter
     * handler as the last chance; counted and named in one log line.
     */
    private void handOverUnwritten(Window<T> window) {
        Thread.interrupted(); // close() interrupted a hanging sink; the handler must not see it
        queue.drain(window.taker, Integer.MAX_VALUE); // what is still queued joins the unwritten window
        List<T> left = List.copyOf(window.actions);
        @Nullable List<CompletableFuture<Void>> futures = window.futures(0, left.size());
        long contributions = window.contributions(0, left.size());
        window.clear();
        if (left.isEmpty()) {
            return;
        }
        unwrittenAtClose = unwrittenAtClose + left.size();
        completed = completed + contributions;
        String where = journal == null
                ? "handed to the dead-letter handler as unwritten at close"
                : "left in the journal at " + journal.directory() + " and replayed at the next start";
        String failure = lastFailure == null ? "no failure recorded" : lastFailure.toString();
        if (journal == null) {
            log.error(
                    "{}: closed while the sink was failing ({}); {} actions were not written and are {}",
                    component,
                    failure,
                    left.size(),
                    where);
        } else {
            log.warn(
                    "{}: closed while the sink was failing ({}); {} actions were not written and are {}",
                    component,
                    failure,
                    left.size(),
                    where);
        }
        BatcherClosedException cause = new BatcherClosedException(
                component + ": closed before the action was written (" + where + ")", lastFailure);
        if (futures != null) {
            for (CompletableFuture<Void> f : futures) {
                f.completeExceptionally(cause);
            }
        }
        if (journal == null) {
            try {
                deadLetterHandler.deadLetter(left, cause);
            } catch (Throwable t) {
                log.error("{}: dead-letter handler threw while taking {} unwritten actions", component, left.size(), t);
            }
        }
    }

    /** Takes more actions into the window until it is full or the linger deadline passes. */
    private boolean fill(Window<T> window, long deadline) {
        Consumer<Object> taker = window.taker;
        while (true) {
            int room = maxBatchSize - window.size();
            if (room <= 0) {
                return false;
            }
            // Straight into the window, no intermediate list; at most `room` new entries, so a window
            // never exceeds maxBatchSize.
            queue.drain(taker, room);
            if (window.size() >= maxBatchSize) {
                return false;
            }
            long remaining = closed ? 0 : deadline - ticker.read();
            if (remaining <= 0) {
                return false;
            }
            long wait = systemTicker ? remaining : Math.min(remaining, CUSTOM_TICKER_SLICE_NANOS);
            Object next;
            try {
                next = queue.receive(Duration.ofNanos(wait));
            } catch (RejectedException endOfStream) {
                return true;
            }
            if (next != null) {
                take(window, next);
            }
        }
    }

    /** Adds one drained element (a bare action or a {@link Tracked}) to the window. */
    @SuppressWarnings("unchecked") // the channel only ever holds T or Tracked<T>
    private void take(Window<T> window, Object element) {
        takenSequence++; // with a journal: the sequence of this element (channel order is sequence order)
        T action;
        @Nullable CompletableFuture<Void> future;
        if (element instanceof Tracked<?> tracked) {
            action = (T) tracked.action;
            future = tracked.future;
        } else {
            action = (T) element;
            future = null;
        }
        Function<? super T, ?> keyOf = keyFunction;
        if (keyOf == null) {
            window.add(action, future);
            return;
        }
        Object key;
        try {
            key = Objects.requireNonNull(keyOf.apply(action), "key");
        } catch (RuntimeException e) {
            deadLetter(List.of(action), future == null ? null : List.of(future), 1, e);
            return;
        }
        Integer index = window.indexByKey.get(key);
        if (index == null) {
            window.indexByKey.put(key, window.size());
            window.add(action, future);
            return;
        }
        BinaryOperator<T> merge = Objects.requireNonNull(merger);
        T combined;
        try {
            combined = Objects.requireNonNull(merge.apply(window.actions.get(index), action), "merge result");
        } catch (RuntimeException e) {
            deadLetter(List.of(action), future == null ? null : List.of(future), 1, e);
            return;
        }
        window.merge(index, combined, future);
        merged = merged + 1;
    }

    /**
     * Writes the window and clears it; returns false, leaving the window as it is, when close() gave
     * up on a failing sink meanwhile (the part written is then removed from it).
     */
    private boolean flush(Window<T> window) {
        if (window.size() > 0) {
            int done = deliver(window, 0, window.size());
            if (done < window.size()) {
                window.removeFirst(done);
                return false;
            }
        }
        window.clear();
        return true;
    }

    /**
     * Writes actions [from, to) of the window, retrying transient failures and splitting on permanent
     * ones. Returns {@code to} when every action was written or dead-lettered, or, when close() gave
     * up meanwhile, the index up to which they were (the rest is unwritten).
     */
    private int deliver(Window<T> window, int from, int to) {
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
                    pending());
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
                    pending());
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

    private void deadLetter(
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

    private void logDeadLetters(List<T> actions, Throwable cause) {
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

    // ---------------------------------------------------------------- helpers

    /** A tracked submission: the action and the future its submitter holds. */
    private static final class Tracked<T> {
        final T action;
        final CompletableFuture<Void> future = new CompletableFuture<>();

        Tracked(T action) {
            this.action = action;
        }
    }

    /**
     * The batch being collected, owned by the flusher thread: actions in acceptance order (one per key
     * in aggregating mode), with, per entry, the futures of its tracked contributions and how many
     * accepted contributions it stands for.
     */
    private static final class Window<T> {
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

        Window(int maxBatchSize, boolean aggregating) {
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
    }
}

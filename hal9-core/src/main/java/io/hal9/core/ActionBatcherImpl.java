package io.hal9.core;

import io.hal9.core.internal.Checks;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BinaryOperator;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ActionBatcher} implementation.
 *
 * <p>Design: producers offer into a {@link BoundedChannel} (multi-producer, single-consumer, exact
 * capacity, and a close that never strands an accepted element). Its only consumer is one flusher
 * thread, which owns every batch from the moment it drains it: it lingers, merges (aggregating mode),
 * and hands each window to its {@link BatchWriter}, which calls the sink, retries, splits and
 * dead-letters. The window being collected is a {@link BatchWindow}. A tracked submission travels as a
 * {@link BatchWindow.Tracked} wrapper; an untracked one as the bare action, so the untracked path
 * allocates nothing here.
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
 * handed to the dead-letter handler as unwritten at close; the writer's {@code completed} counts those
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
    private final int maxBatchSize;
    private final long lingerNanos;
    private final Duration closeTimeout;
    private final BatcherListener listener;
    private final Ticker ticker;
    private final boolean systemTicker;
    private final @Nullable Function<? super T, ?> keyFunction;
    private final @Nullable BinaryOperator<T> merger;

    private final BoundedChannel<Object> queue;
    /** Calls the sink: retries, splits, dead-letters; owns the write counters and the abandon flag. */
    private final BatchWriter<T> writer;

    private final Thread flusher;
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final @Nullable ActionJournalImpl<T> journal;
    private final CompletableFuture<Void> replayed = new CompletableFuture<>();

    /** Set once by close(); read by the flusher to stop lingering. */
    private volatile boolean closed;

    // Flusher thread only.
    /** The journal sequence of the last element taken from the channel. */
    private long takenSequence;

    // Written by the flusher thread only.
    private volatile long merged;
    private volatile long replayedWritten;
    private volatile long replayPending;
    private volatile long unwrittenAtClose;

    private ActionBatcherImpl(ActionBatcher.Builder<T> b) {
        this.name = b.name;
        this.component = b.component;
        this.maxBatchSize = b.maxBatchSize;
        this.lingerNanos = Checks.saturatedNanos(b.maxLinger);
        this.closeTimeout = b.closeTimeout;
        this.listener = b.listener;
        this.ticker = b.ticker;
        this.systemTicker = b.ticker == Ticker.system();
        this.keyFunction = b.keyFunction;
        this.merger = b.merger;
        this.queue = BoundedChannel.builder(name).capacity(b.capacity).build();
        this.writer = new BatchWriter<>(b, this::pending);
        ActionJournal<T> j = b.journal;
        this.journal = j == null ? null : (ActionJournalImpl<T>) j;
        if (journal != null) {
            this.takenSequence = journal.sequenceAfterReplay();
            this.replayPending = journal.toReplay();
        } else {
            replayed.complete(null);
        }
        Runnable loop = this::runFlusher;
        this.flusher = b.threadFactory.newThread(loop);
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
        BatchWindow.Tracked<T> tracked = new BatchWindow.Tracked<>(action);
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
     * Offers {@code element} (the action or its {@link BatchWindow.Tracked} wrapper) to the channel; with a journal,
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
        long p = queue.stats().accepted() - writer.completed + replayPending;
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
        long done = writer.completed;
        return new Stats(
                queue.capacity(),
                (int) Math.max(0, Math.min(Integer.MAX_VALUE, q.accepted() - done + replayPending)),
                q.accepted(),
                q.refusedFull(),
                q.refusedClosed(),
                writer.batches,
                writer.written,
                merged,
                writer.retries,
                writer.deadLettered,
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
                writer.abandon = true;
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
        if (j != null && (terminated.getCount() == 0 || writer.abandon)) {
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
        BatchWindow<T> window = new BatchWindow<>(maxBatchSize, keyFunction != null);
        window.taker = element -> take(window, element);
        try {
            replayJournal(window);
            while (!writer.abandon) {
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
            if (writer.abandon) {
                handOverUnwritten(window);
            }
        } catch (Throwable t) {
            log.error("{}: flusher failed; {} actions are pending and will not be written", component, pending(), t);
            throw t;
        } finally {
            if (!replayed.isDone()) {
                replayed.completeExceptionally(
                        new BatcherClosedException(component + ": closed before the replay ended", writer.lastFailure));
            }
            terminated.countDown();
            log.debug("{}: flusher stopped", component);
        }
    }

    /** Writes what the journal held at start, before anything new; completes {@link #replayed}. */
    private void replayJournal(BatchWindow<T> window) {
        ActionJournalImpl<T> j = journal;
        if (j == null || j.toReplay() == 0) {
            replayed.complete(null);
            return;
        }
        long startNanos = System.nanoTime();
        long expected = j.toReplay();
        long[] done = {0};
        j.replay(maxBatchSize, batch -> {
            if (writer.abandon) {
                return; // closing: the records stay in the journal for the next start
            }
            window.start(ticker.read());
            for (T action : batch) {
                window.add(action, null);
            }
            long completedBefore = writer.completed; // replayed actions were never counted as accepted
            boolean all = flush(window);
            writer.completed = completedBefore;
            if (all) {
                done[0] += batch.size();
                replayedWritten = done[0];
            }
            replayPending = Math.max(0, expected - done[0]);
        });
        window.clear();
        replayPending = 0;
        if (writer.abandon) {
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
    private void handOverUnwritten(BatchWindow<T> window) {
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
        writer.completed = writer.completed + contributions;
        String where = journal == null
                ? "handed to the dead-letter handler as unwritten at close"
                : "left in the journal at " + journal.directory() + " and replayed at the next start";
        String failure = writer.lastFailure == null ? "no failure recorded" : writer.lastFailure.toString();
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
                component + ": closed before the action was written (" + where + ")", writer.lastFailure);
        if (futures != null) {
            for (CompletableFuture<Void> f : futures) {
                f.completeExceptionally(cause);
            }
        }
        if (journal == null) {
            try {
                writer.deadLetterHandler().deadLetter(left, cause);
            } catch (Throwable t) {
                log.error("{}: dead-letter handler threw while taking {} unwritten actions", component, left.size(), t);
            }
        }
    }

    /** Takes more actions into the window until it is full or the linger deadline passes. */
    private boolean fill(BatchWindow<T> window, long deadline) {
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

    /** Adds one drained element (a bare action or a {@link BatchWindow.Tracked}) to the window. */
    @SuppressWarnings("unchecked") // the channel only ever holds T or BatchWindow.Tracked<T>
    private void take(BatchWindow<T> window, Object element) {
        takenSequence++; // with a journal: the sequence of this element (channel order is sequence order)
        T action;
        @Nullable CompletableFuture<Void> future;
        if (element instanceof BatchWindow.Tracked<?> tracked) {
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
            writer.deadLetter(List.of(action), future == null ? null : List.of(future), 1, e);
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
            writer.deadLetter(List.of(action), future == null ? null : List.of(future), 1, e);
            return;
        }
        window.merge(index, combined, future);
        merged = merged + 1;
    }

    /**
     * Writes the window and clears it; returns false, leaving the window as it is, when close() gave
     * up on a failing sink meanwhile (the part written is then removed from it).
     */
    private boolean flush(BatchWindow<T> window) {
        if (window.size() > 0) {
            int done = writer.deliver(window, 0, window.size());
            if (done < window.size()) {
                window.removeFirst(done);
                return false;
            }
        }
        window.clear();
        return true;
    }
}

package io.hal9.core;

import io.hal9.core.internal.Checks;
import io.hal9.core.internal.WaiterFifo;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link TaskLimiter} built by {@link TaskLimiter.Builder}.
 *
 * <p>Design: one 64-bit {@link #state} word packs the limiter's whole admission state: bits 0-31 the
 * permits out ({@code inFlight}), bits 32-62 the tasks waiting (line + blocked timed callers), bit 63
 * "closed". The fast paths ({@link #tryAcquireFast()}, the first half of {@link #release()}) are one
 * CAS on that word and apply only while nothing waits and the limiter is open, i.e. while the high 32
 * bits are zero. Anything else (a waiting line, a timed caller, close) goes through {@link #lock},
 * which guards two intrusive FIFO lists of {@link TaskLimiterTask} nodes (HAL9's one {@link WaiterFifo},
 * shared with the connection pool): {@link #line} (tasks accepted as QUEUED) and {@link #waiters}
 * (callers blocked in {@code submit}). A released permit is
 * handed straight to the head of the line (or, with no line, to the first waiter) without passing
 * through "free", so nobody can overtake them.
 *
 * <p>Why not {@link java.util.concurrent.Semaphore}: its permit count and our waiting line would be
 * two separate states, and a release racing with an enqueue could leave a task in the line while a
 * permit sits free (a lost wake-up). Packing both counts into one word makes "is anyone waiting?" and
 * "take/return a permit" one atomic step, and lets a permit be handed over instead of freed. The fast
 * paths cost the same single CAS as {@code Semaphore.tryAcquire()}/{@code release()}; nothing blocks
 * under a monitor (virtual threads never pin): blocking uses {@link LockSupport#parkNanos} and a
 * {@link Condition}.
 *
 * <p>Concurrency: {@link #state} is changed only by CAS or atomic add, always with volatile
 * semantics. While its high 32 bits are zero, the fast paths change it without the lock; while they
 * are not, only lock holders change it (the fast paths back off to the lock). Lock holders still use
 * CAS/atomic add because their own change may clear the high bits, after which fast paths run at once;
 * and a lock holder that makes "waiting" non-zero does so by CAS from a value it saw full, so a
 * concurrent fast release either happens before (and the CAS fails and is retried) or sees the waiter
 * and hands its permit over. Once closed, every release takes the lock, so that the last one can
 * signal {@link #terminated}. The lists and their sizes are touched only under the lock. Counters are
 * {@link LongAdder}s.
 *
 * <p>Invariants: (1) {@code waiting == line.size() + waiters.size()} whenever the lock is free. (2) If
 * {@code waiters} is not empty, the line is full ({@code line.size() == maxWaiting}): a waiter moves into
 * the line as soon as the line has room. (3) If anything waits, {@code inFlight == maxConcurrent}: a
 * permit is freed only when nothing waits. (4) Every permit taken is given back exactly once (see
 * {@link TaskLimiterTask}).
 *
 * <p>Thread safety: all methods may be called from any thread.
 */
final class TaskLimiterImpl implements TaskLimiter {
    private static final Logger LOG = LoggerFactory.getLogger(TaskLimiter.class);

    private static final long IN_FLIGHT_MASK = 0xFFFF_FFFFL;
    private static final long ONE_WAITING = 1L << 32;
    private static final long WAITING_MASK = 0x7FFF_FFFFL << 32;
    private static final long CLOSED_BIT = Long.MIN_VALUE;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(TaskLimiterImpl.class, "state", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String name;
    private final String component;
    private final int maxConcurrent;
    private final int maxWaiting;
    private final Executor executor;
    private final Duration closeTimeout;
    private final @Nullable TaskLimiterListener listener;

    /** The time source; read by tasks for their durations. */
    final Ticker ticker;

    /** True if a listener wants durations (otherwise the ticker is not read around tasks). */
    final boolean timed;

    /** Accessed through {@link #STATE}: see the Design comment for the layout. */
    private volatile long state;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition terminated = lock.newCondition();

    /** Tasks accepted as QUEUED, oldest first; guarded by {@link #lock}. */
    private final WaiterFifo<TaskLimiterTask<?>> line = new WaiterFifo<>();

    /** Callers blocked in a timed submit, oldest first; guarded by {@link #lock}. */
    private final WaiterFifo<TaskLimiterTask<?>> waiters = new WaiterFifo<>();

    private final LongAdder submitted = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder completed = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder cancelled = new LongAdder();

    TaskLimiterImpl(TaskLimiter.Builder b) {
        this.name = b.name;
        this.component = b.component;
        this.maxConcurrent = b.maxConcurrent;
        this.maxWaiting = b.maxWaiting;
        this.executor = b.executor;
        this.closeTimeout = b.closeTimeout;
        this.ticker = b.ticker;
        this.listener = b.listener;
        this.timed = b.listener != null;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public @Nullable TaskLimiterListener listener() {
        return listener;
    }

    // ------------------------------------------------------------------ offering work

    @Override
    public Admission tryExecute(Runnable task) {
        Objects.requireNonNull(task, "task");
        submitted.increment();
        if (tryAcquireFast()) {
            return dispatchFromCaller(TaskLimiterTask.of(this, task)) == null ? Admission.ACCEPTED : Admission.FULL;
        }
        if (maxWaiting == 0) {
            // No line: refuse without the lock or an allocation.
            return refuse(isClosed() ? Admission.CLOSED : Admission.FULL);
        }
        TaskLimiterTask<@Nullable Void> t = TaskLimiterTask.of(this, task);
        Admission a = offer(t, false);
        if (a == Admission.ACCEPTED) {
            return dispatchFromCaller(t) == null ? Admission.ACCEPTED : Admission.FULL;
        }
        return a == Admission.QUEUED ? a : refuse(a);
    }

    @Override
    public <T> Submission<T> trySubmit(Callable<T> task) {
        Objects.requireNonNull(task, "task");
        submitted.increment();
        TaskLimiterTask<T> t = TaskLimiterTask.of(this, task);
        Admission a = admit(t, false);
        if (a == Admission.ACCEPTED) {
            RejectedException refusal = dispatchFromCaller(t);
            if (refusal != null) {
                t.completeExceptionally(refusal);
                return new Submission<>(Admission.FULL, t);
            }
            return new Submission<>(Admission.ACCEPTED, t);
        }
        if (a == Admission.QUEUED) {
            return new Submission<>(Admission.QUEUED, t);
        }
        refuse(a);
        t.completeExceptionally(a == Admission.CLOSED ? closedException() : rejection(component + ": full"));
        return new Submission<>(a, t);
    }

    @Override
    public <T> CompletableFuture<T> submit(Callable<T> task, Duration timeout) {
        Objects.requireNonNull(task, "task");
        long timeoutNanos = Checks.timeoutNanos(component, timeout);
        submitted.increment();
        TaskLimiterTask<T> t = TaskLimiterTask.of(this, task);
        Admission a = admit(t, timeoutNanos > 0);
        if (a == null) {
            a = awaitTurn(t, timeoutNanos);
        }
        if (a == Admission.ACCEPTED) {
            RejectedException refusal = dispatchFromCaller(t);
            if (refusal != null) {
                throw refusal;
            }
            return t;
        }
        if (a == Admission.QUEUED) {
            return t;
        }
        refuse(a);
        throw a == Admission.CLOSED
                ? closedException()
                : rejection(component + ": no permit within " + Checks.formatDuration(timeout));
    }

    /** Fast path, then, unless refusing is certain without the lock, {@link #offer}. */
    private @Nullable Admission admit(TaskLimiterTask<?> t, boolean mayWait) {
        if (tryAcquireFast()) {
            return Admission.ACCEPTED;
        }
        if (maxWaiting == 0 && !mayWait) {
            // No line and no waiting: the fast path failed only for "closed" or "full".
            return isClosed() ? Admission.CLOSED : Admission.FULL;
        }
        return offer(t, mayWait);
    }

    /**
     * Slow path of every offer: under the lock, takes a permit (ACCEPTED: the caller dispatches), a
     * place in the line (QUEUED: linked), or, if {@code mayWait}, a place among the blocked callers
     * ({@code null}: linked as WAITING, the caller must {@link #awaitTurn}); else FULL or CLOSED.
     */
    private @Nullable Admission offer(TaskLimiterTask<?> t, boolean mayWait) {
        lock.lock();
        try {
            for (; ; ) {
                long s = (long) STATE.getVolatile(this);
                if (s < 0) {
                    return Admission.CLOSED;
                }
                if ((s & WAITING_MASK) == 0 && (int) s < maxConcurrent) {
                    // A permit freed since the fast path failed. CAS: fast paths may race with us.
                    if (STATE.compareAndSet(this, s, s + 1)) {
                        return Admission.ACCEPTED;
                    }
                    continue;
                }
                boolean lineHasRoom = line.size() < maxWaiting && waiters.size() == 0;
                if (!lineHasRoom && !mayWait) {
                    return Admission.FULL;
                }
                // CAS, not add: if waiting was 0, a fast release may free a permit at this very moment;
                // then this CAS fails and the next round takes that permit instead of waiting for one.
                if (STATE.compareAndSet(this, s, s + ONE_WAITING)) {
                    if (lineHasRoom) {
                        t.setPhase(TaskLimiterTask.QUEUED);
                        line.addLast(t);
                        return Admission.QUEUED;
                    }
                    t.caller = Thread.currentThread();
                    t.setPhase(TaskLimiterTask.WAITING);
                    waiters.addLast(t);
                    return null;
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Parks the calling thread (linked as WAITING by {@link #offer}) until a releaser grants it a
     * permit (GRANTED → ACCEPTED) or moves it into the line (QUEUED), close refuses it (CLOSED), the
     * timeout expires or the thread is interrupted (FULL, interrupt flag restored by the caller path).
     */
    private Admission awaitTurn(TaskLimiterTask<?> t, long timeoutNanos) {
        long start = ticker.read();
        boolean interrupted = false;
        while (t.phase() == TaskLimiterTask.WAITING) {
            long remaining = timeoutNanos - (ticker.read() - start);
            if (remaining <= 0) {
                break;
            }
            LockSupport.parkNanos(this, remaining);
            if (Thread.interrupted()) {
                interrupted = true;
                break;
            }
        }
        int s;
        lock.lock();
        try {
            s = t.phase();
            if (s == TaskLimiterTask.WAITING) {
                waiters.remove(t);
                STATE.getAndAdd(this, -ONE_WAITING);
                t.setPhase(TaskLimiterTask.DONE);
                signalIfTerminated();
            }
            t.caller = null;
        } finally {
            lock.unlock();
        }
        if (interrupted) {
            // Restore the flag in every outcome; if we got our turn anyway, the caller sees the flag.
            Thread.currentThread().interrupt();
        }
        return switch (s) {
            case TaskLimiterTask.GRANTED -> Admission.ACCEPTED;
            case TaskLimiterTask.REFUSED -> Admission.CLOSED;
            case TaskLimiterTask.WAITING -> {
                if (interrupted) {
                    refuse(Admission.FULL);
                    throw rejection(component + ": interrupted while waiting for a permit");
                }
                yield Admission.FULL;
            }
            default -> Admission.QUEUED; // moved into the line; may already be running or done
        };
    }

    /**
     * Hands a task for which the caller holds a permit to the executor. If the executor refuses it,
     * the permit comes back, the refusal is counted, and the exception to report is returned.
     */
    private @Nullable RejectedException dispatchFromCaller(TaskLimiterTask<?> t) {
        t.setDispatched();
        try {
            executor.execute(t);
            return null;
        } catch (RuntimeException e) {
            if (!t.casPhase(TaskLimiterTask.DISPATCHED, TaskLimiterTask.DONE)) {
                throw e; // the task already ran (an inline executor) and this came from it
            }
            release();
            refuse(Admission.FULL);
            RejectedException refusal = rejection(component + ": executor refused the task (" + e + ")");
            refusal.initCause(e);
            return refusal;
        }
    }

    /**
     * Hands a task from the line, for which a releaser took over a permit, to the executor. If the
     * executor refuses it, the task fails (it had been accepted) and the permit goes on to the next
     * task, which is returned for the caller to dispatch in turn (a loop, not a recursion).
     */
    private @Nullable TaskLimiterTask<?> dispatchFromLine(TaskLimiterTask<?> t) {
        try {
            executor.execute(t);
            return null;
        } catch (RuntimeException e) {
            if (!t.casPhase(TaskLimiterTask.DISPATCHED, TaskLimiterTask.DONE)) {
                throw e;
            }
            failed.increment();
            if (t.isFireAndForget()) {
                LOG.warn("{}: executor refused a task from the waiting line; the task did not run", name, e);
            }
            notifyFinished(0L, Outcome.FAILURE);
            RejectedException refusal =
                    rejection(component + ": executor refused a task from the waiting line (" + e + ")");
            refusal.initCause(e);
            t.completeExceptionally(refusal);
            return releaseLocked();
        }
    }

    // ------------------------------------------------------------------ permits

    /** Takes a permit if one is free and nothing waits and the limiter is open. */
    private boolean tryAcquireFast() {
        for (; ; ) {
            // volatile read + CAS: the CAS is the linearisation point; the read only picks the value.
            long s = (long) STATE.getVolatile(this);
            if ((s & ~IN_FLIGHT_MASK) != 0 || (int) s >= maxConcurrent) {
                return false;
            }
            if (STATE.compareAndSet(this, s, s + 1)) {
                return true;
            }
        }
    }

    /** Gives a permit back: frees it if nothing waits, else hands it over to the next in line. */
    void release() {
        for (; ; ) {
            long s = (long) STATE.getVolatile(this);
            if ((s & ~IN_FLIGHT_MASK) != 0) {
                break;
            }
            // CAS (not add): must fail if a task started waiting since the read, so that its permit
            // is handed over below instead of freed.
            if (STATE.compareAndSet(this, s, s - 1)) {
                return;
            }
        }
        TaskLimiterTask<?> next = releaseLocked();
        while (next != null) {
            next = dispatchFromLine(next);
        }
    }

    /**
     * Under the lock: hands the permit to the head of the line (returned, for the caller to dispatch
     * outside the lock) or to the first blocked caller (unparked), or frees it.
     */
    private @Nullable TaskLimiterTask<?> releaseLocked() {
        lock.lock();
        try {
            TaskLimiterTask<?> head = line.pollFirst();
            if (head != null) {
                // The permit passes to head: waiting - 1, inFlight unchanged.
                STATE.getAndAdd(this, -ONE_WAITING);
                head.setDispatched();
                promoteWaiter();
                return head;
            }
            TaskLimiterTask<?> waiter = waiters.pollFirst();
            if (waiter != null) {
                STATE.getAndAdd(this, -ONE_WAITING);
                waiter.setPhase(TaskLimiterTask.GRANTED);
                LockSupport.unpark(waiter.caller);
                return null;
            }
            // Nothing waits: free the permit. Atomic add: fast paths may run again from here on.
            STATE.getAndAdd(this, -1L);
            signalIfTerminated();
            return null;
        } finally {
            lock.unlock();
        }
    }

    /** Under the lock: if the line has room and a caller is blocked, moves it into the line. */
    private void promoteWaiter() {
        if (line.size() < maxWaiting) {
            TaskLimiterTask<?> w = waiters.pollFirst();
            if (w != null) {
                w.setPhase(TaskLimiterTask.QUEUED);
                line.addLast(w);
                LockSupport.unpark(w.caller);
            }
        }
    }

    /** Called by a task's cancel(): takes it out of the line if it is still there. */
    void cancelQueued(TaskLimiterTask<?> t) {
        lock.lock();
        try {
            if (t.phase() != TaskLimiterTask.QUEUED) {
                return; // already handed a permit: run() will see the cancellation and skip it
            }
            line.remove(t);
            STATE.getAndAdd(this, -ONE_WAITING);
            t.setPhase(TaskLimiterTask.DONE);
            cancelled.increment();
            promoteWaiter();
            signalIfTerminated();
        } finally {
            lock.unlock();
        }
        notifyFinished(0L, Outcome.CANCELLED);
    }

    /** Called by a task's run() when it ends: counts, reports, then gives its permit back. */
    void finished(TaskLimiterTask<?> t, Outcome outcome, long nanos, @Nullable Throwable failure) {
        try {
            switch (outcome) {
                case SUCCESS -> completed.increment();
                case FAILURE -> failed.increment();
                case CANCELLED -> cancelled.increment();
            }
            if (failure != null && t.isFireAndForget()) {
                LOG.warn("{}: a task offered with tryExecute failed", name, failure);
            }
            notifyFinished(nanos, outcome);
        } finally {
            release();
        }
    }

    @Override
    public @Nullable Permit tryAcquirePermit() {
        return tryAcquireFast() ? new PermitImpl(this) : null;
    }

    /**
     * A bare permit. Idempotency uses a plain field, not a CAS: a permit belongs to one thread at a
     * time (documented on {@link Permit}), and a plain field lets C2's escape analysis scalar-replace
     * the object in a try-with-resources block, making the acquire/close pair allocation-free (a
     * CAS-guarded permit measured 24 B/op on JDK 25, this one 0 B/op).
     */
    private static final class PermitImpl implements Permit {
        private final TaskLimiterImpl limiter;
        private boolean closed;

        PermitImpl(TaskLimiterImpl limiter) {
            this.limiter = limiter;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                limiter.release();
            }
        }
    }

    // ------------------------------------------------------------------ observing

    @Override
    public int inFlight() {
        return (int) ((long) STATE.getVolatile(this) & IN_FLIGHT_MASK);
    }

    @Override
    public int waiting() {
        return waitingOf((long) STATE.getVolatile(this));
    }

    private static int waitingOf(long s) {
        return (int) ((s & WAITING_MASK) >>> 32);
    }

    @Override
    public Stats stats() {
        long s = (long) STATE.getVolatile(this);
        return new Stats(
                maxConcurrent,
                (int) (s & IN_FLIGHT_MASK),
                waitingOf(s),
                submitted.sum(),
                rejected.sum(),
                completed.sum(),
                failed.sum(),
                cancelled.sum());
    }

    @Override
    public boolean isClosed() {
        return (long) STATE.getVolatile(this) < 0;
    }

    // ------------------------------------------------------------------ lifecycle

    @Override
    public boolean awaitTermination(Duration timeout) {
        long nanos = Checks.timeoutNanos(component, timeout);
        long start = ticker.read();
        lock.lock();
        try {
            for (; ; ) {
                if ((long) STATE.getVolatile(this) == CLOSED_BIT) {
                    return true; // closed, nothing in flight, nothing waiting
                }
                long remaining = nanos - (ticker.read() - start);
                if (remaining <= 0) {
                    return false;
                }
                terminated.awaitNanos(remaining);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (isClosed()) {
                return;
            }
            // Atomic or: fast paths may still be changing inFlight; from now on they refuse.
            STATE.getAndBitwiseOr(this, CLOSED_BIT);
            for (TaskLimiterTask<?> w = waiters.pollFirst(); w != null; w = waiters.pollFirst()) {
                STATE.getAndAdd(this, -ONE_WAITING);
                w.setPhase(TaskLimiterTask.REFUSED);
                LockSupport.unpark(w.caller);
            }
            signalIfTerminated();
        } finally {
            lock.unlock();
        }
        if (awaitTermination(closeTimeout)) {
            LOG.debug("{}: closed", name);
        } else {
            long s = (long) STATE.getVolatile(this);
            LOG.warn(
                    "{}: close did not finish within {}: {} tasks still running, {} still waiting in line;"
                            + " they keep running",
                    name,
                    Checks.formatDuration(closeTimeout),
                    s & IN_FLIGHT_MASK,
                    waitingOf(s));
        }
    }

    /** Under the lock: wakes awaitTermination() if closed and idle. */
    private void signalIfTerminated() {
        if ((long) STATE.getVolatile(this) == CLOSED_BIT) {
            terminated.signalAll();
        }
    }

    // ------------------------------------------------------------------ reporting

    private Admission refuse(Admission reason) {
        rejected.increment();
        TaskLimiterListener l = listener;
        if (l != null) {
            try {
                l.onRejected(reason);
            } catch (RuntimeException e) {
                LOG.warn("{}: listener threw from onRejected", name, e);
            }
        }
        return reason;
    }

    private void notifyFinished(long nanos, Outcome outcome) {
        TaskLimiterListener l = listener;
        if (l != null) {
            try {
                l.onTaskFinished(nanos, outcome);
            } catch (RuntimeException e) {
                LOG.warn("{}: listener threw from onTaskFinished", name, e);
            }
        }
    }

    private RejectedException closedException() {
        return new RejectedException(component, Admission.CLOSED, component + ": closed " + stateText());
    }

    private RejectedException rejection(String what) {
        return new RejectedException(component, Admission.FULL, what + " " + stateText());
    }

    private String stateText() {
        long s = (long) STATE.getVolatile(this);
        return "(maxConcurrent=" + maxConcurrent + ", inFlight=" + (s & IN_FLIGHT_MASK) + ", waiting=" + waitingOf(s)
                + ", maxWaiting=" + maxWaiting + ")";
    }

    @Override
    public String toString() {
        return component + " " + stateText();
    }
}

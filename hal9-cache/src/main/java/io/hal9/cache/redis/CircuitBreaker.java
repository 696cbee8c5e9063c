package io.hal9.cache.redis;

import io.hal9.core.Ticker;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;

/**
 * A consecutive-failure circuit breaker: CLOSED until {@code threshold} commands in a row fail, then
 * OPEN (every {@link #tryAcquire()} refused) for {@code openNanos}, then HALF_OPEN: exactly one caller
 * gets a probe; its success closes the breaker, its failure opens it for another interval.
 *
 * <p>Design: {@link #state} is the only decision variable; every transition is one CAS on it, so each
 * transition happens once and its winner alone reports it. {@link #openedAt} is written before the CAS
 * that publishes OPEN and read after a volatile read of OPEN, so a reader sees the opening's time.
 *
 * <p>Concurrency: {@link #failures} counts consecutive failures; a success resets it (benign race: a
 * failure and a success racing may leave the count one off, which moves the opening by one command).
 * The hot path while CLOSED is one volatile read; a success writes only when the count is not zero.
 *
 * <p>Invariants: at most one probe is in flight in HALF_OPEN (only the OPEN -> HALF_OPEN CAS winner gets
 * it, and it always reports: success, failure or abandoned); {@code opened} grows by one per CLOSED/HALF_OPEN -> OPEN transition.
 *
 * <p>Thread safety: all methods may be called from any thread.
 */
final class CircuitBreaker {
    private static final int CLOSED = 0;
    private static final int OPEN = 1;
    private static final int HALF_OPEN = 2;
    private static final BreakerState[] STATES = {BreakerState.CLOSED, BreakerState.OPEN, BreakerState.HALF_OPEN};

    private final int threshold;
    private final long openNanos;
    private final Ticker ticker;
    private final BiConsumer<BreakerState, BreakerState> onChange;
    private final AtomicInteger state = new AtomicInteger(CLOSED);
    private final AtomicInteger failures = new AtomicInteger();
    private final LongAdder opened = new LongAdder();
    // Written before the CAS publishing OPEN; read after reading OPEN (volatile pair orders them).
    private volatile long openedAt;

    CircuitBreaker(int threshold, long openNanos, Ticker ticker, BiConsumer<BreakerState, BreakerState> onChange) {
        this.threshold = threshold;
        this.openNanos = openNanos;
        this.ticker = ticker;
        this.onChange = onChange;
    }

    /** Whether a command may be sent now; a caller that gets {@code true} must report the outcome. */
    boolean tryAcquire() {
        int s = state.get();
        if (s == CLOSED) {
            return true;
        }
        if (s == OPEN && ticker.read() - openedAt >= openNanos && state.compareAndSet(OPEN, HALF_OPEN)) {
            onChange.accept(BreakerState.OPEN, BreakerState.HALF_OPEN);
            return true; // this caller is the probe
        }
        return false;
    }

    /** Reports a command that Redis answered. */
    void onSuccess() {
        if (failures.get() != 0) {
            failures.set(0);
        }
        if (state.get() == HALF_OPEN && state.compareAndSet(HALF_OPEN, CLOSED)) {
            onChange.accept(BreakerState.HALF_OPEN, BreakerState.CLOSED);
        }
    }

    /** Reports a command that failed or timed out. */
    void onFailure() {
        int s = state.get();
        if (s == HALF_OPEN) {
            open(HALF_OPEN);
        } else if (s == CLOSED && failures.incrementAndGet() >= threshold) {
            open(CLOSED);
        }
    }

    /**
     * Reports a command whose outcome is unknown because its caller stopped waiting (interrupted): a
     * probe gives its turn back (HALF_OPEN -> OPEN with the interval already over, so the next caller
     * probes); otherwise nothing changes.
     */
    void onAbandoned() {
        if (state.get() == HALF_OPEN && state.compareAndSet(HALF_OPEN, OPEN)) {
            onChange.accept(BreakerState.HALF_OPEN, BreakerState.OPEN);
        }
    }

    private void open(int from) {
        // benign race: a thread that loses the CAS below has still moved openedAt by a few microseconds.
        openedAt = ticker.read();
        if (state.compareAndSet(from, OPEN)) {
            failures.set(0);
            opened.increment();
            onChange.accept(STATES[from], BreakerState.OPEN);
        }
    }

    BreakerState state() {
        return STATES[state.get()];
    }

    long opened() {
        return opened.sum();
    }
}

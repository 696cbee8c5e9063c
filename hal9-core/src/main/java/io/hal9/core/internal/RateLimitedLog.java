package io.hal9.core.internal;

import io.hal9.core.Ticker;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Lets one log line through per interval, and counts the lines it held back, for failures that can repeat
 * many times a second (a backend down, a flood of bad input, a machine out of file descriptors): the first
 * call is let through, then at most one per interval, and the caller that is let through learns how many
 * were held back since the last one, so that its line can say so. Counters of the failures themselves stay
 * the caller's (metrics count every one; the log only samples them).
 *
 * <pre>{@code
 * long heldBack = errorLog.tryAcquire();
 * if (heldBack != RateLimitedLog.HELD_BACK) {
 *     LOG.warn("{}: write failed ({} more since the last report): {}", name, heldBack, e.toString());
 * }
 * }</pre>
 *
 * <p>Not part of the API. Thread safety: safe for concurrent use and lock-free: one compare-and-set per line
 * let through; of callers racing for the same line one wins and the others are held back. The held-back count
 * is approximate under contention (a line held back while the winner reads the count may be reported with
 * the next line instead).
 */
public final class RateLimitedLog {
    /** What {@link #tryAcquire()} answers when the line is held back. */
    public static final long HELD_BACK = -1;

    private final Ticker ticker;
    private final long intervalNanos;
    private final AtomicLong last;
    private final LongAdder heldBack = new LongAdder();

    /**
     * A log that lets a line through at once, then at most one per {@code intervalNanos} of {@code ticker}.
     *
     * @throws IllegalArgumentException if {@code intervalNanos} is negative
     */
    public RateLimitedLog(Ticker ticker, long intervalNanos) {
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        if (intervalNanos < 0) {
            throw new IllegalArgumentException("rate-limited log: interval must be >= 0 ns, was " + intervalNanos);
        }
        this.intervalNanos = intervalNanos;
        this.last = new AtomicLong(ticker.read() - intervalNanos);
    }

    /**
     * Asks to log a line now.
     *
     * @return {@link #HELD_BACK} when the line must not be logged; else how many lines were held back since
     *     the last one let through (0 or more)
     */
    public long tryAcquire() {
        long now = ticker.read();
        long prev = last.get();
        if (now - prev >= intervalNanos && last.compareAndSet(prev, now)) {
            return heldBack.sumThenReset();
        }
        heldBack.increment();
        return HELD_BACK;
    }
}

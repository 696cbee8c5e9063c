package io.hal9.testkit;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock in nanoseconds that only a test moves, for the {@code ticker(...)} option of HAL9's builders
 * ({@code builder.ticker(clock::read)}): a test advances time instead of sleeping, so timeouts, lingers, rates
 * and expiries are checked without waiting and without depending on the machine's speed. It starts at one second
 * (not zero), so that a time read from it is never mistaken for "unset".
 *
 * <p>The testkit does not depend on hal9-core (whose tests use the testkit), so this class does not implement
 * {@code io.hal9.core.Ticker}; its {@link #read()} has that interface's shape.
 *
 * <p>Thread safety: safe for concurrent use; a reader sees every advance made before its read.
 */
public final class ManualClock {
    private final AtomicLong nanos;

    /** A clock at one second. */
    public ManualClock() {
        this(1_000_000_000L);
    }

    /** A clock at {@code startNanos}. */
    public ManualClock(long startNanos) {
        this.nanos = new AtomicLong(startNanos);
    }

    /** The current time, in nanoseconds; it moves only by {@link #advance}. */
    public long read() {
        return nanos.get();
    }

    /**
     * Moves the clock forward.
     *
     * @throws IllegalArgumentException if {@code by} is negative: a ticker never goes back
     */
    public void advance(Duration by) {
        Objects.requireNonNull(by, "by");
        if (by.isNegative()) {
            throw new IllegalArgumentException("manual clock: cannot go back, was asked to advance by " + by);
        }
        nanos.addAndGet(by.toNanos());
    }
}

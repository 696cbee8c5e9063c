package io.hal9.core.internal;

import java.time.Duration;
import java.util.Objects;

/**
 * Validation helpers for builders: every failure names the component, the option, the allowed range
 * and the value given, e.g. {@code batcher 'actions': maxBatchSize must be in [1, 1048576], was 0}.
 *
 * <p>Not part of the API. Thread safety: stateless.
 */
public final class Checks {
    private Checks() {}

    /** Checks that a component name is usable in messages and metric tags. */
    public static String name(String kind, String name) {
        Objects.requireNonNull(name, "name");
        if (name.isBlank() || name.length() > 128) {
            throw new IllegalArgumentException(
                    kind + " name must be 1 to 128 characters and not blank, was '" + name + "'");
        }
        return name;
    }

    /** Checks {@code min <= value <= max}. */
    public static int inRange(String component, String option, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(
                    component + ": " + option + " must be in [" + min + ", " + max + "], was " + value);
        }
        return value;
    }

    /** Checks {@code min <= value <= max}. */
    public static long inRange(String component, String option, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(
                    component + ": " + option + " must be in [" + min + ", " + max + "], was " + value);
        }
        return value;
    }

    /** Checks that a duration is not null and lies in {@code [min, max]}. */
    public static Duration duration(String component, String option, Duration value, Duration min, Duration max) {
        Objects.requireNonNull(value, option);
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new IllegalArgumentException(
                    component + ": " + option + " must be in [" + min + ", " + max + "], was " + value);
        }
        return value;
    }

    /** Converts a duration to nanoseconds, saturating at {@link Long#MAX_VALUE} instead of overflowing. */
    public static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException overflow) {
            return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    /**
     * Checks the timeout of a timed call ({@code acquire(timeout)}, {@code send(x, timeout)}) and returns
     * it in nanoseconds, saturated.
     *
     * @throws IllegalArgumentException naming the component if the timeout is negative
     */
    public static long timeoutNanos(String component, Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException(component + ": timeout must not be negative, was " + timeout);
        }
        return saturatedNanos(timeout);
    }

    /**
     * Formats a duration for messages in the largest unit that shows it exactly: {@code 50ms}, {@code
     * 250us}, {@code 7ns}; durations that are not whole milliseconds above one millisecond in ISO-8601.
     */
    public static String formatDuration(Duration d) {
        long n = saturatedNanos(d);
        if (n % 1_000_000L == 0) {
            return n / 1_000_000L + "ms";
        }
        if (n < 1_000_000L) {
            return n % 1_000L == 0 ? n / 1_000L + "us" : n + "ns";
        }
        return d.toString();
    }
}

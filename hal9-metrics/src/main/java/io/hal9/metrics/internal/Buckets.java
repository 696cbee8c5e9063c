package io.hal9.metrics.internal;

import java.time.Duration;

/**
 * The histogram bucket bounds of HAL9's timers: a fixed 1-2.5-5 ladder, so that each timer exports
 * 14 to 17 {@code _bucket} series per tag combination instead of the ~70 of Micrometer's percentile
 * histogram.
 *
 * <p>Thread safety: stateless; every method returns a new array.
 */
public final class Buckets {
    private Buckets() {}

    /** 100 µs to 10 s: sink writes, action ages, connection acquires. */
    public static Duration[] fast() {
        return ladder(100_000L, 10_000_000_000L);
    }

    /** 1 ms to 30 s: tasks. */
    public static Duration[] tasks() {
        Duration[] upTo10s = ladder(1_000_000L, 10_000_000_000L);
        Duration[] out = java.util.Arrays.copyOf(upTo10s, upTo10s.length + 1);
        out[upTo10s.length] = Duration.ofSeconds(30);
        return out;
    }

    /** 1, 2.5, 5, 10, 25 ... from {@code fromNanos} to {@code toNanos}, both powers of ten. */
    private static Duration[] ladder(long fromNanos, long toNanos) {
        java.util.List<Duration> out = new java.util.ArrayList<>();
        for (long decade = fromNanos; decade <= toNanos; decade *= 10) {
            out.add(Duration.ofNanos(decade));
            if (decade < toNanos) {
                out.add(Duration.ofNanos(decade * 5 / 2));
                out.add(Duration.ofNanos(decade * 5));
            }
        }
        return out.toArray(Duration[]::new);
    }
}

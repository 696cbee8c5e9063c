package io.hal9.benchmarks.ws;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/**
 * A small log-linear histogram of nanosecond latencies: each power of two is split into {@value
 * #SUB_BUCKETS} linear sub-buckets, so a reported percentile is within about 6% of the true value
 * (it reports the middle of its bucket). Not HdrHistogram; good enough to compare two servers measured
 * by the same histogram.
 *
 * <p>Design / Concurrency / Invariants: counts live in an {@link AtomicLongArray}, the total and sum in
 * adders; {@link #record} may race {@link #percentile}, which then reads a mix of before and after
 * (benign race: percentiles are read after the measured window closed).
 *
 * <p>Thread safety: safe for concurrent recording.
 */
final class LatencyHistogram {
    private static final int SUB_BITS = 4;
    private static final int SUB_BUCKETS = 1 << SUB_BITS;
    private final AtomicLongArray counts = new AtomicLongArray(64 * SUB_BUCKETS);
    private final LongAdder total = new LongAdder();
    private final LongAdder sum = new LongAdder();
    private final LongAccumulator max = new LongAccumulator(Math::max, 0);

    void record(long nanos) {
        long v = Math.max(1, nanos);
        counts.incrementAndGet(index(v));
        total.increment();
        sum.add(v);
        max.accumulate(v);
    }

    static int index(long value) {
        int exponent = 63 - Long.numberOfLeadingZeros(value);
        if (exponent < SUB_BITS) {
            return (int) value; // exact below 16 ns
        }
        int sub = (int) ((value >>> (exponent - SUB_BITS)) & (SUB_BUCKETS - 1));
        return (exponent - SUB_BITS + 1) * SUB_BUCKETS + sub;
    }

    /** The lowest value that maps to {@code index}. */
    static long lowerBound(int index) {
        if (index < SUB_BUCKETS) {
            return index;
        }
        int exponent = index / SUB_BUCKETS + SUB_BITS - 1;
        int sub = index % SUB_BUCKETS;
        return (1L << exponent) + ((long) sub << (exponent - SUB_BITS));
    }

    long count() {
        return total.sum();
    }

    long maxNanos() {
        return max.get();
    }

    double meanNanos() {
        long n = total.sum();
        return n == 0 ? 0 : (double) sum.sum() / n;
    }

    /** The value at {@code quantile} (0..1) in nanoseconds, the middle of its bucket; 0 when empty. */
    long percentile(double quantile) {
        long n = total.sum();
        if (n == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(quantile * n));
        long seen = 0;
        for (int i = 0; i < counts.length(); i++) {
            seen += counts.get(i);
            if (seen >= rank) {
                long low = lowerBound(i);
                long high = i + 1 < counts.length() ? lowerBound(i + 1) : Long.MAX_VALUE;
                return Math.min(low + (high - low) / 2, max.get());
            }
        }
        return max.get();
    }
}

package io.hal9.examples.load;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * The load generator's action→result latencies, each move recorded twice in HdrHistogram: from when the
 * move was <em>due</em> under the target schedule (corrected for coordinated omission) and from when it
 * was <em>sent</em> (uncorrected).
 *
 * <p>Why both: a game sends round r+1 only once round r's results are in. When the server stalls, the
 * rounds due meanwhile are not sent at their time; they go out late, once the stall ends, and are
 * answered quickly. Counted from the send, those moves look fast and the stall shows in one sample
 * per player; counted from when they were due, they carry the wait the schedule's players would have
 * had, which is what a client playing at that rate sees. The corrected figure is the one to hold
 * against a target; the uncorrected one says how fast the server answers what it is sent.
 *
 * <p>Limits: values in nanoseconds at 3 significant digits (0.1 % resolution), the histograms resize
 * themselves, so no sample is dropped however long the run; memory is a few hundred KB.
 *
 * <p>Thread safety: {@link #record} may be called from any number of threads at once; read the
 * histograms once recording has stopped.
 */
final class LatencyRecorder {
    private final Histogram corrected = new ConcurrentHistogram(3);
    private final Histogram uncorrected = new ConcurrentHistogram(3);

    /**
     * Records one move.
     *
     * @param dueNanos when the schedule wanted it sent ({@link System#nanoTime()} scale)
     * @param sentNanos when it was written
     * @param receivedNanos when its result arrived
     */
    void record(long dueNanos, long sentNanos, long receivedNanos) {
        long fromSent = Math.max(0, receivedNanos - sentNanos);
        // a timer may fire a hair before its deadline: never count less than the uncorrected figure
        long fromDue = Math.max(fromSent, receivedNanos - dueNanos);
        uncorrected.recordValue(fromSent);
        corrected.recordValue(fromDue);
    }

    /**
     * Latencies from when each move was due (coordinated-omission corrected).
     *
     * @return the live histogram, in nanoseconds
     */
    Histogram corrected() {
        return corrected;
    }

    /**
     * Latencies from when each move was sent.
     *
     * @return the live histogram, in nanoseconds
     */
    Histogram uncorrected() {
        return uncorrected;
    }

    /**
     * A percentile of a histogram in milliseconds.
     *
     * @param h a histogram of nanoseconds
     * @param percentile in [0, 100]
     * @return the value, NaN when the histogram is empty
     */
    static double ms(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1e6;
    }
}

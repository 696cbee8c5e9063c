package io.hal9.examples.load;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
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
 * <p>Beside the histograms, a timeline: per second of the run (by when the result arrived), how many
 * results came, how many of them more than {@value #SLOW_MS} ms after they were due, and the worst. It
 * tells a tail spread over the run (scheduling) from one bunched into a few seconds (a pause), and lines
 * up with a server's GC log by wall-clock time ({@link #timelineOriginEpochMillis}).
 *
 * <p>Limits: values in nanoseconds at 3 significant digits (0.1 % resolution), the histograms resize
 * themselves, so no sample is dropped however long the run; the timeline covers the first {@value
 * #TIMELINE_SECONDS} s and drops later samples from it (not from the histograms); memory is a few hundred KB.
 *
 * <p>Thread safety: {@link #record} may be called from any number of threads at once; read the
 * histograms once recording has stopped.
 */
final class LatencyRecorder {
    private final Histogram corrected = new ConcurrentHistogram(3);
    private final Histogram uncorrected = new ConcurrentHistogram(3);

    /** A result later than this after its move was due counts as slow in the timeline. */
    static final int SLOW_MS = 10;

    static final int TIMELINE_SECONDS = 4_096;
    private static final long SLOW_NANOS = SLOW_MS * 1_000_000L;
    private final long originNanos;
    private final long originEpochMillis;
    private final AtomicLongArray perSecondCount = new AtomicLongArray(TIMELINE_SECONDS);
    private final AtomicLongArray perSecondSlow = new AtomicLongArray(TIMELINE_SECONDS);
    private final AtomicLongArray perSecondMax = new AtomicLongArray(TIMELINE_SECONDS);

    /** A recorder whose timeline starts now. */
    LatencyRecorder() {
        this(System.nanoTime(), System.currentTimeMillis());
    }

    /**
     * A recorder whose timeline starts at {@code originNanos} ({@link System#nanoTime()} scale), which was
     * {@code originEpochMillis} on the wall clock.
     */
    LatencyRecorder(long originNanos, long originEpochMillis) {
        this.originNanos = originNanos;
        this.originEpochMillis = originEpochMillis;
    }

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
        long second = (receivedNanos - originNanos) / 1_000_000_000L;
        if (second >= 0 && second < TIMELINE_SECONDS) {
            int i = (int) second;
            perSecondCount.incrementAndGet(i);
            if (fromDue > SLOW_NANOS) {
                perSecondSlow.incrementAndGet(i);
            }
            perSecondMax.accumulateAndGet(i, fromDue, Math::max);
        }
    }

    /** The wall-clock time (ms since the epoch) of the timeline's second 0: when this recorder was made. */
    long timelineOriginEpochMillis() {
        return originEpochMillis;
    }

    /**
     * One second of the timeline.
     *
     * @param results results that arrived in that second
     * @param slow of which more than {@link #SLOW_MS} ms after their move was due
     * @param maxNanos the latest of them, from when its move was due
     */
    record Second(long results, long slow, long maxNanos) {}

    /**
     * The timeline's seconds from 0 up to the last one with a result (read once recording has stopped).
     *
     * @return one entry per second, empty seconds included
     */
    List<Second> timeline() {
        int last = -1;
        for (int i = 0; i < TIMELINE_SECONDS; i++) {
            if (perSecondCount.get(i) > 0) {
                last = i;
            }
        }
        List<Second> out = new ArrayList<>(last + 1);
        for (int i = 0; i <= last; i++) {
            out.add(new Second(perSecondCount.get(i), perSecondSlow.get(i), perSecondMax.get(i)));
        }
        return out;
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

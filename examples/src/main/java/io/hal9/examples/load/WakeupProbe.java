package io.hal9.examples.load;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;

/**
 * Measures how late the machine wakes a sleeping thread while a load test runs: a platform thread parks for
 * 1 ms again and again and records, for each wake-up, how much later than asked it ran.
 *
 * <p>Why: an action→result round trip on one machine is several such wake-ups in a row (the generator's
 * timer, the server's event loop reading the move and writing the result, the generator's loop reading it),
 * each behind whatever else the cores are running: the server's batchers, PostgreSQL, the generator itself,
 * the host of a virtual machine. This probe shares those cores and does nothing else, so its lateness is the
 * floor the machine sets under the run's latency, whatever the code under test does. A run whose probe wakes
 * 10 ms late at the 99.9th percentile cannot have an action→result p99 much below that.
 *
 * <p>Cost: about 1,000 wake-ups a second on one thread, a percent or two of a core. Limits: lateness in
 * nanoseconds at 3 significant digits, up to an hour; later wake-ups are recorded as an hour.
 *
 * <p>Thread safety: {@link #start} and {@link #close} from one thread; {@link #lateness} after {@link #close}.
 */
final class WakeupProbe implements AutoCloseable {
    /** How long the probe asks to sleep each time. */
    static final long SLEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final Histogram lateness = new Histogram(TimeUnit.HOURS.toNanos(1), 3);
    private volatile boolean stopped;
    private @Nullable Thread thread;

    /** Starts measuring on a new platform thread (daemon, named {@code wakeup-probe}). */
    WakeupProbe start() {
        if (thread != null) {
            throw new IllegalStateException("wakeup probe: already started");
        }
        thread = Thread.ofPlatform().name("wakeup-probe").daemon().start(this::run);
        return this;
    }

    private void run() {
        long max = lateness.getHighestTrackableValue();
        while (!stopped) {
            long asleep = System.nanoTime();
            LockSupport.parkNanos(SLEEP_NANOS);
            long late = System.nanoTime() - asleep - SLEEP_NANOS;
            lateness.recordValue(Math.min(max, Math.max(0, late)));
        }
    }

    /** Whether {@link #start} was called. */
    boolean started() {
        return thread != null;
    }

    /**
     * Stops measuring and waits for the probe's thread to end (a wake-up away); an interrupt while waiting is
     * kept for the caller.
     */
    @Override
    public void close() {
        stopped = true;
        Thread t = thread;
        if (t != null) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** How late each wake-up was, in nanoseconds; read after {@link #close}. */
    Histogram lateness() {
        return lateness;
    }
}

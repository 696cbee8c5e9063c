package io.hal9.benchmarks.core;

import io.hal9.benchmarks.report.Contender;
import io.hal9.core.TaskLimiter;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The cost of taking and returning a permit: HAL9's {@link TaskLimiter} permit against a bare {@link
 * Semaphore#tryAcquire()}/{@link Semaphore#release()} (the seed's pattern), and {@code tryExecute}
 * of an empty task on a caller-runs executor, which adds the limiter's task bookkeeping. Uncontended
 * (1 thread) and contended (2 threads), with a limit of 100 so that permits never run out.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class TaskLimiterBenchmark {
    private final Semaphore semaphore = new Semaphore(100);
    private TaskLimiter limiter;
    private TaskLimiter callerRuns;
    private static final Runnable EMPTY = () -> {};

    @Setup
    public void setUp() {
        limiter = TaskLimiter.builder("bench").maxConcurrent(100).build();
        callerRuns = TaskLimiter.builder("bench-caller-runs")
                .maxConcurrent(100)
                .executor(Runnable::run)
                .build();
    }

    @TearDown
    public void tearDown() {
        limiter.close();
        callerRuns.close();
    }

    @Benchmark
    @Threads(1)
    @Contender(race = "roundTrip1Thread", impl = "semaphore", anchor = true)
    public boolean semaphore1Thread() {
        return semaphoreRoundTrip();
    }

    @Benchmark
    @Threads(2)
    @Contender(race = "roundTrip2Threads", impl = "semaphore", anchor = true)
    public boolean semaphore2Threads() {
        return semaphoreRoundTrip();
    }

    @Benchmark
    @Threads(1)
    @Contender(race = "roundTrip1Thread", impl = "hal9-permit")
    public void hal9Permit1Thread(Blackhole bh) {
        hal9PermitRoundTrip(bh);
    }

    @Benchmark
    @Threads(2)
    @Contender(race = "roundTrip2Threads", impl = "hal9-permit")
    public void hal9Permit2Threads(Blackhole bh) {
        hal9PermitRoundTrip(bh);
    }

    @Benchmark
    @Threads(1)
    @Contender(race = "roundTrip1Thread", impl = "hal9-tryExecute")
    public Object hal9TryExecute1Thread() {
        return callerRuns.tryExecute(EMPTY);
    }

    @Benchmark
    @Threads(2)
    @Contender(race = "roundTrip2Threads", impl = "hal9-tryExecute")
    public Object hal9TryExecute2Threads() {
        return callerRuns.tryExecute(EMPTY);
    }

    private boolean semaphoreRoundTrip() {
        if (semaphore.tryAcquire()) {
            semaphore.release();
            return true;
        }
        return false;
    }

    private void hal9PermitRoundTrip(Blackhole bh) {
        try (TaskLimiter.Permit permit = limiter.tryAcquirePermit()) {
            // Consume only whether a permit was granted: handing the permit itself to the Blackhole
            // would make it escape and measure an allocation a real try-with-resources does not pay.
            bh.consume(permit != null);
        }
    }
}

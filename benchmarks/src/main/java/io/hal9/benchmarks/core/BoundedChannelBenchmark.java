package io.hal9.benchmarks.core;

import io.hal9.core.Admission;
import io.hal9.core.BoundedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jctools.queues.MpscArrayQueue;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code trySend} by 1 and 2 producers while one consumer thread drains in batches of up to 256:
 * HAL9's {@link BoundedChannel} against the raw {@link MpscArrayQueue} it is built on and the JDK's
 * {@link ArrayBlockingQueue}. All three use the same consumer loop and capacity (1,000, the seed's
 * channel size), so the difference is what the channel adds: exact capacity, close semantics and
 * counters. A full channel makes the producer spin and retry.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class BoundedChannelBenchmark {
    static final int CAPACITY = 1000;
    static final int DRAIN_BATCH = 256;
    static final Object MESSAGE = new Object();

    @Param({"hal9", "jctools-mpsc", "abq"})
    public String impl;

    private HandOff handOff;

    @Setup
    public void setUp() {
        handOff = switch (impl) {
            case "hal9" -> new Hal9Channel();
            case "jctools-mpsc" -> new Jctools();
            case "abq" -> new Abq();
            default -> throw new IllegalArgumentException("unknown impl " + impl);
        };
    }

    @TearDown
    public void tearDown() {
        handOff.close();
    }

    @Benchmark
    @Threads(1)
    public void trySend1Producer() {
        send();
    }

    @Benchmark
    @Threads(2)
    public void trySend2Producers() {
        send();
    }

    private void send() {
        while (!handOff.offer(MESSAGE)) {
            Thread.onSpinWait();
        }
    }

    /** Counts what the consumer took; written by the consumer thread only. */
    abstract static class Counting implements HandOff {
        long taken;
        volatile long published;

        final void take(Object o) {
            taken++;
        }

        @Override
        public long consumed() {
            return published;
        }
    }

    static final class Hal9Channel extends Counting {
        private final BoundedChannel<Object> channel =
                BoundedChannel.builder("bench").capacity(CAPACITY).build();
        private final ConsumerThread consumer = new ConsumerThread("hal9-channel", () -> {
            int n = channel.drain(this::take, DRAIN_BATCH);
            published = taken;
            return n;
        });

        @Override
        public boolean offer(Object element) {
            return channel.trySend(element) == Admission.ACCEPTED;
        }

        @Override
        public void close() {
            channel.close();
            consumer.stop();
        }
    }

    static final class Jctools extends Counting {
        private final MpscArrayQueue<Object> queue = new MpscArrayQueue<>(CAPACITY);
        private final ConsumerThread consumer = new ConsumerThread("jctools", () -> {
            int n = queue.drain(this::take, DRAIN_BATCH);
            published = taken;
            return n;
        });

        @Override
        public boolean offer(Object element) {
            return queue.offer(element);
        }

        @Override
        public void close() {
            consumer.stop();
        }
    }

    static final class Abq extends Counting {
        private final ArrayBlockingQueue<Object> queue = new ArrayBlockingQueue<>(CAPACITY);
        private final List<Object> batch = new ArrayList<>(DRAIN_BATCH);
        private final ConsumerThread consumer = new ConsumerThread("abq", () -> {
            int n = queue.drainTo(batch, DRAIN_BATCH);
            taken += n;
            batch.clear();
            published = taken;
            return n;
        });

        @Override
        public boolean offer(Object element) {
            return queue.offer(element);
        }

        @Override
        public void close() {
            consumer.stop();
        }
    }
}

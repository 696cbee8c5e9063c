package io.hal9.benchmarks.core;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.EventTranslatorOneArg;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import io.hal9.core.ActionBatcher;
import io.hal9.core.ActionJournal;
import io.hal9.core.Admission;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jctools.queues.MpscArrayQueue;
import org.jspecify.annotations.Nullable;
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
 * Submitting actions to a batcher whose sink does nothing, at 1 and 2 producer threads: what the
 * batching machinery itself costs per action. Anchors in the same run:
 *
 * <ul>
 *   <li>{@code abq-drainTo}: the batcher most teams write first, an {@link ArrayBlockingQueue} whose
 *       consumer blocks in {@code take()} and then {@code drainTo}s up to a batch;
 *   <li>{@code disruptor}: the LMAX Disruptor 4 with a multi-producer ring, a blocking wait strategy
 *       and a batch-aware handler that flushes at {@code endOfBatch};
 *   <li>{@code jctools-mpsc}: a bare {@link MpscArrayQueue} hand-off with a spinning/yielding
 *       consumer, the floor any JCTools-based batcher pays.
 * </ul>
 *
 * <p>{@code hal9-journal} is the same batcher with an {@link ActionJournal} in a temporary folder: every
 * action is also encoded, appended and synced to disk (group commit) before the sink sees it; the
 * submit does not wait for the sync here ({@link DurableSubmitBenchmark} measures that wait).
 *
 * <p>All use the same capacity (65,536) and batch limit. A full queue makes the producer spin and
 * retry, so the score is the sustained hand-off rate. Allocation per action: run with {@code -prof gc}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class ActionBatcherBenchmark {
    static final int CAPACITY = 1 << 16;
    static final Object ACTION = new Object();

    @Param({"hal9", "hal9-journal", "abq-drainTo", "disruptor", "jctools-mpsc"})
    public String impl;

    @Param({"1000"})
    public int maxBatchSize;

    private HandOff handOff;

    @Setup
    public void setUp() {
        handOff = switch (impl) {
            case "hal9" -> new Hal9Batcher(maxBatchSize, false);
            case "hal9-journal" -> new Hal9Batcher(maxBatchSize, true);
            case "abq-drainTo" -> new AbqBatcher(maxBatchSize);
            case "disruptor" -> new DisruptorBatcher(maxBatchSize);
            case "jctools-mpsc" -> new JctoolsHandOff(maxBatchSize);
            default -> throw new IllegalArgumentException("unknown impl " + impl);
        };
    }

    @TearDown
    public void tearDown() {
        handOff.close();
    }

    @Benchmark
    @Threads(1)
    public void submit1Producer() {
        submit();
    }

    @Benchmark
    @Threads(2)
    public void submit2Producers() {
        submit();
    }

    private void submit() {
        while (!handOff.offer(ACTION)) {
            Thread.onSpinWait();
        }
    }

    /** HAL9's ActionBatcher, smart batching without linger (zero linger, as the anchors), optionally journaled. */
    static final class Hal9Batcher implements HandOff {
        private final ActionBatcher<Object> batcher;
        private final @Nullable Path journalDir;
        private volatile long consumed;

        Hal9Batcher(int maxBatchSize, boolean journaled) {
            ActionBatcher.Builder<Object> b = ActionBatcher.builder("bench", this::sink)
                    .capacity(CAPACITY)
                    .maxBatchSize(maxBatchSize)
                    .maxLinger(Duration.ZERO);
            journalDir = journaled ? TempDirs.create("hal9-bench-journal") : null;
            if (journalDir != null) {
                b.journal(ActionJournal.builder("bench", journalDir, JournalCodecs.OBJECT_AS_LONG)
                        .build());
            }
            batcher = b.build();
        }

        private void sink(List<Object> batch) {
            consumed = consumed + batch.size(); // single writer: the flusher
        }

        @Override
        public boolean offer(Object element) {
            return batcher.trySubmit(element) == Admission.ACCEPTED;
        }

        @Override
        public long consumed() {
            return consumed;
        }

        @Override
        public void close() {
            batcher.close();
            if (journalDir != null) {
                TempDirs.delete(journalDir);
            }
        }
    }

    /** ArrayBlockingQueue with a consumer that blocks in take() and then drainTo()s a batch. */
    static final class AbqBatcher implements HandOff {
        private final ArrayBlockingQueue<Object> queue = new ArrayBlockingQueue<>(CAPACITY);
        private final Thread consumer;
        private volatile boolean running = true;
        private volatile long consumed;

        AbqBatcher(int maxBatchSize) {
            consumer = Thread.ofPlatform().name("abq-batcher").daemon(true).start(() -> {
                List<Object> batch = new ArrayList<>(maxBatchSize);
                while (running || !queue.isEmpty()) {
                    try {
                        Object first = queue.poll(10, TimeUnit.MILLISECONDS);
                        if (first == null) {
                            continue;
                        }
                        batch.add(first);
                        queue.drainTo(batch, maxBatchSize - 1);
                        consumed = consumed + batch.size();
                        batch.clear();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }

        @Override
        public boolean offer(Object element) {
            return queue.offer(element);
        }

        @Override
        public long consumed() {
            return consumed;
        }

        @Override
        public void close() {
            running = false;
            try {
                consumer.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The LMAX Disruptor: multi-producer ring, blocking wait strategy, batch-aware handler. */
    static final class DisruptorBatcher implements HandOff {
        static final class Slot {
            Object value;
        }

        private static final EventTranslatorOneArg<Slot, Object> TRANSLATOR = (slot, seq, value) -> slot.value = value;

        private final Disruptor<Slot> disruptor;
        private final RingBuffer<Slot> ring;
        private volatile long consumed;

        DisruptorBatcher(int maxBatchSize) {
            disruptor = new Disruptor<>(
                    Slot::new,
                    CAPACITY,
                    r -> Thread.ofPlatform().name("disruptor").daemon(true).unstarted(r),
                    ProducerType.MULTI,
                    new BlockingWaitStrategy());
            List<Object> batch = new ArrayList<>(maxBatchSize);
            EventHandler<Slot> handler = (slot, sequence, endOfBatch) -> {
                batch.add(slot.value);
                if (endOfBatch || batch.size() == maxBatchSize) {
                    consumed = consumed + batch.size();
                    batch.clear();
                }
            };
            disruptor.handleEventsWith(handler);
            ring = disruptor.start();
        }

        @Override
        public boolean offer(Object element) {
            return ring.tryPublishEvent(TRANSLATOR, element);
        }

        @Override
        public long consumed() {
            return consumed;
        }

        @Override
        public void close() {
            disruptor.shutdown();
        }
    }

    /** A bare JCTools MPSC hand-off: the floor for any batcher built on it. */
    static final class JctoolsHandOff implements HandOff {
        private final MpscArrayQueue<Object> queue = new MpscArrayQueue<>(CAPACITY);
        private final ConsumerThread consumer;
        private long consumedByConsumer;
        private volatile long consumed;

        JctoolsHandOff(int maxBatchSize) {
            consumer = new ConsumerThread("jctools-handoff", () -> {
                int n = queue.drain(e -> consumedByConsumer++, maxBatchSize);
                if (n > 0) {
                    consumed = consumedByConsumer;
                }
                return n;
            });
        }

        @Override
        public boolean offer(Object element) {
            return queue.relaxedOffer(element);
        }

        @Override
        public long consumed() {
            return consumed;
        }

        @Override
        public void close() {
            consumer.stop();
        }
    }
}

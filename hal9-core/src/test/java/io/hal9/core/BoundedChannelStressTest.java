package io.hal9.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Timeout;

/**
 * The channel's central promise under concurrency: producers racing each other, the consumer and a
 * close() from a third thread in the middle; every message whose send was accepted is received exactly
 * once, in its producer's order, before the consumer sees end of stream, and nothing refused is received.
 */
@Timeout(60)
class BoundedChannelStressTest {
    private static final int PRODUCERS = 4;
    private static final int PER_PRODUCER = 50_000;

    @RepeatedTest(10)
    void everyAcceptedMessageIsReceivedOnceInProducerOrderDespiteACloseInTheMiddle(RepetitionInfo repetition)
            throws Exception {
        long seed = ThreadLocalRandom.current().nextLong();
        try {
            run(seed);
        } catch (Throwable t) {
            throw new AssertionError(
                    "stress run " + repetition.getCurrentRepetition() + " failed; replay with seed " + seed + "L", t);
        }
    }

    private static void run(long seed) throws Exception {
        Random random = new Random(seed);
        int capacity = random.nextBoolean() ? 2 + random.nextInt(6) : 2 + random.nextInt(1000);
        int closeAfterReceived = 1 + random.nextInt(PRODUCERS * PER_PRODUCER / 2);
        long consumerSeed = random.nextLong();
        BoundedChannel<Long> channel =
                BoundedChannel.<Long>builder("stress").capacity(capacity).build();

        // accepted[p][i]: written only by producer p, read after its future completed (happens-before).
        boolean[][] accepted = new boolean[PRODUCERS][PER_PRODUCER];
        long[] attempts = new long[PRODUCERS]; // sends tried by producer p, same rule
        // received[p]: the sequence numbers of producer p in the order the consumer got them.
        int[][] received = new int[PRODUCERS][PER_PRODUCER];
        int[] receivedCount = new int[PRODUCERS];
        CyclicBarrier go = new CyclicBarrier(PRODUCERS + 2);
        CountDownLatch closeNow = new CountDownLatch(1);
        AtomicInteger producersDone = new AtomicInteger();

        ExecutorService pool = Executors.newFixedThreadPool(PRODUCERS + 2);
        try {
            List<Future<?>> producers = new ArrayList<>();
            for (int p = 0; p < PRODUCERS; p++) {
                int producer = p;
                boolean timed = p % 2 == 1; // half use trySend, half the timed send that parks
                producers.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < PER_PRODUCER; i++) {
                        long message = ((long) producer << 32) | i;
                        if (timed) {
                            attempts[producer]++;
                            try {
                                channel.send(message, Duration.ofMillis(20));
                                accepted[producer][i] = true;
                            } catch (RejectedException refused) {
                                // FULL or CLOSED: not accepted
                            }
                        } else {
                            // Retry a FULL answer a bounded number of times, so these producers keep pace
                            // with the consumer and are still sending when close() comes. Busy retries, not
                            // yield(): the OS then preempts them at arbitrary points, also between reservation
                            // and enqueue, the window the close race lives in (a consumer that trusted an
                            // empty queue after close() fails this test within a few repetitions).
                            Admission admission = channel.trySend(message);
                            attempts[producer]++;
                            for (int retry = 0; admission == Admission.FULL && retry < 1000; retry++) {
                                Thread.onSpinWait();
                                admission = channel.trySend(message);
                                attempts[producer]++;
                            }
                            accepted[producer][i] = admission == Admission.ACCEPTED;
                        }
                    }
                    if (producersDone.incrementAndGet() == PRODUCERS) {
                        closeNow.countDown(); // everything sent before the consumer got that far
                    }
                    return null;
                }));
            }

            Future<Integer> consumer = pool.submit(() -> {
                Random consumerRandom = new Random(consumerSeed);
                List<Long> batch = new ArrayList<>();
                int total = 0;
                go.await();
                while (true) {
                    batch.clear();
                    if (consumerRandom.nextBoolean()) {
                        channel.drainTo(batch, 1 + consumerRandom.nextInt(64));
                    }
                    if (batch.isEmpty()) {
                        Long message;
                        try {
                            message = channel.receive(Duration.ofSeconds(20));
                        } catch (RejectedException endOfStream) {
                            assertThat(endOfStream.reason()).isEqualTo(Admission.CLOSED);
                            return total;
                        }
                        assertThat(message)
                                .as("no message and no end of stream within 20 s")
                                .isNotNull();
                        batch.add(message);
                    }
                    for (long message : batch) {
                        int producer = (int) (message >>> 32);
                        received[producer][receivedCount[producer]++] = (int) message;
                        if (++total == closeAfterReceived) {
                            closeNow.countDown();
                        }
                    }
                }
            });

            Future<?> closer = pool.submit(() -> {
                go.await();
                closeNow.await();
                channel.close();
                return null;
            });

            closer.get(30, TimeUnit.SECONDS);
            int total = consumer.get(30, TimeUnit.SECONDS);
            for (Future<?> producer : producers) {
                producer.get(30, TimeUnit.SECONDS);
            }

            long acceptedTotal = 0;
            for (int p = 0; p < PRODUCERS; p++) {
                int[] got = received[p];
                int count = receivedCount[p];
                for (int k = 1; k < count; k++) {
                    assertThat(got[k])
                            .as("producer %d: message #%d out of order or twice", p, k)
                            .isGreaterThan(got[k - 1]);
                }
                boolean[] wasReceived = new boolean[PER_PRODUCER];
                for (int k = 0; k < count; k++) {
                    wasReceived[got[k]] = true;
                }
                for (int i = 0; i < PER_PRODUCER; i++) {
                    assertThat(wasReceived[i])
                            .as("producer %d message %d: received must equal accepted", p, i)
                            .isEqualTo(accepted[p][i]);
                }
                acceptedTotal += count;
            }

            assertThat(total).isEqualTo(acceptedTotal);
            assertThat(channel.isTerminated()).isTrue();
            assertThat(channel.poll()).isNull();
            BoundedChannel.Stats stats = channel.stats();
            assertThat(stats.accepted()).isEqualTo(acceptedTotal);
            assertThat(stats.received()).isEqualTo(acceptedTotal);
            assertThat(stats.size()).isZero();
            assertThat(stats.waitingSenders()).isZero();
            long attempted = 0;
            for (long a : attempts) {
                attempted += a;
            }
            assertThat(stats.accepted() + stats.refusedFull() + stats.refusedClosed())
                    .as("every attempt has exactly one outcome")
                    .isEqualTo(attempted);
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    /**
     * Exact capacity under contention: producers race for slots while the consumer takes a fixed number of
     * messages, then stops. Once it has stopped, producers keep trying until they see FULL, so exactly
     * {@code capacity} messages are left: any over- or under-admission (say, the power-of-two array size
     * leaking through, or a lost slot) changes the totals.
     */
    @RepeatedTest(5)
    void admitsExactlyCapacityMoreThanTheConsumerTookDespiteRacingProducers(RepetitionInfo repetition)
            throws Exception {
        long seed = ThreadLocalRandom.current().nextLong();
        try {
            runExactCapacity(seed);
        } catch (Throwable t) {
            throw new AssertionError(
                    "exact-capacity run " + repetition.getCurrentRepetition() + " failed; replay with seed " + seed
                            + "L",
                    t);
        }
    }

    private static void runExactCapacity(long seed) throws Exception {
        Random random = new Random(seed);
        int capacity = random.nextBoolean() ? 2 + random.nextInt(8) : 2 + random.nextInt(1100);
        int toTake = 1 + random.nextInt(20_000);
        BoundedChannel<Long> channel =
                BoundedChannel.<Long>builder("exact").capacity(capacity).build();
        long[] acceptedBy = new long[PRODUCERS]; // written by producer p, read after its future completed
        AtomicBoolean consumerDone = new AtomicBoolean();
        CyclicBarrier go = new CyclicBarrier(PRODUCERS + 1);

        ExecutorService pool = Executors.newFixedThreadPool(PRODUCERS + 1);
        try {
            List<Future<?>> producers = new ArrayList<>();
            for (int p = 0; p < PRODUCERS; p++) {
                int producer = p;
                producers.add(pool.submit(() -> {
                    go.await();
                    long next = 0;
                    while (true) {
                        // Read before the attempt: a FULL that follows a stopped consumer is final.
                        boolean stopped = consumerDone.get();
                        Admission admission = channel.trySend(((long) producer << 32) | next);
                        if (admission == Admission.ACCEPTED) {
                            next++;
                        } else if (stopped) {
                            assertThat(admission).isEqualTo(Admission.FULL);
                            break;
                        } else {
                            Thread.onSpinWait();
                        }
                    }
                    acceptedBy[producer] = next;
                    return null;
                }));
            }

            long[] lastSeen = new long[PRODUCERS];
            Arrays.fill(lastSeen, -1);
            go.await();
            int taken = 0;
            List<Long> batch = new ArrayList<>();
            while (taken < toTake) {
                batch.clear();
                if (random.nextBoolean()) {
                    Long message = channel.poll();
                    if (message != null) {
                        batch.add(message);
                    }
                } else {
                    channel.drainTo(batch, Math.min(toTake - taken, 1 + random.nextInt(64)));
                }
                for (long message : batch) {
                    int producer = (int) (message >>> 32);
                    assertThat(message & 0xFFFF_FFFFL)
                            .as("producer %d: next message in order", producer)
                            .isEqualTo(lastSeen[producer] + 1);
                    lastSeen[producer]++;
                }
                taken += batch.size();
                if (batch.isEmpty()) {
                    Thread.onSpinWait();
                }
            }
            consumerDone.set(true);
            for (Future<?> producer : producers) {
                producer.get(30, TimeUnit.SECONDS);
            }

            long acceptedTotal = 0;
            for (long a : acceptedBy) {
                acceptedTotal += a;
            }
            assertThat(acceptedTotal).isEqualTo((long) toTake + capacity);
            assertThat(channel.size()).isEqualTo(capacity);
            BoundedChannel.Stats stats = channel.stats();
            assertThat(stats.accepted()).isEqualTo(acceptedTotal);
            assertThat(stats.received()).isEqualTo(toTake);
            assertThat(channel.trySend(-1L)).isEqualTo(Admission.FULL);

            channel.close();
            List<Long> rest = new ArrayList<>();
            assertThat(channel.drainTo(rest, Integer.MAX_VALUE)).isEqualTo(capacity);
            for (long message : rest) {
                int producer = (int) (message >>> 32);
                assertThat(message & 0xFFFF_FFFFL).isEqualTo(++lastSeen[producer]);
            }
            for (int p = 0; p < PRODUCERS; p++) {
                assertThat(lastSeen[p] + 1)
                        .as("producer %d: all accepted received", p)
                        .isEqualTo(acceptedBy[p]);
            }
            assertThat(channel.isTerminated()).isTrue();
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }
}

package io.hal9.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The batcher's central promise under concurrency: with producers racing, a sink that fails at random
 * (transiently and permanently) and a close in the middle, every accepted action is written exactly
 * once or dead-lettered exactly once, actions of one key are written in submission order, nothing
 * refused shows up, and a tracked submission's future tells the truth. Covers plain and aggregating
 * mode.
 */
class ActionBatcherPropertyTest {

    /** An action, or in aggregating mode a merged entry: the key and the sequence numbers it carries. */
    record Act(int key, List<Integer> seqs) {
        Act merge(Act newer) {
            List<Integer> all = new ArrayList<>(seqs);
            all.addAll(newer.seqs);
            return new Act(key, all);
        }
    }

    @Property(tries = 200)
    void everyAcceptedActionIsWrittenOnceOrDeadLetteredInPerKeyOrder(
            @ForAll @IntRange(min = 1, max = 4) int producers,
            @ForAll @IntRange(min = 0, max = 3000) int perProducer,
            @ForAll @IntRange(min = 1, max = 8) int keysPerProducer,
            @ForAll @IntRange(min = 0, max = 40) int failPercent,
            @ForAll @IntRange(min = 0, max = 100) int closeAtPercent,
            @ForAll @IntRange(min = 1, max = 64) int maxBatchSize,
            @ForAll @IntRange(min = 0, max = 3) int maxRetries,
            @ForAll boolean aggregating,
            @ForAll long seed)
            throws Exception {
        Random random = new Random(seed);
        // Written only on the flusher thread; read after close(), which waits for the flusher.
        List<Act> written = new ArrayList<>();
        List<Act> deadLettered = new ArrayList<>();
        BatchSink<Act> sink = batch -> {
            int roll = random.nextInt(100);
            if (roll < failPercent) {
                if (roll % 3 == 0) {
                    throw new IllegalStateException("permanent failure");
                }
                throw new IOException("transient failure");
            }
            written.addAll(batch);
        };
        ActionBatcher.Builder<Act> builder = ActionBatcher.builder("property", sink)
                .capacity(Math.max(maxBatchSize, 128))
                .maxBatchSize(maxBatchSize)
                .maxLinger(Duration.ofMillis(random.nextInt(3)))
                .maxRetries(maxRetries)
                .backoff(Duration.ZERO, Duration.ZERO)
                .retryOn(t -> t instanceof IOException)
                .deadLetterHandler((actions, cause) -> deadLettered.addAll(actions));
        if (aggregating) {
            builder.aggregateBy(Act::key, Act::merge);
        }
        ActionBatcher<Act> batcher = builder.build();

        int total = producers * perProducer;
        int closeAt = (int) ((long) total * closeAtPercent / 100);
        CountDownLatch closeSignal = new CountDownLatch(1);
        AtomicInteger acceptedSoFar = new AtomicInteger();
        if (closeAt == 0) {
            closeSignal.countDown();
        }
        Set<Integer> accepted = ConcurrentHashMap.newKeySet();
        Set<Integer> refused = ConcurrentHashMap.newKeySet();
        Map<Integer, CompletableFuture<Void>> trackedFutures = new ConcurrentHashMap<>();
        CyclicBarrier start = new CyclicBarrier(producers + 1);
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            int producer = p;
            threads.add(Thread.ofPlatform().start(() -> {
                await(start);
                for (int i = 0; i < perProducer; i++) {
                    int seq = producer * 1_000_000 + i;
                    Act act = new Act(producer * 100 + i % keysPerProducer, List.of(seq));
                    boolean ok;
                    if (i % 7 == 0) {
                        CompletableFuture<Void> f = batcher.trySubmitTracked(act);
                        // Refused futures fail at once with RejectedException; an accepted one may
                        // already have failed with BatchFailedException (dead-lettered), which is not a refusal.
                        ok = !(f.state() == java.util.concurrent.Future.State.FAILED
                                && f.exceptionNow() instanceof RejectedException);
                        if (!ok) {
                            ok = submitWaiting(batcher, act);
                        } else {
                            trackedFutures.put(seq, f);
                        }
                    } else {
                        ok = batcher.trySubmit(act) == Admission.ACCEPTED || submitWaiting(batcher, act);
                    }
                    (ok ? accepted : refused).add(seq);
                    if (ok && acceptedSoFar.incrementAndGet() == closeAt) {
                        closeSignal.countDown();
                    }
                }
            }));
        }
        Thread closer = Thread.ofPlatform().start(() -> {
            await(start);
            try {
                closeSignal.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            batcher.close();
        });
        for (Thread t : threads) {
            t.join();
        }
        closeSignal.countDown(); // fewer were accepted than closeAt (e.g. none at all)
        closer.join();
        batcher.close(); // waits for the flusher to finish: everything below is now stable

        String context = "seed=" + seed + " producers=" + producers + " perProducer=" + perProducer + " aggregating="
                + aggregating + " maxBatchSize=" + maxBatchSize + " failPercent=" + failPercent;
        Map<Integer, Integer> deliveries = new HashMap<>();
        Set<Integer> writtenSeqs = new HashSet<>();
        for (Act a : written) {
            for (int s : a.seqs()) {
                deliveries.merge(s, 1, Integer::sum);
                writtenSeqs.add(s);
            }
        }
        for (Act a : deadLettered) {
            for (int s : a.seqs()) {
                deliveries.merge(s, 1, Integer::sum);
            }
        }
        assertThat(deliveries.keySet()).as(context).isEqualTo(accepted);
        assertThat(deliveries.values()).as(context).allMatch(n -> n == 1);
        Set<Integer> refusedButDelivered = new HashSet<>(refused);
        refusedButDelivered.retainAll(deliveries.keySet());
        assertThat(refusedButDelivered).as(context).isEmpty();
        assertThat(accepted.size() + refused.size()).as(context).isEqualTo(total);

        // Per key, the written contributions appear in submission order.
        Map<Integer, Integer> lastSeqByKey = new HashMap<>();
        for (Act a : written) {
            for (int s : a.seqs()) {
                Integer last = lastSeqByKey.put(a.key(), s);
                assertThat(last == null || last < s)
                        .as(context + " key " + a.key() + ": " + s + " after " + last)
                        .isTrue();
            }
        }
        // Tracked futures tell the truth.
        trackedFutures.forEach((seq, f) -> {
            assertThat(f).as(context + " seq " + seq).isDone();
            assertThat(f.isCompletedExceptionally()).as(context + " seq " + seq).isEqualTo(!writtenSeqs.contains(seq));
        });
        ActionBatcher.Stats stats = batcher.stats();
        assertThat(stats.pending()).as(context).isZero();
        assertThat(stats.accepted()).as(context).isEqualTo(accepted.size());
    }

    private static boolean submitWaiting(ActionBatcher<Act> batcher, Act act) {
        try {
            batcher.submit(act, Duration.ofSeconds(10));
            return true;
        } catch (RejectedException e) {
            assertThat(e.reason()).isEqualTo(Admission.CLOSED);
            return false;
        }
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

package io.hal9.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * N platform threads x fixed operations, released together by a barrier, handing leases to each other
 * through a small queue so that objects are often released on another thread than they were claimed on,
 * with a small maxIdle so that caches overflow into the shared queue and the shared queue into discards.
 * Invariants checked at the end: no object was ever held by two owners or claimed unreset, the counts add
 * up, the idle bound held, and every object made is either idle or was discarded.
 */
@Timeout(30)
class ObjectPoolStressTest {
    private static final int THREADS = 4;
    private static final int OPS = 200_000;
    private static final int MAX_IDLE = 64;

    /** A game state that knows whether it is on loan. */
    static final class State {
        final AtomicBoolean onLoan = new AtomicBoolean();
        long tick;
    }

    @Test
    void leasesHandedBetweenThreadsAreNeverSharedAndEveryObjectIsAccountedFor() throws Exception {
        long seed = System.nanoTime();
        ObjectPoolImpl<State> pool = (ObjectPoolImpl<State>) ObjectPool.builder("stress", State::new)
                .reset(s -> s.tick = 0)
                .maxIdle(MAX_IDLE)
                .threadLocalCapacity(8)
                .build();
        ArrayBlockingQueue<Lease<State>> handOff = new ArrayBlockingQueue<>(16);
        LongAdder sharedOwner = new LongAdder();
        LongAdder notReset = new LongAdder();
        LongAdder handedOver = new LongAdder();
        AtomicInteger maxIdleSeen = new AtomicInteger();
        CyclicBarrier start = new CyclicBarrier(THREADS);
        CyclicBarrier finished = new CyclicBarrier(THREADS + 1);
        CyclicBarrier looked = new CyclicBarrier(THREADS + 1);
        // Threads stay alive until the end, so that their caches (and the objects in them) still count.
        ExecutorService executor = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < THREADS; w++) {
                SplittableRandom random = new SplittableRandom(seed + w);
                workers.add(executor.submit(() -> {
                    start.await(10, TimeUnit.SECONDS);
                    for (int op = 0; op < OPS; op++) {
                        Lease<State> lease = pool.claim();
                        State s = lease.get();
                        if (!s.onLoan.compareAndSet(false, true)) {
                            sharedOwner.increment();
                        }
                        if (s.tick != 0) {
                            notReset.increment();
                        }
                        s.tick = op + 1;
                        if (random.nextBoolean() && handOff.offer(lease)) {
                            handedOver.increment(); // someone else will release it
                        } else {
                            s.onLoan.set(false);
                            lease.close();
                        }
                        Lease<State> other = handOff.poll();
                        if (other != null) {
                            other.get().onLoan.set(false);
                            other.close();
                        }
                        if ((op & 1023) == 0) {
                            maxIdleSeen.accumulateAndGet((int) pool.idleCount(), Math::max);
                        }
                    }
                    finished.await(10, TimeUnit.SECONDS);
                    looked.await(10, TimeUnit.SECONDS);
                    return null;
                }));
            }
            finished.await(20, TimeUnit.SECONDS);
            for (Lease<State> left; (left = handOff.poll()) != null; ) {
                left.get().onLoan.set(false);
                left.close();
            }

            ObjectPool.Stats stats = pool.stats();
            long claims = (long) THREADS * OPS;
            String why = "seed " + seed + ", " + stats;
            assertThat(sharedOwner.sum()).as(why).isZero();
            assertThat(notReset.sum()).as(why).isZero();
            assertThat(handedOver.sum()).as(why).isPositive();
            assertThat(stats.claims()).as(why).isEqualTo(claims);
            assertThat(stats.hits() + stats.misses()).as(why).isEqualTo(claims);
            assertThat(stats.releases()).as(why).isEqualTo(claims);
            assertThat(stats.hits()).as(why).isGreaterThan(claims / 2);
            long idle = pool.idleCount();
            assertThat(idle).as(why).isLessThanOrEqualTo(MAX_IDLE);
            assertThat(stats.misses() - stats.discards()).as(why).isEqualTo(idle);
            // Sampled while running: even a racy sum stays within the bound, because each part (a cache, a
            // stripe) is read once and never holds more than its own capacity, and those sum to maxIdle.
            assertThat(maxIdleSeen.get()).as(why).isLessThanOrEqualTo(MAX_IDLE);
            looked.await(10, TimeUnit.SECONDS);
            for (Future<?> worker : workers) {
                worker.get(10, TimeUnit.SECONDS);
            }
        } finally {
            executor.shutdownNow();
        }
    }
}

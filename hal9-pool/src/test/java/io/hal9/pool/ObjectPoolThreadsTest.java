package io.hal9.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hal9.testkit.Latches;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Threads: cross-thread release, threads that end, and many virtual threads. */
@Timeout(30)
class ObjectPoolThreadsTest {

    /** A game state that knows whether it is on loan. */
    static final class State {
        final AtomicBoolean onLoan = new AtomicBoolean();
        long tick;
    }

    private static ObjectPoolImpl<State> pool(String name, int maxIdle, int threadLocalCapacity) {
        return (ObjectPoolImpl<State>) ObjectPool.builder(name, State::new)
                .reset(s -> s.tick = 0)
                .maxIdle(maxIdle)
                .threadLocalCapacity(threadLocalCapacity)
                .build();
    }

    @Test
    void anObjectReleasedOnAnotherThreadComesBackThroughTheSharedQueue() throws Exception {
        ObjectPoolImpl<State> pool = pool("cross", 64, 0);
        Lease<State> lease = pool.claim();
        State object = lease.get();

        CompletableFuture.runAsync(lease::close, runnable -> Thread.ofPlatform().start(runnable))
                .get(5, TimeUnit.SECONDS);

        try (Lease<State> again = pool.claim()) {
            assertThat(again.get()).isSameAs(object);
        }
        assertThat(pool.stats().hits()).isEqualTo(1);
    }

    @Test
    void objectsReleasedOnAnotherThreadGoToItsCacheThenTheSharedQueueAndNeverGrowPastMaxIdle() throws Exception {
        ObjectPoolImpl<State> pool = pool("handoff", 64, 8);
        List<Lease<State>> leases = new ArrayList<>();
        for (int i = 0; i < 640; i++) {
            leases.add(pool.claim()); // claimed here, on the test thread
        }
        CountDownLatch looked = new CountDownLatch(1);
        AtomicReference<State> reclaimed = new AtomicReference<>();
        State lastCached = leases.get(7).get(); // the releaser's cache of 8 takes the first 8 released
        Thread releaser = Thread.ofPlatform().start(() -> {
            leases.forEach(Lease::close); // released there
            try (Lease<State> lease = pool.claim()) { // its own cache answers first, last cached first
                reclaimed.set(lease.get());
            }
            Latches.await(looked, Duration.ofSeconds(20));
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> reclaimed.get() != null);
        assertThat(reclaimed.get()).isSameAs(lastCached);
        assertThat(pool.idleCount()).isEqualTo(8 + 32); // the releaser's cache and the shared queue
        assertThat(pool.stats().discards()).isEqualTo(640 - 40);
        // The claiming thread finds the overflow in the shared queue, and then nothing.
        List<Lease<State>> again = new ArrayList<>();
        for (int i = 0; i < 33; i++) {
            again.add(pool.claim());
        }
        assertThat(pool.stats().hits()).isEqualTo(1 + 32);
        assertThat(pool.stats().misses()).isEqualTo(640 + 1);
        again.forEach(Lease::close);
        assertThat(pool.idleCount()).isEqualTo(8 + 8 + 25); // 33 back: 8 to this thread's cache, 25 to shared
        looked.countDown();
        releaser.join();
    }

    @Test
    void aThreadThatEndsLeavesNothingPinnedAndGivesItsCacheShareBack() throws Exception {
        // maxIdle 4 = shared queue 2 + a cache share of 2: room for exactly one cache of 2.
        ObjectPoolImpl<State> pool = pool("ends", 4, 2);
        AtomicReference<WeakReference<State>> cached = new AtomicReference<>();
        Thread first = Thread.ofPlatform().start(() -> {
            try (Lease<State> lease = pool.claim()) {
                cached.set(new WeakReference<>(lease.get()));
            } // released into this thread's cache
        });
        first.join();
        assertThat(pool.cachesCreated()).isEqualTo(1);

        // Nothing global holds the ended thread's cache: its idle object becomes garbage, and the registry
        // lets go of the cache.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            System.gc();
            assertThat(cached.get().get()).isNull();
            assertThat(pool.liveCaches()).isZero();
        });
        assertThat(pool.stats().releases()).isEqualTo(1); // its counters were kept

        // Its share came back: a new thread gets a cache of 2 again (else only the shared 2 would be idle).
        CountDownLatch looked = new CountDownLatch(1);
        CountDownLatch released = new CountDownLatch(1);
        Thread second = Thread.ofPlatform().start(() -> {
            List<Lease<State>> four = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                four.add(pool.claim());
            }
            four.forEach(Lease::close);
            released.countDown();
            Latches.await(looked, Duration.ofSeconds(20));
        });
        assertThat(released.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(pool.idleCount()).isEqualTo(4);
        looked.countDown();
        second.join();
        assertThat(pool.cachesCreated()).isEqualTo(2);
    }

    @Test
    void tenThousandVirtualThreadsShareThePoolWithoutCachesAndTheCountsAddUp() throws Exception {
        ObjectPoolImpl<State> pool = pool("virtual", ObjectPool.DEFAULT_MAX_IDLE, 32);
        int threads = 10_000;
        int cycles = 10;
        int cachesBefore = pool.cachesCreated();
        CountDownLatch start = new CountDownLatch(1);
        LongAdder sharedOwner = new LongAdder();
        LongAdder notReset = new LongAdder();
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < threads; t++) {
                executor.execute(() -> {
                    Latches.await(start, Duration.ofSeconds(20));
                    for (int c = 0; c < cycles; c++) {
                        try (Lease<State> lease = pool.claim()) {
                            State s = lease.get();
                            if (!s.onLoan.compareAndSet(false, true)) {
                                sharedOwner.increment();
                            }
                            if (s.tick != 0) {
                                notReset.increment();
                            }
                            s.tick = c + 1;
                            Thread.yield(); // let other virtual threads run while this one holds an object
                            s.onLoan.set(false);
                        }
                    }
                });
            }
            start.countDown();
        } // close() waits for every task

        ObjectPool.Stats stats = pool.stats();
        long claims = (long) threads * cycles;
        assertThat(sharedOwner.sum()).as("objects held by two threads at once").isZero();
        assertThat(notReset.sum()).as("objects claimed without reset").isZero();
        assertThat(stats.claims()).isEqualTo(claims);
        assertThat(stats.hits() + stats.misses()).isEqualTo(claims);
        assertThat(stats.releases()).isEqualTo(claims); // nothing outstanding
        assertThat(stats.hits()).isPositive();
        assertThat(pool.idleCount()).isLessThanOrEqualTo(ObjectPool.DEFAULT_MAX_IDLE);
        // Every object made is idle or was discarded.
        assertThat(stats.misses() - stats.discards()).isEqualTo(pool.idleCount());
        // 10,000 virtual threads, not one cache.
        assertThat(pool.cachesCreated()).isEqualTo(cachesBefore);
    }
}

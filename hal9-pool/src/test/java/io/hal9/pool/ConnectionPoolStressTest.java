package io.hal9.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.hal9.pool.ConnectionPoolFixtures.Conn;
import io.hal9.pool.ConnectionPoolFixtures.FakeFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Many threads claiming and returning at once, released together. Invariants checked at the end:
 * never more than maxConnections alive, never one connection held twice, every lease accounted for,
 * and after close every created connection destroyed exactly once.
 */
@Timeout(30)
class ConnectionPoolStressTest {
    private static final int THREADS = 8;
    private static final int OPS = 5_000;
    private static final int MAX = 4;

    @Test
    void neverMoreThanMaxAliveNeverSharedAndEveryConnectionDestroyedOnceAfterClose() throws Exception {
        long seed = System.nanoTime();
        FakeFactory factory = new FakeFactory();
        ConnectionPool<Conn> pool = ConnectionPool.builder("stress", factory)
                .maxConnections(MAX)
                .minConnections(1)
                .validateAfterIdle(Duration.ZERO)
                .closeTimeout(Duration.ofSeconds(10))
                .build();
        LongAdder leases = new LongAdder();
        LongAdder refusals = new LongAdder();
        LongAdder sharedUse = new LongAdder();
        LongAdder broken = new LongAdder();
        CyclicBarrier start = new CyclicBarrier(THREADS);
        List<CompletableFuture<Void>> workers = new ArrayList<>();

        try (ExecutorService threads = Executors.newFixedThreadPool(THREADS)) {
            for (int w = 0; w < THREADS; w++) {
                SplittableRandom random = new SplittableRandom(seed + w);
                workers.add(CompletableFuture.runAsync(
                        () -> {
                            await(start);
                            for (int i = 0; i < OPS; i++) {
                                ConnectionLease<Conn> lease =
                                        random.nextBoolean() ? pool.tryAcquire() : pool.acquire(Duration.ofSeconds(10));
                                if (lease == null) {
                                    refusals.increment();
                                    continue;
                                }
                                leases.increment();
                                if (use(lease.get(), random)) {
                                    sharedUse.increment();
                                }
                                if (random.nextInt(100) == 0) {
                                    broken.increment();
                                    lease.closeBroken();
                                } else {
                                    lease.close();
                                }
                            }
                        },
                        threads));
            }
            CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).get(25, TimeUnit.SECONDS);
        }
        ConnectionPool.Stats beforeClose = pool.stats();
        pool.close();

        String why = "seed " + seed;
        assertThat(factory.maxLive.get()).as(why).isLessThanOrEqualTo(MAX);
        assertThat(sharedUse.sum()).as(why).isZero();
        assertThat(beforeClose.acquired()).as(why).isEqualTo(leases.sum());
        assertThat(beforeClose.inUse()).as(why).isZero();
        assertThat(beforeClose.pending()).as(why).isZero();
        assertThat(leases.sum() + refusals.sum()).as(why).isEqualTo((long) THREADS * OPS);
        assertThat(factory.live.get()).as(why).isZero();
        assertThat(factory.doubleDestroys.get()).as(why).isZero();
        assertThat(factory.all)
                .as(why)
                .allSatisfy(c -> assertThat(c.destroyCount.get()).isEqualTo(1));
        ConnectionPool.Stats after = pool.stats();
        assertThat(after.created()).as(why).isEqualTo(factory.all.size());
        assertThat(after.destroyed()).as(why).isEqualTo(after.created());
        assertThat(after.created()).as(why).isGreaterThanOrEqualTo(broken.sum());
    }

    @Test
    void creationFailingOnAndOffUnderLoadLeaksNoSlotAndNoConnection() throws Exception {
        long seed = System.nanoTime();
        FakeFactory factory = new FakeFactory();
        factory.failurePercent = 40;
        ConnectionPool<Conn> pool = ConnectionPool.builder("flaky", factory)
                .maxConnections(MAX)
                .minConnections(0)
                .creationBackoff(Duration.ofMillis(1), Duration.ofMillis(2))
                .closeTimeout(Duration.ofSeconds(10))
                .build();
        LongAdder sharedUse = new LongAdder();
        CyclicBarrier start = new CyclicBarrier(THREADS);
        List<CompletableFuture<Void>> workers = new ArrayList<>();

        try (ExecutorService threads = Executors.newFixedThreadPool(THREADS)) {
            for (int w = 0; w < THREADS; w++) {
                SplittableRandom random = new SplittableRandom(seed + w);
                workers.add(CompletableFuture.runAsync(
                        () -> {
                            await(start);
                            for (int i = 0; i < OPS / 5; i++) {
                                ConnectionLease<Conn> lease;
                                try {
                                    lease = pool.acquire(Duration.ofMillis(random.nextInt(3)));
                                } catch (PoolExhaustedException e) {
                                    continue;
                                }
                                if (use(lease.get(), random)) {
                                    sharedUse.increment();
                                }
                                if (random.nextInt(10) == 0) {
                                    lease.closeBroken();
                                } else {
                                    lease.close();
                                }
                            }
                        },
                        threads));
            }
            CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).get(25, TimeUnit.SECONDS);
        }
        factory.failurePercent = 0;

        String why = "seed " + seed;
        // Every slot came back: the pool still reaches its full size.
        List<ConnectionLease<Conn>> full = new ArrayList<>();
        for (int i = 0; i < MAX; i++) {
            full.add(pool.acquire(Duration.ofSeconds(5)));
        }
        assertThat(pool.tryAcquire()).as(why).isNull();
        full.forEach(ConnectionLease::close);
        pool.close();

        assertThat(sharedUse.sum()).as(why).isZero();
        assertThat(factory.maxLive.get()).as(why).isLessThanOrEqualTo(MAX);
        assertThat(factory.live.get()).as(why).isZero();
        assertThat(factory.doubleDestroys.get()).as(why).isZero();
        assertThat(pool.stats().creating()).as(why).isZero();
        assertThat(pool.stats().created()).as(why).isEqualTo(factory.all.size());
        assertThat(pool.stats().destroyed()).as(why).isEqualTo(pool.stats().created());
    }

    /** Marks the connection held for a moment; true if someone else held it at the same time. */
    private static boolean use(Conn c, SplittableRandom random) {
        boolean shared = !c.held.compareAndSet(false, true) || c.destroyCount.get() != 0;
        for (int spin = random.nextInt(20); spin > 0; spin--) {
            Thread.onSpinWait();
        }
        c.held.set(false);
        return shared;
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void tenThousandVirtualThreadsShareTenConnectionsWithoutPinningOrTimeouts() throws Exception {
        int threads = 10_000;
        int rounds = 2;
        FakeFactory factory = new FakeFactory();
        ConnectionPool<Conn> pool = ConnectionPool.builder("virtual", factory)
                .maxConnections(10)
                .minConnections(10)
                .closeTimeout(Duration.ofSeconds(10))
                .build();
        CountDownLatch go = new CountDownLatch(1);
        LongAdder done = new LongAdder();
        LongAdder sharedUse = new LongAdder();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());

        try (ExecutorService virtual = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < threads; t++) {
                virtual.execute(() -> {
                    try {
                        go.await();
                        for (int r = 0; r < rounds; r++) {
                            try (ConnectionLease<Conn> lease = pool.acquire(Duration.ofSeconds(20))) {
                                Conn c = lease.get();
                                if (!c.held.compareAndSet(false, true)) {
                                    sharedUse.increment();
                                }
                                Thread.yield(); // unmount while holding: others must wait, not pin
                                c.held.set(false);
                            }
                            done.increment();
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                });
            }
            go.countDown();
        }
        pool.close();

        assertThat(failures).isEmpty();
        assertThat(done.sum()).isEqualTo((long) threads * rounds);
        assertThat(sharedUse.sum()).isZero();
        assertThat(pool.stats().timeouts()).isZero();
        assertThat(pool.stats().acquired()).isEqualTo((long) threads * rounds);
        assertThat(factory.maxLive.get()).isLessThanOrEqualTo(10);
        assertThat(factory.live.get()).isZero();
    }
}

package io.hal9.pool.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Readers on several threads while one replica goes down and comes back several times: every read is
 * served, counted once on the database that served it, and the replica ends up back in rotation.
 */
@Timeout(30)
class ReadWriteRouterStressTest {
    private static final int THREADS = 4;
    private static final int READS_PER_THREAD = 1_000;
    private static final int OUTAGES = 3;

    /** A pool already holding a connection per reader, so that a slow start cannot pass for an outage. */
    private static JdbcPool pool(SwitchableDataSource db) {
        JdbcPool pool = JdbcPool.builder(db.label)
                .dataSource(db)
                .maxConnections(THREADS)
                .minConnections(THREADS)
                .connectionTimeout(Duration.ofMillis(250))
                .build();
        await().atMost(Duration.ofSeconds(10)).until(() -> pool.stats().idle() == THREADS);
        return pool;
    }

    @Test
    void everyReadIsServedAndCountedOnceWhileAReplicaFlaps() throws Exception {
        SwitchableDataSource primary = new SwitchableDataSource("primary");
        SwitchableDataSource r1 = new SwitchableDataSource("r1");
        SwitchableDataSource r2 = new SwitchableDataSource("r2");
        List<SwitchableDataSource> dbs = List.of(primary, r1, r2);
        AtomicInteger downEvents = new AtomicInteger();
        AtomicInteger upEvents = new AtomicInteger();
        try (ReadWriteRouter router = ReadWriteRouter.builder("stress")
                        .primary(pool(primary))
                        .replica(pool(r1))
                        .replica(pool(r2))
                        .probeBackoff(Duration.ofMillis(1), Duration.ofMillis(5))
                        .listener(new RouterListener() {
                            @Override
                            public void onReplicaDown(String replica, Throwable cause) {
                                downEvents.incrementAndGet();
                            }

                            @Override
                            public void onReplicaUp(String replica, long downNanos) {
                                upEvents.incrementAndGet();
                            }
                        })
                        .build();
                ExecutorService threads = Executors.newFixedThreadPool(THREADS)) {
            Map<String, LongAdder> servedBy = new ConcurrentHashMap<>();
            AtomicInteger done = new AtomicInteger();
            // Flip points: the read that completes step n of the run switches r1 down (odd n) or up
            // (even n) itself, so the outages fall inside the run however the threads are scheduled.
            int total = THREADS * READS_PER_THREAD;
            int step = total / (2 * OUTAGES + 1);
            CyclicBarrier start = new CyclicBarrier(THREADS);
            List<Future<?>> readers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                readers.add(threads.submit(() -> {
                    start.await();
                    for (int i = 0; i < READS_PER_THREAD; i++) {
                        String url = router.reads(c -> c.getMetaData().getURL());
                        String label = dbs.stream()
                                .filter(db -> db.served(url))
                                .findFirst()
                                .orElseThrow()
                                .label;
                        servedBy.computeIfAbsent(label, k -> new LongAdder()).increment();
                        int n = done.incrementAndGet();
                        if (n % step == 0 && n / step <= 2 * OUTAGES) {
                            boolean down = (n / step) % 2 == 1;
                            r1.down = down;
                            if (down) {
                                router.replicas()
                                        .get(0)
                                        .hikari()
                                        .getHikariPoolMXBean()
                                        .softEvictConnections();
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : readers) {
                f.get();
            }
            // Recovery needs a read to notice the probe is due: keep reading until r1 is back.
            AtomicInteger recoveryReads = new AtomicInteger();
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                String url = router.reads(c -> c.getMetaData().getURL());
                recoveryReads.incrementAndGet();
                String label = r1.served(url) ? "r1" : r2.served(url) ? "r2" : "primary";
                servedBy.computeIfAbsent(label, k -> new LongAdder()).increment();
                return router.stats().replicas().get(0).up();
            });

            ReadWriteRouter.Stats stats = router.stats();
            long counted = servedBy.values().stream().mapToLong(LongAdder::sum).sum();
            assertThat(counted).isEqualTo(total + recoveryReads.get());
            assertThat(servedBy).doesNotContainKey("primary"); // r2 was always up
            assertThat(stats.primaryReads()).isZero();
            assertThat(stats.fallbacks()).isZero();
            // Each read is counted exactly once, on the replica that served it.
            ReadWriteRouter.ReplicaStats s1 = stats.replicas().get(0);
            ReadWriteRouter.ReplicaStats s2 = stats.replicas().get(1);
            assertThat(s1.reads()).isEqualTo(servedBy.get("r1").sum());
            assertThat(s2.reads()).isEqualTo(servedBy.get("r2").sum());
            // Outages may merge (r1 can still wait for a good probe when the next one starts), but each
            // down transition is reported once and ended by a successful probe.
            assertThat(s1.downs()).isBetween(1L, (long) OUTAGES);
            assertThat(downEvents).hasValue((int) s1.downs());
            assertThat(upEvents).hasValue((int) s1.downs());
            assertThat(s1.up()).isTrue();
            assertThat(s2.downs()).isZero();
        }
    }
}

package io.hal9.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Leak detection: a lease dropped while on loan is reported once, with where it was claimed. */
@Timeout(20)
class ObjectPoolLeakTest {
    private static final Duration GC_WAIT = Duration.ofSeconds(10);

    /** A game state. */
    static final class State {
        final long[] data = new long[128];
    }

    /** Records leaks. */
    static final class Recorder implements ObjectPoolListener {
        final List<Throwable> leaks = new CopyOnWriteArrayList<>();

        @Override
        public void onLeak(String pool, Throwable whereClaimed) {
            leaks.add(whereClaimed);
        }
    }

    /** Claims and drops the lease: it is unreachable once this method returns. */
    private static void claimAndDrop(ObjectPool<State> pool) {
        pool.claim().get().data[0] = 1;
    }

    /** Claims and drops the lease, returning a weak reference to its object. */
    private static WeakReference<State> claimAndDropWatched(ObjectPool<State> pool) {
        return new WeakReference<>(pool.claim().get());
    }

    @Test
    void aLeaseDroppedWithoutReleaseIsReportedWithItsClaimSite() {
        Recorder recorder = new Recorder();
        ObjectPool<State> pool = ObjectPool.builder("leaky", State::new)
                .leakDetection(true)
                .listener(recorder)
                .build();
        pool.claim().close(); // so that the leaked lease is a reused one, taken out of this thread's cache
        claimAndDrop(pool);
        assertThat(pool.stats().hits()).isEqualTo(1);

        await().atMost(GC_WAIT).untilAsserted(() -> {
            System.gc();
            assertThat(pool.stats().leaks()).isEqualTo(1);
        });

        assertThat(recorder.leaks).hasSize(1);
        Throwable site = recorder.leaks.get(0);
        assertThat(site.getMessage())
                .startsWith("object pool 'leaky': lease claimed here, by thread '"
                        + Thread.currentThread().getName() + "'")
                .endsWith("and never released");
        assertThat(Arrays.stream(site.getStackTrace()).map(StackTraceElement::getMethodName))
                .contains("claimAndDrop");
        // Reported once: later checks find nothing new.
        System.gc();
        assertThat(pool.stats().leaks()).isEqualTo(1);
        assertThat(recorder.leaks).hasSize(1);
    }

    @Test
    void releasedLeasesAreNeverReportedEvenWhenTheirObjectsAreDiscarded() {
        Recorder recorder = new Recorder();
        ObjectPool<State> pool = ObjectPool.builder("tidy", State::new)
                .maxIdle(2)
                .leakDetection(true)
                .listener(recorder)
                .build();
        for (int i = 0; i < 50; i++) {
            try (Lease<State> a = pool.claim();
                    Lease<State> b = pool.claim();
                    Lease<State> c = pool.claim()) { // three on loan, two kept: one discarded per round
                a.get().data[0] = b.get().data[0] + c.get().data[0];
            }
        }
        assertThat(pool.stats().discards()).isEqualTo(50);
        claimAndDrop(pool); // the canary: once it is reported, the collector has processed the others

        await().atMost(GC_WAIT).untilAsserted(() -> {
            System.gc();
            assertThat(pool.stats().leaks()).isPositive();
        });

        assertThat(pool.stats().leaks()).isEqualTo(1);
        assertThat(Arrays.stream(recorder.leaks.get(0).getStackTrace()).map(StackTraceElement::getMethodName))
                .contains("claimAndDrop");
    }

    @Test
    void withoutLeakDetectionADroppedLeaseIsSimplyCollected() {
        Recorder recorder = new Recorder();
        ObjectPool<State> pool =
                ObjectPool.builder("plain", State::new).listener(recorder).build();
        WeakReference<State> dropped = claimAndDropWatched(pool);

        await().atMost(GC_WAIT).untilAsserted(() -> {
            System.gc();
            assertThat(dropped.get()).isNull();
        });

        assertThat(pool.stats().leaks()).isZero();
        assertThat(recorder.leaks).isEmpty();
        // The pool is unharmed: the lease that leaked was simply one claim not released.
        try (Lease<State> lease = pool.claim()) {
            assertThat(lease.get()).isNotNull();
        }
        assertThat(pool.stats().claims() - pool.stats().releases()).isEqualTo(1);
    }

    @Test
    void closeReportsLeaksTheCollectorAlreadyFound() {
        Recorder recorder = new Recorder();
        ObjectPool<State> pool = ObjectPool.builder("closing", State::new)
                .leakDetection(true)
                .listener(recorder)
                .build();
        WeakReference<State> dropped = claimAndDropWatched(pool);
        await().atMost(GC_WAIT).untilAsserted(() -> {
            System.gc();
            assertThat(dropped.get()).isNull();
        });
        // The tracker is enqueued by the JDK's reference handler shortly after the object is collected.
        await().atMost(GC_WAIT).untilAsserted(() -> {
            pool.close();
            assertThat(recorder.leaks).hasSize(1);
        });
    }
}

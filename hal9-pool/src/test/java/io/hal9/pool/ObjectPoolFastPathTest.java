package io.hal9.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The release fast path (a lease closed on the thread that claimed it, with no atomic instruction) and
 * the slow path it must agree with: double closes across threads, and caches that must not be pinned.
 */
@Timeout(30)
class ObjectPoolFastPathTest {

    static final class State {
        long tick;
    }

    private static ObjectPoolImpl<State> pool(String name) {
        return (ObjectPoolImpl<State>) ObjectPool.builder(name, State::new)
                .reset(s -> s.tick = 0)
                .maxIdle(64)
                .threadLocalCapacity(8)
                .build();
    }

    private static void onPlatformThread(Runnable task) throws Exception {
        CompletableFuture.runAsync(task, runnable -> Thread.ofPlatform().start(runnable))
                .get(5, TimeUnit.SECONDS); // get() is the happens-before edge back to the caller
    }

    @Test
    void aLeaseClosedOnAnotherThreadIsRefusedWhenTheClaimingThreadClosesItAgain() throws Exception {
        ObjectPoolImpl<State> pool = pool("closed-elsewhere");
        Lease<State> lease = pool.claim(); // claimed through this thread's cache: it would close fast here
        onPlatformThread(lease::close);
        ObjectPool.Stats before = pool.stats();
        long idleBefore = pool.idleCount();

        assertThatThrownBy(lease::close)
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("object pool 'closed-elsewhere': lease released twice");

        assertThat(pool.stats()).isEqualTo(before);
        assertThat(pool.idleCount()).isEqualTo(idleBefore).isEqualTo(1);
    }

    @Test
    void aLeaseClosedOnTheClaimingThreadIsRefusedWhenAnotherThreadClosesItAgain() throws Exception {
        ObjectPoolImpl<State> pool = pool("closed-here");
        Lease<State> lease = pool.claim();
        lease.close(); // the fast path
        ObjectPool.Stats before = pool.stats();
        AtomicReference<Throwable> failure = new AtomicReference<>();

        onPlatformThread(() -> {
            try {
                lease.close();
            } catch (IllegalStateException e) {
                failure.set(e);
            }
        });

        assertThat(failure.get())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("object pool 'closed-here': lease released twice");
        assertThat(pool.stats()).isEqualTo(before);
        assertThat(pool.idleCount()).isEqualTo(1);
    }

    @Test
    void anObjectReleasedOnAnotherThreadAndReclaimedThereIsReleasedFastThereAndCountedOnce() throws Exception {
        ObjectPoolImpl<State> pool = pool("adopted");
        Lease<State> lease = pool.claim();
        State object = lease.get();
        AtomicReference<State> reclaimed = new AtomicReference<>();

        onPlatformThread(() -> {
            lease.close(); // slow path: into this thread's cache
            for (int i = 0; i < 3; i++) {
                try (Lease<State> again = pool.claim()) { // from its cache, then the fast path
                    reclaimed.set(again.get());
                    again.get().tick = i + 1;
                }
            }
        });

        assertThat(reclaimed.get()).isSameAs(object);
        assertThat(object.tick).isZero(); // the reset ran on every release, fast or not
        ObjectPool.Stats stats = pool.stats();
        assertThat(stats.claims()).isEqualTo(4);
        assertThat(stats.hits()).isEqualTo(3);
        assertThat(stats.releases()).isEqualTo(4);
        assertThat(stats.discards()).isZero();
    }

    @Test
    void aLeaseClaimedOnAThreadThatEndedAndReleasedToTheSharedQueueDoesNotKeepThatThreadsCache() throws Exception {
        ObjectPoolImpl<State> pool = pool("orphan");
        AtomicReference<Lease<State>> handed = new AtomicReference<>();
        onPlatformThread(() -> handed.set(pool.claim())); // that thread's cache, remembered by the lease
        Lease<State> lease = handed.get();
        State object = lease.get();

        // Closed on a virtual thread (no cache): the object goes to the shared queue, which must not keep
        // the ended thread's cache reachable through it.
        Thread closer = Thread.ofVirtual().start(lease::close);
        closer.join();

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            System.gc();
            assertThat(pool.liveCaches()).isZero();
        });
        try (Lease<State> again = pool.claim()) {
            assertThat(again.get()).isSameAs(object); // from the shared queue
        }
    }
}

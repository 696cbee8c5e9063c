package io.hal9.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hal9.pool.ObjectPoolListener.DiscardReason;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Single-pool behaviour: reuse and reset, the idle bound, double release, reset failures, close. */
@Timeout(10)
class ObjectPoolTest {

    /** A small game state. */
    static final class State {
        long tick;
        final long[] data = new long[16];
        int resets;

        void clear() {
            tick = 0;
            Arrays.fill(data, 0);
            resets++;
        }
    }

    /** Records what the pool reports. */
    static final class Recorder implements ObjectPoolListener {
        final List<DiscardReason> discards = new CopyOnWriteArrayList<>();
        final List<@Nullable Throwable> causes = new CopyOnWriteArrayList<>();

        @Override
        public void onDiscard(String pool, DiscardReason reason, @Nullable Throwable cause) {
            discards.add(reason);
            causes.add(cause);
        }
    }

    private static ObjectPoolImpl<State> impl(ObjectPool<State> pool) {
        return (ObjectPoolImpl<State>) pool;
    }

    @Test
    void aReleasedObjectIsResetBeforeItIsClaimedAgain() {
        ObjectPool<State> pool =
                ObjectPool.builder("states", State::new).reset(State::clear).build();
        State first;
        try (Lease<State> lease = pool.claim()) {
            first = lease.get();
            first.tick = 42;
            first.data[3] = 7;
        }
        try (Lease<State> lease = pool.claim()) {
            assertThat(lease.get()).isSameAs(first);
            assertThat(lease.get().tick).isZero();
            assertThat(lease.get().data).containsOnly(0L);
            assertThat(lease.get().resets).isEqualTo(1);
        }
        ObjectPool.Stats stats = pool.stats();
        assertThat(stats.claims()).isEqualTo(2);
        assertThat(stats.hits()).isEqualTo(1);
        assertThat(stats.misses()).isEqualTo(1);
        assertThat(stats.releases()).isEqualTo(2);
        assertThat(stats.discards()).isZero();
        assertThat(stats.idle()).isEqualTo(1);
        assertThat(stats.maxIdle()).isEqualTo(ObjectPool.DEFAULT_MAX_IDLE);
        assertThat(stats.closed()).isFalse();
    }

    @Test
    void claimsBeyondTheIdleSetAllocateNewObjectsInsteadOfWaiting() {
        ObjectPool<State> pool = ObjectPool.builder("states", State::new).build();
        Set<State> distinct = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Lease<State>> leases = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            Lease<State> lease = pool.claim();
            leases.add(lease);
            distinct.add(lease.get());
        }
        assertThat(distinct).hasSize(100);
        assertThat(pool.stats().misses()).isEqualTo(100);
        leases.forEach(Lease::close);
        assertThat(pool.stats().idle()).isEqualTo(100);
        assertThat(pool.stats().releases()).isEqualTo(100);
    }

    @Test
    void releasingTwiceIsRefusedWithAClearMessageAndLeavesThePoolUnchanged() {
        ObjectPool<State> pool = ObjectPool.builder("states", State::new).build();
        Lease<State> lease = pool.claim();
        State object = lease.get();
        lease.close();
        ObjectPool.Stats before = pool.stats();
        long idleBefore = impl(pool).idleCount();

        assertThatThrownBy(lease::close)
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("object pool 'states': lease released twice");

        assertThat(pool.stats()).isEqualTo(before);
        assertThat(impl(pool).idleCount()).isEqualTo(idleBefore).isEqualTo(1);
        // The object was kept once, not twice: two claims get it once and a new one.
        try (Lease<State> a = pool.claim();
                Lease<State> b = pool.claim()) {
            assertThat(a.get()).isSameAs(object);
            assertThat(b.get()).isNotSameAs(object);
        }
    }

    @Test
    void aLeaseCannotBeReadAfterItWasReleased() {
        ObjectPool<State> pool = ObjectPool.builder("states", State::new).build();
        Lease<State> lease = pool.claim();
        lease.close();
        assertThatThrownBy(lease::get)
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("object pool 'states': lease already released");
        assertThat(lease.toString()).isEqualTo("object pool 'states' lease (released)");
    }

    @Test
    void anObjectWhoseResetThrowsIsDiscardedCountedAndNeverReused() {
        Recorder recorder = new Recorder();
        IllegalStateException boom = new IllegalStateException("boom");
        ObjectPool<State> pool = ObjectPool.builder("states", State::new)
                .reset(s -> {
                    if (s.tick < 0) {
                        throw boom;
                    }
                    s.clear();
                })
                .listener(recorder)
                .build();
        State broken;
        try (Lease<State> lease = pool.claim()) {
            broken = lease.get();
            broken.tick = -1;
        } // close() does not throw
        ObjectPool.Stats stats = pool.stats();
        assertThat(stats.resetFailures()).isEqualTo(1);
        assertThat(stats.discards()).isEqualTo(1);
        assertThat(stats.releases()).isEqualTo(1);
        assertThat(stats.idle()).isZero();
        assertThat(recorder.discards).containsExactly(DiscardReason.RESET_FAILED);
        assertThat(recorder.causes).containsExactly(boom);
        try (Lease<State> lease = pool.claim()) {
            assertThat(lease.get()).isNotSameAs(broken);
        }
        assertThat(pool.stats().misses()).isEqualTo(2);
    }

    @Test
    void releasesBeyondMaxIdleAreDiscardedAndIdleNeverExceedsMaxIdle() throws Exception {
        int maxIdle = 64;
        Recorder recorder = new Recorder();
        ObjectPool<State> pool = ObjectPool.builder("bounded", State::new)
                .maxIdle(maxIdle)
                .threadLocalCapacity(8)
                .listener(recorder)
                .build();
        ObjectPoolImpl<State> impl = impl(pool);
        assertThat(impl.sharedCapacity()).isEqualTo(32); // largest power of two <= 64 / 2; 32 left for caches

        // One thread: its cache (8) and the shared queue (32) fill, the rest is discarded.
        int released = releaseMany(pool, 10 * maxIdle);
        assertThat(impl.idleCount()).isEqualTo(40);
        assertThat(pool.stats().discards()).isEqualTo(released - 40);

        // Four more threads, alive at once: three get caches of 8, the last finds the cache share used up.
        int threads = 4;
        CyclicBarrier together = new CyclicBarrier(threads + 1);
        ExecutorService executor = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(executor.submit(() -> {
                    together.await(5, TimeUnit.SECONDS);
                    int n = releaseMany(pool, 10 * maxIdle);
                    together.await(5, TimeUnit.SECONDS); // stay alive until the main thread has looked
                    return n;
                }));
            }
            together.await(5, TimeUnit.SECONDS);
            together.await(5, TimeUnit.SECONDS);
            for (Future<Integer> f : done) {
                released += f.get(5, TimeUnit.SECONDS);
            }
            assertThat(impl.idleCount()).isEqualTo(maxIdle); // full, and not one more
            assertThat(pool.stats().idle()).isEqualTo(maxIdle);
            assertThat(impl.cachesCreated()).isEqualTo(5);
            ObjectPool.Stats stats = pool.stats();
            assertThat(stats.releases()).isEqualTo(released);
            // Every object ever made is idle or was discarded: nothing is held anywhere else.
            assertThat(stats.misses() - stats.discards()).isEqualTo(maxIdle);
            assertThat(recorder.discards).hasSize((int) stats.discards()).containsOnly(DiscardReason.IDLE_FULL);
        } finally {
            executor.shutdownNow();
        }
    }

    /** Claims n leases, then releases them one by one, checking the idle bound after each release. */
    private static int releaseMany(ObjectPool<State> pool, int n) {
        ObjectPoolImpl<State> impl = impl(pool);
        List<Lease<State>> leases = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            leases.add(pool.claim());
        }
        for (Lease<State> lease : leases) {
            lease.close();
            long idle = impl.idleCount();
            if (idle > pool.stats().maxIdle()) {
                throw new AssertionError(
                        "idle " + idle + " exceeds maxIdle " + pool.stats().maxIdle());
            }
        }
        return n;
    }

    @Test
    void withCachesOffTheSharedQueueTakesTheLargestPowerOfTwoWithinMaxIdle() {
        ObjectPool<State> pool = ObjectPool.builder("shared-only", State::new)
                .maxIdle(100)
                .threadLocalCapacity(0)
                .build();
        ObjectPoolImpl<State> impl = impl(pool);
        assertThat(impl.sharedCapacity()).isEqualTo(64);
        releaseMany(pool, 200);
        assertThat(impl.idleCount()).isEqualTo(64);
        assertThat(impl.cachesCreated()).isZero();
        List<Lease<State>> leases = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            leases.add(pool.claim());
        }
        assertThat(pool.stats().hits()).isEqualTo(64);
        assertThat(pool.stats().misses()).isEqualTo(200);
        leases.add(pool.claim()); // the idle set is used up
        assertThat(pool.stats().misses()).isEqualTo(201);
        leases.forEach(Lease::close);
        assertThat(impl.idleCount()).isEqualTo(64);
    }

    @Test
    void closeIsIdempotentAndAfterwardsClaimsAllocateAndReleasesDiscard() {
        Recorder recorder = new Recorder();
        ObjectPool<State> pool =
                ObjectPool.builder("closing", State::new).listener(recorder).build();
        Set<State> before = Collections.newSetFromMap(new IdentityHashMap<>());
        for (int i = 0; i < 3; i++) {
            try (Lease<State> lease = pool.claim()) {
                before.add(lease.get());
            }
        }
        Lease<State> onLoan = pool.claim();
        before.add(onLoan.get());
        assertThat(pool.stats().idle()).isZero(); // the one idle object is on loan

        try (Lease<State> lease = pool.claim()) {
            before.add(lease.get());
        }
        assertThat(pool.stats().idle()).isEqualTo(1);

        pool.close();
        pool.close();
        assertThat(pool.isClosed()).isTrue();
        assertThat(pool.stats().closed()).isTrue();
        assertThat(pool.stats().idle()).isZero();

        // A lease on loan stays valid; giving it back discards it.
        assertThat(onLoan.get()).isNotNull();
        onLoan.close();
        assertThat(recorder.discards).containsExactly(DiscardReason.CLOSED);

        // Claims keep working, with fresh objects; nothing is kept.
        long missesBefore = pool.stats().misses();
        for (int i = 0; i < 3; i++) {
            try (Lease<State> lease = pool.claim()) {
                assertThat(before).doesNotContain(lease.get());
            }
        }
        assertThat(pool.stats().misses()).isEqualTo(missesBefore + 3);
        assertThat(recorder.discards).hasSize(4).containsOnly(DiscardReason.CLOSED);
        assertThat(impl(pool).idleCount()).isZero(); // this thread's cache was dropped on its first use
    }

    @Test
    void aFactoryThatReturnsNullIsNamedInTheException() {
        ObjectPool<State> pool = ObjectPool.<State>builder("nulls", () -> null).build();
        assertThatThrownBy(pool::claim)
                .isInstanceOf(NullPointerException.class)
                .hasMessage("object pool 'nulls': factory returned null");
        assertThat(pool.stats().claims()).isZero();
    }

    @Test
    void aFactoryExceptionPropagatesUnchangedAndCountsNothing() {
        IllegalStateException down = new IllegalStateException("backend down");
        ObjectPool<State> pool = ObjectPool.<State>builder("failing", () -> {
                    throw down;
                })
                .build();
        assertThatThrownBy(pool::claim).isSameAs(down);
        assertThat(pool.stats().claims()).isZero();
    }

    @Test
    void aListenerThatThrowsNeverBreaksThePool() {
        ObjectPool<State> pool = ObjectPool.builder("noisy", State::new)
                .maxIdle(2)
                .listener(new ObjectPoolListener() {
                    @Override
                    public void onDiscard(String p, DiscardReason reason, @Nullable Throwable cause) {
                        throw new IllegalStateException("listener bug");
                    }
                })
                .build();
        releaseMany(pool, 10); // 8 discards, each calling the broken listener
        assertThat(pool.stats().discards()).isEqualTo(8);
        try (Lease<State> lease = pool.claim()) {
            assertThat(lease.get()).isNotNull();
        }
    }
}

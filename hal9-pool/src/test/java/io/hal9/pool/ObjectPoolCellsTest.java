package io.hal9.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hal9.pool.ObjectPoolListener.DiscardReason;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Virtual threads' cells: an object made resident in a cell stays there while on loan, is claimed with
 * one CAS and released without one; the counts, the maxIdle bound, double closes, failed resets and
 * close() must behave exactly as on the other paths.
 */
@Timeout(30)
class ObjectPoolCellsTest {

    static final class State {
        long tick;
        boolean poisoned;
    }

    private static ObjectPoolImpl<State> pool(String name, ObjectPoolListener listener) {
        return (ObjectPoolImpl<State>) ObjectPool.builder(name, State::new)
                .reset(s -> {
                    if (s.poisoned) {
                        throw new IllegalStateException("cannot reset a poisoned state");
                    }
                    s.tick = 0;
                })
                .listener(listener)
                .build(); // default maxIdle (1024): cells on
    }

    private static ObjectPoolImpl<State> pool(String name) {
        return pool(name, new ObjectPoolListener() {});
    }

    /** Runs {@code task} on a new virtual thread; get() is the happens-before edge back to the caller. */
    private static <R> R onVirtualThread(Callable<R> task) throws Exception {
        CompletableFuture<R> result = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                result.complete(task.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result.get(5, TimeUnit.SECONDS);
    }

    @Test
    void cellsComeOutOfTheCachesShareOfMaxIdleAndAreOffWithLeakDetectionOrASmallPool() {
        assertThat(ObjectPoolImpl.cellCount(512)).isEqualTo(128);
        assertThat(ObjectPoolImpl.cellCount(4_000)).isEqualTo(ObjectPoolImpl.MAX_CELLS);
        assertThat(ObjectPoolImpl.cellCount(128)).isEqualTo(32);
        assertThat(ObjectPoolImpl.cellCount(63)).isZero(); // a quarter is 15 < MIN_CELLS
        assertThat(pool("default").cellCount()).isEqualTo(128);
        ObjectPoolImpl<State> watched = (ObjectPoolImpl<State>)
                ObjectPool.builder("watched", State::new).leakDetection(true).build();
        assertThat(watched.cellCount()).isZero(); // a resident leak would pin its cell: not with detection
        ObjectPoolImpl<State> small = (ObjectPoolImpl<State>)
                ObjectPool.builder("small", State::new).maxIdle(64).build();
        assertThat(small.cellCount()).isZero();
    }

    @Test
    void aVirtualThreadReusesTheObjectResidentInItsCellAndTheCountsAddUp() throws Exception {
        ObjectPoolImpl<State> pool = pool("resident");
        List<State> seen = onVirtualThread(() -> {
            List<State> objects = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                try (Lease<State> lease = pool.claim()) {
                    State s = lease.get();
                    assertThat(s.tick).isZero(); // reset on every release
                    s.tick = i + 1;
                    objects.add(s);
                }
            }
            return objects;
        });
        // The first claim allocates; its release makes the object resident; every later claim takes it.
        assertThat(seen).allSatisfy(s -> assertThat(s).isSameAs(seen.get(0)));
        ObjectPool.Stats stats = pool.stats();
        assertThat(stats.claims()).isEqualTo(100);
        assertThat(stats.misses()).isEqualTo(1);
        assertThat(stats.hits()).isEqualTo(99);
        assertThat(stats.releases()).isEqualTo(100);
        assertThat(stats.idle()).isEqualTo(1);
        assertThat(pool.idleCount()).isEqualTo(1);
        assertThat(pool.cachesCreated()).isZero();
    }

    @Test
    void aResidentObjectClaimedOnAVirtualThreadMayBeReleasedOnAPlatformThreadAndStaysResident() throws Exception {
        ObjectPoolImpl<State> pool = pool("handed");
        State first = onVirtualThread(() -> {
            try (Lease<State> lease = pool.claim()) {
                return lease.get(); // released here: resident in this virtual thread's home cell
            }
        });
        // Another virtual thread may have another home cell; claim until one hits the resident object.
        Lease<State> lease = claimOnVirtualThreadsUntil(pool, first);
        lease.get().tick = 7;
        int residentBefore = pool.residentIdle();
        lease.close(); // on this (platform) thread: idle again in its cell, reset, no cache involved
        assertThat(pool.residentIdle()).isEqualTo(residentBefore + 1);
        assertThat(pool.cachesCreated()).isZero();
        Lease<State> again = claimOnVirtualThreadsUntil(pool, first);
        assertThat(again.get().tick).isZero();
        again.close();
        ObjectPool.Stats stats = pool.stats();
        assertThat(stats.claims()).isEqualTo(stats.releases());
        assertThat(stats.misses() - stats.discards()).isEqualTo(pool.idleCount());
    }

    /** Claims on new virtual threads until one gets {@code wanted}; the others are released there. */
    private static Lease<State> claimOnVirtualThreadsUntil(ObjectPoolImpl<State> pool, State wanted) throws Exception {
        for (int attempt = 0; attempt < 10_000; attempt++) {
            Lease<State> lease = onVirtualThread(() -> {
                Lease<State> l = pool.claim();
                if (l.get() != wanted) {
                    l.close();
                    return null;
                }
                return l;
            });
            if (lease != null) {
                return lease;
            }
        }
        throw new AssertionError("no virtual thread claimed the resident object");
    }

    @Test
    void closingAResidentLeaseTwiceIsRefusedAndChangesNothing() throws Exception {
        ObjectPoolImpl<State> pool = pool("twice");
        Lease<State> lease = onVirtualThread(() -> {
            pool.claim().close(); // now resident
            Lease<State> l = pool.claim();
            l.close();
            return l;
        });
        ObjectPool.Stats before = pool.stats();
        assertThat(before.hits()).isEqualTo(1);

        assertThatThrownBy(lease::close)
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("object pool 'twice': lease released twice");
        Throwable onVirtual = onVirtualThread(() -> {
            try {
                lease.close();
                return null;
            } catch (IllegalStateException e) {
                return e;
            }
        });
        assertThat(onVirtual).hasMessage("object pool 'twice': lease released twice");
        assertThat(pool.stats()).isEqualTo(before);
        assertThat(pool.idleCount()).isEqualTo(1);
    }

    @Test
    void aResidentObjectWhoseResetFailsLeavesItsCellForGoodAndIsNeverClaimedAgain() throws Exception {
        List<DiscardReason> discards = new ArrayList<>();
        ObjectPoolImpl<State> pool = pool("poisoned", new ObjectPoolListener() {
            @Override
            public void onDiscard(String poolName, DiscardReason reason, @Nullable Throwable cause) {
                synchronized (discards) {
                    discards.add(reason);
                }
            }
        });
        AtomicBoolean sameAfterward = new AtomicBoolean(true);
        Lease<State> poisoned = onVirtualThread(() -> {
            pool.claim().close(); // resident
            Lease<State> l = pool.claim();
            State s = l.get();
            s.poisoned = true;
            l.close(); // reset throws: discarded, out of the cell
            for (int i = 0; i < 10; i++) {
                try (Lease<State> next = pool.claim()) {
                    sameAfterward.compareAndSet(true, next.get() == s);
                }
            }
            return l;
        });
        assertThat(sameAfterward).isFalse();
        synchronized (discards) {
            assertThat(discards).containsExactly(DiscardReason.RESET_FAILED);
        }
        assertThatThrownBy(poisoned::close).hasMessage("object pool 'poisoned': lease released twice");
        ObjectPool.Stats stats = pool.stats();
        assertThat(stats.resetFailures()).isEqualTo(1);
        assertThat(stats.claims()).isEqualTo(12).isEqualTo(stats.releases());
        assertThat(stats.misses() - stats.discards())
                .isEqualTo(pool.idleCount())
                .isEqualTo(1);
    }

    @Test
    void closeEmptiesTheCellsAndAResidentLeaseReleasedAfterwardIsDiscarded() throws Exception {
        AtomicInteger closedDiscards = new AtomicInteger();
        ObjectPoolImpl<State> pool = pool("closing", new ObjectPoolListener() {
            @Override
            public void onDiscard(String poolName, DiscardReason reason, @Nullable Throwable cause) {
                if (reason == DiscardReason.CLOSED) {
                    closedDiscards.incrementAndGet();
                }
            }
        });
        // One object resident and on loan when the pool closes, another resident and idle.
        Lease<State> onLoan = onVirtualThread(() -> {
            pool.claim().close(); // resident in this thread's home cell
            return pool.claim(); // the same object, still resident, on loan
        });
        assertThat(pool.residentIdle()).isZero();
        for (int attempt = 0; attempt < 10_000 && pool.residentIdle() == 0; attempt++) {
            onVirtualThread(() -> {
                pool.claim().close(); // resident if this thread's home cell is free, else shared
                return null;
            });
        }
        assertThat(pool.residentIdle()).isEqualTo(1);

        pool.close();
        assertThat(pool.residentIdle()).isZero(); // the idle resident left its cell
        assertThat(pool.idleCount()).isZero();
        Lease<State> last = onLoan;
        onVirtualThread(() -> {
            last.close();
            return null;
        });
        assertThat(pool.idleCount()).isZero();
        assertThat(closedDiscards.get()).isEqualTo(1);
        ObjectPool.Stats stats = pool.stats();
        assertThat(stats.idle()).isZero();
        assertThat(stats.claims()).isEqualTo(stats.releases());
        // After close, a virtual thread's claim allocates and its release discards.
        State fresh = onVirtualThread(() -> {
            try (Lease<State> l = pool.claim()) {
                return l.get();
            }
        });
        assertThat(fresh).isNotNull();
        assertThat(pool.idleCount()).isZero();
        assertThat(closedDiscards.get()).isEqualTo(2);
    }
}

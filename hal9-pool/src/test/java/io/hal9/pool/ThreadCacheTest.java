package io.hal9.pool;

import static io.hal9.pool.ObjectPoolPartsFixture.pool;
import static io.hal9.pool.ObjectPoolPartsFixture.slot;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.ref.ReferenceQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ThreadCacheTest {
    private final ObjectPoolImpl<Object> pool = pool("cache");

    @Test
    void lastReleasedIsFirstClaimedUpToItsCapacity() {
        ThreadCache<Object> cache = new ThreadCache<>(3, new CacheCounters(), 5, Thread.currentThread());
        ObjectPoolSlot<Object> a = slot(pool);
        ObjectPoolSlot<Object> b = slot(pool);
        ObjectPoolSlot<Object> c = slot(pool);
        assertThat(cache.pop()).isNull();
        assertThat(cache.push(a)).isTrue();
        assertThat(cache.push(b)).isTrue();
        assertThat(cache.push(c)).isTrue();
        assertThat(cache.size()).isEqualTo(3);
        assertThat(cache.push(slot(pool))).as("full: refused, nothing changed").isFalse();
        assertThat(cache.size()).isEqualTo(3);
        assertThat(cache.pop()).isSameAs(c);
        assertThat(cache.pop()).isSameAs(b);
        assertThat(cache.push(c)).isTrue();
        assertThat(cache.pop()).isSameAs(c);
        assertThat(cache.pop()).isSameAs(a);
        assertThat(cache.pop()).isNull();
        assertThat(cache.size()).isZero();
        assertThat(cache.home).isEqualTo(5);
        assertThat(cache.owner).isSameAs(Thread.currentThread());
    }

    @Test
    void aCacheOfCapacityZeroHoldsNothingAndOfOneOnlyItsTop() {
        ThreadCache<Object> none = new ThreadCache<>(0, new CacheCounters(), 0, null);
        assertThat(none.push(slot(pool))).isFalse();
        assertThat(none.size()).isZero();
        ThreadCache<Object> one = new ThreadCache<>(1, new CacheCounters(), 0, null);
        ObjectPoolSlot<Object> s = slot(pool);
        assertThat(one.push(s)).isTrue();
        assertThat(one.push(slot(pool))).isFalse();
        assertThat(one.pop()).isSameAs(s);
    }

    @Test
    void clearDropsEverySlot() {
        ThreadCache<Object> cache = new ThreadCache<>(4, new CacheCounters(), 0, Thread.currentThread());
        for (int i = 0; i < 4; i++) {
            cache.push(slot(pool));
        }
        cache.clear();
        assertThat(cache.size()).isZero();
        assertThat(cache.pop()).isNull();
        assertThat(cache.push(slot(pool))).as("usable again").isTrue();
    }

    @Test
    void itsRegistryEntryKeepsTheCountersAndTheGrantButNotTheCache() {
        CacheCounters counters = new CacheCounters();
        ThreadCache<Object> cache = new ThreadCache<>(2, counters, 0, Thread.currentThread());
        ThreadCache.Ref ref = new ThreadCache.Ref(cache, new ReferenceQueue<>(), counters, 2);
        assertThat(ref.get()).isSameAs(cache);
        assertThat(ref.counters).isSameAs(counters);
        assertThat(ref.grant).isEqualTo(2);
    }
}

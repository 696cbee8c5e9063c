package io.hal9.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Builder validation: bad values are refused at once, with the option, the range and the value. */
@Timeout(5)
class ObjectPoolBuilderTest {

    private static ObjectPool.Builder<Object> builder() {
        return ObjectPool.builder("p", Object::new);
    }

    @Test
    void aBlankOrMissingNameOrFactoryIsRefused() {
        assertThatThrownBy(() -> ObjectPool.builder(" ", Object::new))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("object pool name must be 1 to 128 characters and not blank, was ' '");
        assertThatThrownBy(() -> ObjectPool.builder("p", null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("factory");
    }

    @ParameterizedTest
    @ValueSource(ints = {Integer.MIN_VALUE, 0, 1, (1 << 20) + 1})
    void maxIdleOutsideItsRangeIsRefused(int maxIdle) {
        assertThatThrownBy(() -> builder().maxIdle(maxIdle))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("object pool 'p': maxIdle must be in [2, 1048576], was " + maxIdle);
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 1025})
    void threadLocalCapacityOutsideItsRangeIsRefused(int capacity) {
        assertThatThrownBy(() -> builder().threadLocalCapacity(capacity))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("object pool 'p': threadLocalCapacity must be in [0, 1024], was " + capacity);
    }

    @Test
    void everyOptionIsRefusedTheSecondTime() {
        assertThatThrownBy(() -> builder().maxIdle(8).maxIdle(8))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("object pool 'p': maxIdle was already set");
        assertThatThrownBy(() -> builder().threadLocalCapacity(1).threadLocalCapacity(1))
                .hasMessage("object pool 'p': threadLocalCapacity was already set");
        assertThatThrownBy(() -> builder().leakDetection(false).leakDetection(true))
                .hasMessage("object pool 'p': leakDetection was already set");
        assertThatThrownBy(() -> builder().reset(o -> {}).reset(o -> {}))
                .hasMessage("object pool 'p': reset was already set");
        assertThatThrownBy(() -> builder().listener(new ObjectPoolListener() {}).listener(new ObjectPoolListener() {}))
                .hasMessage("object pool 'p': listener was already set");
        assertThatThrownBy(() -> builder().reset(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> builder().listener(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void aCacheLargerThanTheCacheShareOfMaxIdleIsRefusedAtBuild() {
        ObjectPool.Builder<Object> b = builder().maxIdle(4).threadLocalCapacity(8);
        assertThatThrownBy(b::build)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("object pool 'p': threadLocalCapacity must be <= 2 (maxIdle 4 minus the shared"
                        + " queue's 2), was 8");
    }

    @Test
    void defaultsSplitMaxIdleBetweenTheSharedQueueAndThreadCaches() {
        ObjectPoolImpl<Object> pool = (ObjectPoolImpl<Object>) builder().build();
        assertThat(pool.sharedCapacity()).isEqualTo(512);
        assertThat(pool.cacheCapacity()).isEqualTo(ObjectPool.DEFAULT_THREAD_LOCAL_CAPACITY);
        assertThat(pool.stats().maxIdle()).isEqualTo(1024);
        assertThat(pool.name()).isEqualTo("p");
        assertThat(pool.toString()).isEqualTo("object pool 'p'");
    }

    @Test
    void theDefaultCacheCapacityShrinksToFitASmallMaxIdle() {
        ObjectPoolImpl<Object> four =
                (ObjectPoolImpl<Object>) builder().maxIdle(4).build();
        assertThat(four.sharedCapacity()).isEqualTo(2);
        assertThat(four.cacheCapacity()).isEqualTo(2);
        ObjectPoolImpl<Object> two =
                (ObjectPoolImpl<Object>) builder().maxIdle(2).build();
        assertThat(two.sharedCapacity()).isEqualTo(2);
        assertThat(two.cacheCapacity()).isZero();
        ObjectPoolImpl<Object> odd = (ObjectPoolImpl<Object>)
                builder().maxIdle(1000).threadLocalCapacity(8).build();
        assertThat(odd.sharedCapacity()).isEqualTo(256);
    }
}

package io.hal9.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hal9.cache.CacheException;
import io.hal9.cache.codec.Codecs;
import io.hal9.redis.SharedRedis;
import io.hal9.testkit.RedisService;
import io.hal9.testkit.RequiresRedis;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link RedisCacheAsync}: the asynchronous operations count in the same counters as the synchronous ones. */
@RequiresRedis
@Timeout(30)
class RedisCacheAsyncTest {
    private SharedRedis shared;
    private RedisCache<String, String> cache;

    @BeforeEach
    void connect(RedisService redis) {
        shared = SharedRedis.create(redis.uri());
        cache = RedisCache.<String, String>builder("async", Codecs.json(String.class))
                .redis(shared)
                .keyPrefix(redis.keyPrefix())
                .build();
    }

    @AfterEach
    void close() {
        cache.invalidateAll();
        cache.close();
        shared.close();
    }

    @Test
    void anAsyncPutIsReadBackAndCounted() {
        cache.async().put("a", "1").join();
        cache.async().put("b", "2", Duration.ofSeconds(30)).join();
        assertThat(cache.async().getIfPresent("a").join()).isEqualTo("1");
        assertThat(cache.getIfPresent("b")).isEqualTo("2");
        assertThat(cache.async().getIfPresent("none").join()).isNull();
        RedisCache.Stats s = cache.redisStats();
        assertThat(s.puts()).isEqualTo(2);
        assertThat(s.hits()).isEqualTo(2);
        assertThat(s.misses()).isEqualTo(1);
    }

    @Test
    void anAsyncLoadRunsOnceIsWrittenBackAndServedFromRedisAfterwards() {
        AtomicInteger loads = new AtomicInteger();
        String v = cache.async()
                .get("k", k -> CompletableFuture.completedFuture("v" + loads.incrementAndGet()))
                .join();
        assertThat(v).isEqualTo("v1");
        assertThat(cache.getIfPresent("k")).isEqualTo("v1"); // written back
        assertThat(cache.async()
                        .get("k", k -> CompletableFuture.completedFuture("v" + loads.incrementAndGet()))
                        .join())
                .isEqualTo("v1");
        assertThat(loads).hasValue(1);
        assertThat(cache.redisStats().loads()).isEqualTo(1);
        assertThat(cache.redisStats().puts()).isZero(); // a write-back is not a put
    }

    @Test
    void anAsyncInvalidateRemovesTheKeyAndIsCounted() {
        cache.put("gone", "x");
        cache.async().invalidate("gone").join();
        assertThat(cache.getIfPresent("gone")).isNull();
        assertThat(cache.redisStats().invalidations()).isEqualTo(1);
    }

    @Test
    void aBadArgumentOrAClosedCacheFailsTheFutureInsteadOfThrowing() {
        assertThat(cache.async().put("k", "v", Duration.ZERO)).isCompletedExceptionally();
        assertThat(cache.async().get("k")).isCompletedExceptionally(); // built without a loader
        RedisCache<String, String> closed = RedisCache.<String, String>builder("closed", Codecs.json(String.class))
                .redis(shared)
                .build();
        closed.close();
        CompletableFuture<String> read = closed.async().getIfPresent("k");
        assertThatThrownBy(read::join).isInstanceOf(CompletionException.class).hasCauseInstanceOf(CacheException.class);
        assertThat(closed.async().invalidate("k")).isCompletedExceptionally();
        assertThat(closed.async().put("k", "v")).isCompletedExceptionally();
    }
}

package io.hal9.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.hal9.cache.codec.Codecs;
import io.hal9.redis.SharedRedis;
import io.hal9.testkit.ManualClock;
import io.hal9.testkit.RedisService;
import io.hal9.testkit.RequiresRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A caller of {@code get(key, loader)} whose GET missed just before another caller's load wrote the key
 * back, and that reaches the coalescer only after that load ended, does not load the key again.
 *
 * <p>The window is opened on purpose: the late caller's GET is the breaker's half-open probe, so its
 * success calls the listener (HALF_OPEN -> CLOSED) on the caller's thread between the GET's answer and the
 * join; the listener holds it there while the other caller loads and writes back.
 */
@RequiresRedis
@Timeout(30)
class RedisCacheLateJoinTest {

    @Test
    void aCallerThatMissedBeforeAWriteBackAndJoinsAfterTheLoadEndedDoesNotLoadAgain(RedisService redis)
            throws Exception {
        ManualClock clock = new ManualClock();
        CountDownLatch lateCallerMissed = new CountDownLatch(1);
        CountDownLatch otherLoadEnded = new CountDownLatch(1);
        RedisCacheListener holdTheProbe = new RedisCacheListener() {
            @Override
            public void onShardBreakerStateChange(String shard, BreakerState from, BreakerState to) {
                if (to == BreakerState.CLOSED) {
                    lateCallerMissed.countDown();
                    try {
                        otherLoadEnded.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        };
        RedisClient raw = RedisClient.create(redis.uri());
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (SharedRedis shared = SharedRedis.of(raw);
                StatefulRedisConnection<String, String> rawConnection = raw.connect()) {
            RedisCache<String, String> cache = RedisCache.<String, String>builder("late", Codecs.json(String.class))
                    .redis(shared)
                    .keyPrefix(redis.keyPrefix())
                    .ticker(clock::read)
                    .breakerFailureThreshold(1)
                    .listener(holdTheProbe)
                    .build();
            try {
                // Open the breaker with one error reply (a GET of a list), then let its interval pass.
                rawConnection.sync().rpush(cache.redisKey("wrong-type"), "x");
                assertThat(cache.getIfPresent("wrong-type")).isNull();
                assertThat(cache.redisStats().breakerState()).isEqualTo(BreakerState.OPEN);
                clock.advance(Duration.ofSeconds(1));

                AtomicInteger loads = new AtomicInteger();
                Future<String> late = pool.submit(() -> cache.get("hot", k -> "late load " + loads.incrementAndGet()));
                assertThat(lateCallerMissed.await(10, TimeUnit.SECONDS)).isTrue();
                String first = cache.get("hot", k -> "load " + loads.incrementAndGet());
                otherLoadEnded.countDown();

                assertThat(first).isEqualTo("load 1");
                assertThat(late.get(10, TimeUnit.SECONDS)).isEqualTo("load 1");
                assertThat(loads).hasValue(1);
            } finally {
                cache.close();
            }
        } finally {
            pool.shutdownNow();
            raw.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }
}

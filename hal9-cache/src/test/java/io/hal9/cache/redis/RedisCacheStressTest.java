package io.hal9.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.hal9.redis.SharedRedis;
import io.hal9.testkit.RedisService;
import io.hal9.testkit.RequiresRedis;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@RequiresRedis
@Timeout(30)
class RedisCacheStressTest {
    static final int THREADS = 4;
    static final int OPS = 500;
    static final int KEYS = 32;

    @Test
    void concurrentMixedOperationsKeepTheCountersConsistentAndValuesIntact(RedisService redis) throws Exception {
        long seed = System.nanoTime();
        AtomicLong gets = new AtomicLong();
        AtomicLong puts = new AtomicLong();
        AtomicLong wrongValues = new AtomicLong();
        try (SharedRedis shared = SharedRedis.create(redis.uri());
                RedisCache<Integer, String> cache = RedisCache.<Integer, String>builder("stress", String.class)
                        .redis(shared)
                        .keyPrefix(redis.keyPrefix())
                        .commandTimeout(java.time.Duration.ofSeconds(2))
                        .build();
                ExecutorService pool = Executors.newFixedThreadPool(THREADS)) {
            CyclicBarrier start = new CyclicBarrier(THREADS);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                SplittableRandom random = new SplittableRandom(seed + t);
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < OPS; i++) {
                        int key = random.nextInt(KEYS);
                        switch (random.nextInt(4)) {
                            case 0 -> {
                                cache.put(key, "v" + key);
                                puts.incrementAndGet();
                            }
                            case 1 -> cache.invalidate(key);
                            default -> {
                                String v = cache.getIfPresent(key);
                                gets.incrementAndGet();
                                if (v != null && !v.equals("v" + key)) {
                                    wrongValues.incrementAndGet();
                                }
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(20, TimeUnit.SECONDS);
            }
            RedisCache.Stats s = cache.redisStats();
            assertThat(wrongValues).as("seed %d", seed).hasValue(0);
            assertThat(s.hits() + s.misses()).as("seed %d", seed).isEqualTo(gets.get());
            assertThat(s.puts()).as("seed %d", seed).isEqualTo(puts.get());
            assertThat(s.errors() + s.timeouts() + s.failedWrites() + s.corruptEntries())
                    .as("seed %d", seed)
                    .isZero();
            assertThat(s.breakerState()).isEqualTo(BreakerState.CLOSED);
        }
    }
}

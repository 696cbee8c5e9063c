package io.hal9.cache.near;

import static org.assertj.core.api.Assertions.assertThat;

import io.hal9.cache.codec.Codecs;
import io.hal9.redis.SharedRedis;
import io.hal9.testkit.RedisService;
import io.hal9.testkit.RequiresRedis;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link NearCacheAsync}: an L1 hit completes on the caller's thread, the rest goes to the executor. */
@RequiresRedis
@Timeout(30)
class NearCacheAsyncTest {
    private final AtomicInteger tasks = new AtomicInteger();
    private SharedRedis shared;
    private NearCache<String, String> cache;

    @BeforeEach
    void connect(RedisService redis) {
        shared = SharedRedis.create(redis.uri());
        cache = NearCache.<String, String>builder("async", Codecs.json(String.class))
                .redis(shared)
                .keyPrefix(redis.keyPrefix())
                .executor(r -> {
                    tasks.incrementAndGet();
                    r.run();
                })
                .build();
    }

    @AfterEach
    void close() {
        cache.invalidateAll();
        cache.close();
        shared.close();
    }

    @Test
    void anL1HitCompletesAtOnceWithoutTheExecutor() {
        cache.put("k", "v");
        CompletableFuture<String> f = cache.async().getIfPresent("k");
        assertThat(f).isCompletedWithValue("v");
        assertThat(cache.async().get("k", k -> CompletableFuture.completedFuture("other")))
                .isCompletedWithValue("v");
        assertThat(tasks).hasValue(0);
        assertThat(cache.nearStats().l1Hits()).isEqualTo(2);
    }

    @Test
    void anL1MissRunsTheSynchronousOperationOnTheExecutor() {
        assertThat(cache.async().getIfPresent("none").join()).isNull();
        assertThat(tasks).hasValue(1);
        assertThat(cache.async()
                        .get("loaded", k -> CompletableFuture.completedFuture("v"))
                        .join())
                .isEqualTo("v");
        assertThat(tasks).hasValue(2);
        cache.async().put("p", "1").join();
        cache.async().invalidate("p").join();
        assertThat(tasks).hasValue(4);
        NearCache.Stats s = cache.nearStats();
        assertThat(s.misses()).isEqualTo(2);
        assertThat(s.loads()).isEqualTo(1);
        assertThat(s.puts()).isEqualTo(1);
        assertThat(s.invalidations()).isEqualTo(1);
    }
}

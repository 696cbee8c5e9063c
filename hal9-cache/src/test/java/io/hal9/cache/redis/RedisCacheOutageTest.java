package io.hal9.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.awaitility.Awaitility.await;

import io.hal9.redis.SharedRedis;
import io.hal9.testkit.PrivateRedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Outages against a private redis-server on a free loopback port (never the shared one): killed and
 * restarted, or paused with {@code CLIENT PAUSE} to look slow.
 */
@Timeout(60)
class RedisCacheOutageTest {
    private @Nullable PrivateRedisServer redis;
    private final List<String> breakerChanges = new CopyOnWriteArrayList<>();
    private final List<String> connectionEvents = new CopyOnWriteArrayList<>();
    private final AtomicInteger writeErrors = new AtomicInteger();
    private final AtomicInteger loads = new AtomicInteger();
    private @Nullable RedisCache<String, String> cache;
    private @Nullable SharedRedis shared;

    @BeforeEach
    void startServer() {
        redis = PrivateRedisServer.start();
    }

    private PrivateRedisServer server() {
        return java.util.Objects.requireNonNull(redis, "redis");
    }

    @AfterEach
    void stopServer() {
        if (cache != null) {
            cache.close();
        }
        if (shared != null) {
            shared.close();
        }
        server().kill();
    }

    private RedisCache<String, String> cache() {
        SharedRedis r = SharedRedis.create(server().uri());
        shared = r;
        RedisCache<String, String> c = RedisCache.<String, String>builder("outage", String.class)
                .redis(r)
                .commandTimeout(Duration.ofMillis(100))
                .breakerFailureThreshold(3)
                .breakerOpenInterval(Duration.ofMillis(200))
                .errorLogInterval(Duration.ofSeconds(5))
                .listener(new RedisCacheListener() {
                    @Override
                    public void onError(String operation, boolean write, Throwable cause) {
                        if (write) {
                            writeErrors.incrementAndGet();
                        }
                    }

                    @Override
                    public void onBreakerStateChange(BreakerState from, BreakerState to) {
                        breakerChanges.add(from + "->" + to);
                    }

                    @Override
                    public void onDisconnected() {
                        connectionEvents.add("disconnected");
                    }

                    @Override
                    public void onReconnected() {
                        connectionEvents.add("reconnected");
                    }
                })
                .loader(k -> {
                    loads.incrementAndGet();
                    return "loaded-" + k;
                })
                .build();
        cache = c;
        return c;
    }

    @Test
    void aDeadRedisGivesMissesAndLoaderResultsNotExceptionsThenTheBreakerClosesAfterRestart() throws Exception {
        RedisCache<String, String> c = cache();
        c.put("k", "v");
        assertThat(c.getIfPresent("k")).isEqualTo("v");

        server().kill();

        // Reads: misses and loader results; writes: counted as failed. Never an exception.
        assertThatCode(() -> {
                    for (int i = 0; i < 20; i++) {
                        assertThat(c.getIfPresent("k")).isNull();
                        assertThat(c.get("k")).isEqualTo("loaded-k");
                        c.put("w" + i, "x");
                        c.putAll(Map.of("a", "1", "b", "2"));
                        c.invalidate("k");
                        assertThat(c.getAll(List.of("k", "z"))).containsOnlyKeys("k", "z");
                    }
                })
                .doesNotThrowAnyException();
        RedisCache.Stats down = c.redisStats();
        assertThat(down.breakerState()).isIn(BreakerState.OPEN, BreakerState.HALF_OPEN);
        assertThat(down.breakerOpened()).isGreaterThanOrEqualTo(1);
        assertThat(down.errors() + down.timeouts()).isGreaterThanOrEqualTo(3);
        assertThat(down.skippedByBreaker()).isPositive(); // the open breaker spared Redis
        assertThat(down.failedWrites()).isGreaterThanOrEqualTo(20 + 40 + 20);
        assertThat(down.puts()).isEqualTo(1);
        assertThat(writeErrors).hasPositiveValue();
        assertThat(breakerChanges).startsWith("CLOSED->OPEN");
        assertThat(loads).hasValue(20 + 20 * 2); // get + getAll's two keys each round

        server().restart();

        // The next probe after reconnection closes the breaker and the cache works again.
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(50))
                .untilAsserted(() -> {
                    c.put("back", "again");
                    assertThat(c.redisStats().breakerState()).isEqualTo(BreakerState.CLOSED);
                    assertThat(c.getIfPresent("back")).isEqualTo("again");
                });
        assertThat(breakerChanges).contains("OPEN->HALF_OPEN", "HALF_OPEN->CLOSED");
        await().untilAsserted(() ->
                assertThat(connectionEvents).startsWith("disconnected").contains("reconnected"));
    }

    @Test
    void aPausedRedisTimesOutWithinTheCommandTimeoutAndAnswersMisses() throws Exception {
        RedisCache<String, String> c = cache();
        c.put("k", "v");
        try (RedisClient admin = RedisClient.create(server().uri());
                StatefulRedisConnection<String, String> conn = admin.connect()) {
            conn.sync().clientPause(1_500); // every client's commands wait 1.5 s: Redis looks slow

            long start = System.nanoTime();
            assertThat(c.getIfPresent("k")).isNull();
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(tookMillis).isLessThan(1_000); // about the 100 ms command timeout, not the pause
            assertThat(c.get("k")).isEqualTo("loaded-k");
            c.put("k2", "v2");

            RedisCache.Stats slow = c.redisStats();
            assertThat(slow.timeouts()).isEqualTo(3);
            assertThat(slow.breakerState()).isEqualTo(BreakerState.OPEN);
            assertThat(slow.failedWrites()).isGreaterThanOrEqualTo(1);
        }
        // The write-back of "loaded-k" timed out for the cache but was already on the wire: Redis applies
        // it when the pause ends. "k2" was skipped by the open breaker and never sent.
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(50))
                .untilAsserted(() -> {
                    assertThat(c.getIfPresent("k")).isEqualTo("loaded-k");
                    assertThat(c.redisStats().breakerState()).isEqualTo(BreakerState.CLOSED);
                });
        assertThat(c.getIfPresent("k2")).isNull();
    }
}

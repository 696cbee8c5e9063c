package io.hal9.cache.near;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hal9.redis.SharedRedis;
import io.hal9.testkit.PrivateRedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two near caches (two instances) on a private redis-server on a free loopback port (never the shared
 * one), killed and restarted without persistence: the restarted server is empty and every message
 * published while it was down is lost.
 */
@Timeout(60)
class NearCacheRestartTest {
    private @Nullable PrivateRedisServer redis;
    private final List<NearCache<String, String>> caches = new ArrayList<>();
    private final List<SharedRedis> shared = new ArrayList<>();

    @BeforeEach
    void startServer() {
        redis = PrivateRedisServer.start();
    }

    @AfterEach
    void stopServer() {
        caches.forEach(NearCache::close);
        shared.forEach(SharedRedis::close);
        server().close();
    }

    private PrivateRedisServer server() {
        return java.util.Objects.requireNonNull(redis, "redis");
    }

    /** A near cache on a SharedRedis of its own, as on another instance. */
    private NearCache<String, String> instance() {
        SharedRedis r = SharedRedis.create(server().uri());
        shared.add(r);
        NearCache<String, String> c = NearCache.<String, String>builder("restart", String.class)
                .redis(r)
                .commandTimeout(Duration.ofMillis(100))
                .l1Ttl(Duration.ofSeconds(30))
                .build();
        caches.add(c);
        return c;
    }

    @Test
    void afterARedisRestartTheOtherInstanceNeverServesTheValueItCachedBefore() throws Exception {
        NearCache<String, String> a = instance();
        NearCache<String, String> b = instance();
        a.put("k", "v1");
        // Let A's message reach B first, so that it does not remove what B is about to cache.
        await().atMost(Duration.ofSeconds(1)).until(() -> b.nearStats().invalidationsReceived() == 1);
        assertThat(b.getIfPresent("k")).isEqualTo("v1");
        assertThat(b.getIfPresent("k")).isEqualTo("v1");
        assertThat(b.nearStats().l1Hits()).isEqualTo(1);

        server().kill();
        await().atMost(Duration.ofSeconds(5)).until(() -> !b.nearStats().pubSubConnected());
        // Redis is down: A's write and its message are lost; nothing is thrown.
        a.put("k", "v2");
        await().atMost(Duration.ofSeconds(2)).until(() -> a.nearStats().publishFailures() >= 1);
        // B falls back to its L1 within l1Ttl (the documented outage bound), without an exception.
        assertThat(b.getIfPresent("k")).isEqualTo("v1");
        // A never serves its own old value after its own write, even while Redis is down.
        assertThat(a.getIfPresent("k")).isNotEqualTo("v1");
        // While the subscription is down B does not fill its L1.
        long l1Before = b.nearStats().l1Size();
        assertThat(b.getIfPresent("other")).isNull();
        assertThat(b.get("other", k -> "loaded")).isEqualTo("loaded"); // the loader answers, no exception
        assertThat(b.nearStats().l1Size()).isEqualTo(l1Before);

        server().restart(); // empty: no persistence
        // B resynchronises (clears L1) once re-subscribed, before serving from L1 again.
        await().atMost(Duration.ofSeconds(10)).until(() -> b.nearStats().pubSubConnected());
        assertThat(b.nearStats().resyncs()).isGreaterThanOrEqualTo(1);
        assertThat(b.getIfPresent("k")).isNotEqualTo("v1");

        // Lettuce re-subscribed B: a write on A reaches B's L1 again within the delivery bound.
        await().atMost(Duration.ofSeconds(10)).until(() -> a.nearStats().pubSubConnected());
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            a.put("k", "v3");
            assertThat(b.getIfPresent("k")).isEqualTo("v3");
        });
        assertThat(b.getIfPresent("k")).isEqualTo("v3"); // now from B's L1
        long received = b.nearStats().invalidationsReceived();
        a.put("k", "v4");
        await().atMost(Duration.ofSeconds(1))
                .untilAsserted(() -> assertThat(b.getIfPresent("k")).isEqualTo("v4"));
        assertThat(b.nearStats().invalidationsReceived()).isGreaterThan(received);
    }
}

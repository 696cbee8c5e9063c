package io.hal9.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.hal9.cache.near.NearCache;
import io.hal9.cache.redis.RedisCache;
import io.hal9.redis.SharedRedis;
import io.hal9.testkit.PrivateRedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One {@link SharedRedis} for many caches: eight caches (four Redis, four near) use the shared client's
 * two connections (data, pub/sub) and start no Lettuce threads of their own. Counted on a private Redis
 * server, so that no other test's clients are in the count.
 */
@Timeout(60)
class SharedRedisWiringTest {

    @Test
    void eightCachesOnOneSharedRedisUseTwoConnectionsAndNoThreadsOfTheirOwn() throws Exception {
        try (PrivateRedisServer server = PrivateRedisServer.start();
                SharedRedis redis = SharedRedis.create(server.uri())) {

            List<Cache<String, String>> caches = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    caches.add(RedisCache.<String, String>builder("r" + i, String.class)
                            .redis(redis)
                            .build());
                    caches.add(NearCache.<String, String>builder("n" + i, String.class)
                            .redis(redis)
                            .build());
                }
                for (Cache<String, String> c : caches) {
                    c.put("k", "v");
                    assertThat(c.getIfPresent("k")).isEqualTo("v");
                }
                assertThat(clientsBesidesTheCounter(server.uri()))
                        .as("connections to Redis: the shared data and pub/sub connections")
                        .isEqualTo(2);
                assertThat(lettuceThreadGroups())
                        .as("Lettuce thread groups (I/O, computation, timer) of one client's resources")
                        .hasSizeLessThanOrEqualTo(3);
            } finally {
                caches.forEach(Cache::close);
            }
        }
    }

    /**
     * The Lettuce thread groups alive, by name without the thread's own number: {@code
     * lettuce-nioEventLoop-4-2} is thread 2 of I/O group 4. Each set of client resources has its own
     * groups, so caches that started their own would add groups, not only threads.
     */
    private static java.util.Set<String> lettuceThreadGroups() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("lettuce-"))
                .map(t -> t.getName().replaceAll("-\\d+$", ""))
                .collect(java.util.stream.Collectors.toSet());
    }

    /** The clients connected to the server, not counting the connection that asks. */
    private static long clientsBesidesTheCounter(String uri) {
        RedisClient client = RedisClient.create(uri);
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            return c.sync().clientList().lines().filter(l -> !l.isBlank()).count() - 1;
        } finally {
            client.shutdown();
        }
    }
}

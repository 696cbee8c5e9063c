package io.hal9.cache.sentinel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hal9.cache.near.NearCache;
import io.hal9.cache.redis.RedisCache;
import io.hal9.redis.SharedRedis;
import io.hal9.testkit.PrivateRedisSentinel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A RedisCache, two NearCaches and a plain pub/sub channel (what the room bus rides on) through
 * SharedRedis over {@code redis-sentinel://}, on a private master + replica + 1 sentinel: SIGKILL of the
 * master, Sentinel promotes the replica, and within 5 s of the promotion the cache reads and writes
 * again, the near caches' invalidations and the channel's messages flow again.
 */
@Timeout(90)
class RedisSentinelCacheTest {
    /** The stated bound: everything resumes within this long after the sentinels name the new master. */
    private static final Duration RESUME = Duration.ofSeconds(5);

    @Test
    void everythingFollowsAMasterSigkillAndThePromotionWithinFiveSeconds() {
        try (PrivateRedisSentinel sentinel = PrivateRedisSentinel.start(1);
                SharedRedis a = SharedRedis.create(sentinel.uri());
                SharedRedis b = SharedRedis.create(sentinel.uri());
                RedisCache<String, String> cache = RedisCache.<String, String>builder("s1", String.class)
                        .redis(a)
                        .commandTimeout(Duration.ofMillis(200))
                        .breakerFailureThreshold(3)
                        .breakerOpenInterval(Duration.ofMillis(300))
                        .build();
                NearCache<String, String> nearA = NearCache.<String, String>builder("n1", String.class)
                        .redis(a)
                        .build();
                NearCache<String, String> nearB = NearCache.<String, String>builder("n1", String.class)
                        .redis(b)
                        .build()) {
            assertThat(a.isCluster()).isFalse();
            List<String> heard = new CopyOnWriteArrayList<>();
            AtomicInteger lost = new AtomicInteger();
            AtomicInteger back = new AtomicInteger();
            SharedRedis.Subscription sub = b.subscribe("hal9:sentinel-test", new SharedRedis.MessageListener() {
                @Override
                public void onMessage(String channel, byte[] message) {
                    heard.add(new String(message, StandardCharsets.UTF_8));
                }

                @Override
                public void onSubscriptionLost(String channel) {
                    lost.incrementAndGet();
                }

                @Override
                public void onResubscribed(String channel) {
                    back.incrementAndGet();
                }
            });
            await().atMost(Duration.ofSeconds(5)).until(() -> sub.confirmed().isDone());
            cache.put("k", "before");
            assertThat(cache.getIfPresent("k")).isEqualTo("before");
            a.publish("hal9:sentinel-test", "m1".getBytes(StandardCharsets.UTF_8));
            await().atMost(Duration.ofSeconds(2)).until(() -> heard.contains("m1"));
            nearA.put("n", "v1");
            assertThat(nearB.getIfPresent("n")).isEqualTo("v1");

            int old = sentinel.killMaster();
            long killed = System.nanoTime();
            // while the master is down the cache answers misses, never an exception
            assertThat(cache.getIfPresent("k")).isIn("before", null);
            sentinel.awaitFailover(old, Duration.ofSeconds(30));
            long promoted = System.nanoTime();
            assertThat(sentinel.masterPort()).isNotEqualTo(old);

            await().atMost(RESUME).pollInterval(Duration.ofMillis(50)).until(() -> {
                cache.put("k", "after");
                return "after".equals(cache.getIfPresent("k"));
            });
            long cacheBack = System.nanoTime();
            await().atMost(RESUME).pollInterval(Duration.ofMillis(50)).until(() -> {
                String m = "m" + System.nanoTime();
                a.publish("hal9:sentinel-test", m.getBytes(StandardCharsets.UTF_8));
                return heard.size() > 1;
            });
            long pubSubBack = System.nanoTime();
            long received = nearB.nearStats().invalidationsReceived();
            await().atMost(RESUME).pollInterval(Duration.ofMillis(50)).until(() -> {
                nearA.put("n", "v" + System.nanoTime());
                return nearB.nearStats().invalidationsReceived() > received;
            });
            long nearBack = System.nanoTime();
            assertThat(lost.get())
                    .as("the subscriber heard that its subscription was lost")
                    .isPositive();
            assertThat(back.get()).as("and that it was taken up again").isPositive();
            assertThat(nearB.nearStats().resyncs()).isPositive();
            System.out.printf(
                    "sentinel failover: promoted %d ms after the SIGKILL; cache back %d ms, pub/sub back %d ms,"
                            + " near-cache invalidations back %d ms after the promotion was seen%n",
                    TimeUnit.NANOSECONDS.toMillis(promoted - killed),
                    TimeUnit.NANOSECONDS.toMillis(cacheBack - promoted),
                    TimeUnit.NANOSECONDS.toMillis(pubSubBack - promoted),
                    TimeUnit.NANOSECONDS.toMillis(nearBack - promoted));
            sub.close();
        }
    }
}

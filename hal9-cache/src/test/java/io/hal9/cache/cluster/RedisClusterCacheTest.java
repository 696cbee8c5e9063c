package io.hal9.cache.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hal9.cache.near.NearCache;
import io.hal9.cache.redis.BreakerState;
import io.hal9.cache.redis.RedisCache;
import io.hal9.cache.redis.ShardBreaker;
import io.hal9.redis.SharedRedis;
import io.hal9.testkit.PrivateRedisCluster;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * RedisCache and NearCache on a private 3-master Redis Cluster through one SharedRedis; the last test
 * SIGKILLs a master (the cluster is this class's own).
 */
@Timeout(60)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisClusterCacheTest {
    private static PrivateRedisCluster cluster;
    private static SharedRedis redis;

    @BeforeAll
    static void start() {
        cluster = PrivateRedisCluster.start();
        redis = SharedRedis.create(cluster.uri());
    }

    @AfterAll
    static void stop() {
        if (redis != null) {
            redis.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    /** One key per master (by port), for a cache. */
    private static Map<Integer, String> keyPerMaster(RedisCache<String, String> cache) {
        Map<Integer, String> out = new LinkedHashMap<>();
        for (int i = 0; out.size() < 3 && i < 10_000; i++) {
            out.putIfAbsent(cluster.masterOf(cache.redisKey("k" + i)), "k" + i);
        }
        assertThat(out).hasSize(3);
        return out;
    }

    @Test
    @Order(1)
    void keysOnEveryShardWithOneBreakerPerMaster() {
        try (RedisCache<String, String> cache = RedisCache.<String, String>builder("c1", String.class)
                .redis(redis)
                .build()) {
            Map<String, String> entries = new HashMap<>();
            for (int i = 0; i < 300; i++) {
                entries.put("k" + i, "v" + i);
            }
            cache.putAll(entries);
            cache.put("single", "one");
            assertThat(cache.getAllPresent(entries.keySet())).isEqualTo(entries);
            assertThat(cache.getIfPresent("single")).isEqualTo("one");
            assertThat(cache.shardBreakers())
                    .extracting(ShardBreaker::shard)
                    .containsExactlyInAnyOrderElementsOf(java.util.stream.Stream.concat(
                                    cluster.masters().stream().map(p -> "127.0.0.1:" + p),
                                    java.util.stream.Stream.of("scan"))
                            .toList());
            cache.invalidateAll(entries.keySet());
            assertThat(cache.getAllPresent(entries.keySet())).isEmpty();
            cache.invalidateAll();
            assertThat(cache.getIfPresent("single")).isNull();
            assertThat(cache.redisStats().errors()).isZero();
        }
    }

    @Test
    @Order(2)
    void nearCacheInvalidationsCrossInstancesOverShardedPubSub() {
        try (SharedRedis other = SharedRedis.create(cluster.uri());
                NearCache<String, String> a = NearCache.<String, String>builder("n1", String.class)
                        .redis(redis)
                        .build();
                NearCache<String, String> b = NearCache.<String, String>builder("n1", String.class)
                        .redis(other)
                        .build()) {
            a.put("k", "v1");
            assertThat(b.getIfPresent("k")).isEqualTo("v1"); // fills b's L1
            a.put("k", "v2");
            await().atMost(Duration.ofSeconds(2)).until(() -> "v2".equals(b.getIfPresent("k")));
            assertThat(b.nearStats().invalidationsReceived()).isGreaterThanOrEqualTo(1);
            assertThat(b.nearStats().pubSubConnected()).isTrue();
        }
    }

    /**
     * SIGKILL of one master while reading a key of every shard: the other shards answer throughout (their
     * breakers stay closed); the dead shard's breaker opens; after the promotion its keys are written and
     * read again, and the near cache's invalidations flow again, within the stated seconds.
     */
    @Test
    @Order(3)
    void aDeadMasterBlanksOnlyItsShardAndEverythingResumesAfterFailover() {
        try (SharedRedis other = SharedRedis.create(cluster.uri());
                RedisCache<String, String> cache = RedisCache.<String, String>builder("c2", String.class)
                        .redis(redis)
                        .commandTimeout(Duration.ofMillis(200))
                        .breakerFailureThreshold(3)
                        .breakerOpenInterval(Duration.ofMillis(300))
                        .build();
                NearCache<String, String> a = NearCache.<String, String>builder("n2", String.class)
                        .redis(redis)
                        .build();
                NearCache<String, String> b = NearCache.<String, String>builder("n2", String.class)
                        .redis(other)
                        .build()) {
            Map<Integer, String> keys = keyPerMaster(cache);
            keys.values().forEach(k -> cache.put(k, "v-" + k));
            // the victim is the master of the near cache's channel, so its invalidations are cut too
            int victim = cluster.masterOf(a.channel());
            String deadKey = keys.get(victim);
            if (deadKey == null) {
                throw new IllegalStateException("no key on the victim");
            }
            cluster.kill(victim);
            long promotedBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            int liveReads = 0;
            int liveMisses = 0;
            boolean failedOver = false;
            while (!failedOver) {
                for (Map.Entry<Integer, String> e : keys.entrySet()) {
                    if (e.getKey() != victim) {
                        liveReads++;
                        if (cache.getIfPresent(e.getValue()) == null) {
                            liveMisses++;
                        }
                    }
                }
                cache.getIfPresent(deadKey); // fails fast while its master is down
                try {
                    cluster.awaitFailover(victim, Duration.ofMillis(50));
                    failedOver = true;
                } catch (IllegalStateException notYet) {
                    assertThat(System.nanoTime() - promotedBy).isNegative();
                }
            }
            long promoted = System.nanoTime();
            assertThat(liveReads).isPositive();
            assertThat(liveMisses)
                    .as("reads of the live shards during the outage")
                    .isZero();
            assertThat(cache.redisStats().breakerOpened()).isPositive();
            assertThat(cache.shardBreakers())
                    .filteredOn(sb -> !sb.shard().equals("127.0.0.1:" + victim)
                            && !sb.shard().equals("scan"))
                    .allMatch(sb -> sb.opened() == 0 && sb.state() == BreakerState.CLOSED);

            await().atMost(Duration.ofSeconds(5))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> {
                        cache.put(deadKey, "after");
                        return "after".equals(cache.getIfPresent(deadKey));
                    });
            long cacheBack = System.nanoTime();
            await().atMost(Duration.ofSeconds(5)).until(() -> b.nearStats().pubSubConnected());
            long sent = b.nearStats().invalidationsReceived();
            await().atMost(Duration.ofSeconds(5))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> {
                        a.put("k", "v" + System.nanoTime());
                        return b.nearStats().invalidationsReceived() > sent;
                    });
            long nearBack = System.nanoTime();
            System.out.printf(
                    "cluster failover: cache shard back %d ms and near-cache invalidations back %d ms after the"
                            + " promotion was seen; %d live-shard reads during the outage, 0 misses%n",
                    TimeUnit.NANOSECONDS.toMillis(cacheBack - promoted),
                    TimeUnit.NANOSECONDS.toMillis(nearBack - promoted),
                    liveReads);
            assertThat(cache.shardBreakers()).extracting(ShardBreaker::shard).doesNotContain("127.0.0.1:" + victim);
        }
    }
}

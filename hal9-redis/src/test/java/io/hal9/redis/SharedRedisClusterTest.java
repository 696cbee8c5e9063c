package io.hal9.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hal9.testkit.PrivateRedisCluster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A SharedRedis on a private 3-master cluster: routing, sharded pub/sub, and a master's SIGKILL. */
@Timeout(60)
class SharedRedisClusterTest {
    private static PrivateRedisCluster cluster;

    @BeforeAll
    static void start() {
        cluster = PrivateRedisCluster.start();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** A channel name per master, found by probing names until each master owns one. */
    static Map<Integer, String> channelPerMaster(String prefix) {
        Map<Integer, String> out = new HashMap<>();
        for (int i = 0; out.size() < 3 && i < 10_000; i++) {
            String ch = prefix + i;
            out.putIfAbsent(cluster.masterOf(ch), ch);
        }
        assertThat(out).hasSize(3);
        return out;
    }

    @Test
    void shardsFollowTheClusterAndShardedPubSubReachesEveryShard() throws Exception {
        try (SharedRedis a = SharedRedis.create(cluster.uri());
                SharedRedis b = SharedRedis.builder().seeds(cluster.seedUris()).build()) {
            assertThat(a.isCluster()).isTrue();
            assertThat(a.shards()).hasSize(3);
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < 200; i++) {
                String key = "k" + i;
                assertThat(a.shardOf(key)).isEqualTo("127.0.0.1:" + cluster.masterOf(key));
                seen.add(a.shardOf(key));
            }
            assertThat(seen).hasSize(3);

            Map<Integer, String> channels = channelPerMaster("room:");
            List<String> got = new CopyOnWriteArrayList<>();
            List<SharedRedis.Subscription> subs = new ArrayList<>();
            for (String ch : channels.values()) {
                SharedRedis.Subscription s =
                        b.subscribe(ch, (c, m) -> got.add(c + "=" + new String(m, StandardCharsets.UTF_8)));
                s.confirmed().get(5, TimeUnit.SECONDS);
                subs.add(s);
            }
            for (String ch : channels.values()) {
                assertThat(a.publish(ch, "hi".getBytes(StandardCharsets.UTF_8)).get(5, TimeUnit.SECONDS))
                        .isEqualTo(1L);
            }
            await().atMost(Duration.ofSeconds(5))
                    .untilAsserted(() -> assertThat(got)
                            .containsExactlyInAnyOrderElementsOf(channels.values().stream()
                                    .map(c -> c + "=hi")
                                    .toList()));
            // sharded: SPUBLISH reaches only the owning shard's subscribers, and classic PUBSUB sees none
            assertThat(b.subscribedChannels()).isEqualTo(3);
            subs.forEach(SharedRedis.Subscription::close);
            await().atMost(Duration.ofSeconds(5)).until(() -> b.subscribedChannels() == 0);
        }
    }

    @Test
    void aMasterKilledMidStreamIsFollowedAndTheSubscriptionComesBack() throws Exception {
        try (SharedRedis a = SharedRedis.create(cluster.uri());
                SharedRedis b = SharedRedis.create(cluster.uri())) {
            Map<Integer, String> channels = channelPerMaster("fail:");
            int victim = channels.keySet().iterator().next();
            String doomed = channels.get(victim);
            Map<String, List<String>> got = new ConcurrentHashMap<>();
            List<String> events = new CopyOnWriteArrayList<>();
            for (String ch : channels.values()) {
                b.subscribe(ch, new SharedRedis.MessageListener() {
                            @Override
                            public void onMessage(String c, byte[] m) {
                                got.computeIfAbsent(c, k -> new CopyOnWriteArrayList<>())
                                        .add(new String(m, StandardCharsets.UTF_8));
                            }

                            @Override
                            public void onSubscriptionLost(String c) {
                                events.add("lost " + c);
                            }

                            @Override
                            public void onResubscribed(String c) {
                                events.add("back " + c);
                            }
                        })
                        .confirmed()
                        .get(5, TimeUnit.SECONDS);
            }
            cluster.kill(victim);
            long killed = System.nanoTime();
            cluster.awaitFailover(victim, Duration.ofSeconds(20));
            long promoted = System.nanoTime();
            // Publish until the doomed channel delivers again: the time from promotion is the gap.
            await().atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> {
                        a.publish(doomed, "after".getBytes(StandardCharsets.UTF_8));
                        return got.getOrDefault(doomed, List.of()).contains("after");
                    });
            long back = System.nanoTime();
            System.out.printf(
                    "failover: promoted %d ms after the kill; sharded channel delivering %d ms after the promotion%n",
                    TimeUnit.NANOSECONDS.toMillis(promoted - killed), TimeUnit.NANOSECONDS.toMillis(back - promoted));
            assertThat(TimeUnit.NANOSECONDS.toMillis(back - promoted)).isLessThan(5_000);
            assertThat(events).contains("lost " + doomed, "back " + doomed);
            assertThat(b.channelsDown()).isZero();
        }
    }
}

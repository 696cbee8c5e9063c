package io.hal9.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hal9.redis.SharedRedis;
import io.hal9.testkit.PrivateRedisCluster;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** RedisRoomBus across two instances on a private Redis Cluster, and across a master's SIGKILL. */
@Timeout(60)
class RedisRoomBusClusterTest {

    private static final class Recorder implements RoomBus.Subscriber {
        final List<String> got = new CopyOnWriteArrayList<>();
        final List<String> missed = new CopyOnWriteArrayList<>();

        @Override
        public void onBroadcast(String roomId, String originInstance, boolean binary, ByteBuf payload) {
            got.add(roomId + ":" + payload.toString(StandardCharsets.UTF_8));
        }

        @Override
        public void onMissed(String roomId, long count) {
            missed.add(roomId + ":" + count);
        }
    }

    private static void publish(RedisRoomBus bus, String room, String text) {
        ByteBuf b = Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
        try {
            bus.publish(room, "instance-a", false, b);
        } finally {
            b.release();
        }
    }

    @Test
    void broadcastsCrossInstancesOnEveryShardAndResumeAfterAMasterIsKilled() throws Exception {
        try (PrivateRedisCluster cluster = PrivateRedisCluster.start();
                SharedRedis ra = SharedRedis.create(cluster.uri());
                SharedRedis rb = SharedRedis.create(cluster.uri());
                RedisRoomBus a = RedisRoomBus.create(ra);
                RedisRoomBus b = RedisRoomBus.create(rb)) {
            Map<Integer, String> rooms = new HashMap<>();
            for (int i = 0; rooms.size() < 3 && i < 10_000; i++) {
                rooms.putIfAbsent(cluster.masterOf(RedisRoomBus.DEFAULT_PREFIX + "r" + i), "r" + i);
            }
            assertThat(rooms).hasSize(3);
            Recorder rec = new Recorder();
            for (String room : rooms.values()) {
                b.subscribe(room, rec).toCompletableFuture().get(5, TimeUnit.SECONDS);
            }
            for (String room : rooms.values()) {
                publish(a, room, "hello");
            }
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> rec.got.containsAll(
                            rooms.values().stream().map(r -> r + ":hello").toList()));

            int victim = rooms.keySet().iterator().next();
            String room = rooms.get(victim);
            cluster.kill(victim);
            // keep broadcasting to the dead shard's room while it fails over
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            int n = 0;
            boolean failedOver = false;
            while (!failedOver) {
                publish(a, room, "m" + n++);
                try {
                    cluster.awaitFailover(victim, Duration.ofMillis(20));
                    failedOver = true;
                } catch (IllegalStateException notYet) {
                    assertThat(System.nanoTime() - deadline).isNegative();
                }
            }
            long promoted = System.nanoTime();
            int sentBefore = n;
            AtomicInteger afterAttempts = new AtomicInteger();
            await().atMost(Duration.ofSeconds(5))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> {
                        publish(a, room, "after");
                        afterAttempts.incrementAndGet();
                        return rec.got.contains(room + ":after");
                    });
            long back = System.nanoTime();
            // every broadcast of the room is either received or counted missed (the first one was received)
            long receivedOfRoom =
                    rec.got.stream().filter(s -> s.startsWith(room + ":")).count();
            long published = 1
                    + sentBefore
                    + rec.got.stream().filter(s -> s.equals(room + ":after")).count();
            System.out.printf(
                    "room bus failover: delivering again %d ms after the promotion; room %s: %d received, %d counted"
                            + " missed, %d publications failed, %d subscriptions lost%n",
                    TimeUnit.NANOSECONDS.toMillis(back - promoted),
                    room,
                    receivedOfRoom,
                    b.missed(),
                    a.failed(),
                    b.subscriptionsLost());
            assertThat(TimeUnit.NANOSECONDS.toMillis(back - promoted)).isLessThan(5_000);
            assertThat(b.missed()).isPositive();
            assertThat(b.subscriptionsLost()).isPositive();
            // the subscriber heard that it may have missed broadcasts: when the subscription came back, and at the gap
            assertThat(rec.missed).contains(room + ":" + RoomBus.UNKNOWN_MISSED);
            assertThat(rec.missed.stream()
                            .filter(m -> m.startsWith(room + ":") && !m.endsWith(":-1"))
                            .mapToLong(m -> Long.parseLong(m.substring(room.length() + 1)))
                            .sum())
                    .isEqualTo(b.missed());
            // sequence accounting: every broadcast up to the last one received ("after") is either received
            // or counted missed: hello + the outage's + at least one "after", at most every "after" sent
            assertThat(receivedOfRoom + b.missed()).isBetween(2L + sentBefore, 1L + sentBefore + afterAttempts.get());
        }
    }
}

package io.hal9.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hal9.redis.SharedRedis;
import io.hal9.testkit.PrivateRedisSentinel;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * RedisRoomBus across two instances, each with its own SharedRedis over {@code redis-sentinel://}, on a
 * private master + replica + 3 sentinels (quorum 2): after a SIGKILL of the master and the replica's promotion, a
 * room's broadcasts reach the other instance again within 5 s of the promotion, and the subscriber's
 * bus counts the lost subscription.
 */
@Timeout(90)
class RedisRoomBusSentinelTest {
    private static final Duration RESUME = Duration.ofSeconds(5);

    private static void publish(RedisRoomBus bus, String room, String text) {
        ByteBuf b = Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
        try {
            bus.publish(room, "instance-a", false, b);
        } finally {
            b.release();
        }
    }

    @Test
    void broadcastsResumeWithinFiveSecondsOfThePromotion() {
        try (PrivateRedisSentinel sentinel = PrivateRedisSentinel.start(3);
                SharedRedis ra = SharedRedis.create(sentinel.uri());
                SharedRedis rb = SharedRedis.create(sentinel.uri());
                RedisRoomBus a = RedisRoomBus.create(ra);
                RedisRoomBus b = RedisRoomBus.create(rb)) {
            List<String> got = new CopyOnWriteArrayList<>();
            RoomBus.Subscriber onB =
                    (roomId, origin, binary, payload) -> got.add(payload.toString(StandardCharsets.UTF_8));
            b.subscribe("game:1", onB).toCompletableFuture().join();
            publish(a, "game:1", "before");
            await().atMost(Duration.ofSeconds(2)).until(() -> got.contains("before"));

            int old = sentinel.killMaster();
            long killed = System.nanoTime();
            publish(a, "game:1", "during"); // fails fast, is lost or is sent after the reconnect: never blocks
            sentinel.awaitFailover(old, Duration.ofSeconds(30));
            long promoted = System.nanoTime();

            await().atMost(RESUME).pollInterval(Duration.ofMillis(50)).until(() -> {
                publish(a, "game:1", "after");
                return got.contains("after");
            });
            long back = System.nanoTime();
            assertThat(b.subscriptionsLost()).isPositive();
            assertThat(got).startsWith("before");
            System.out.printf(
                    "sentinel failover: promoted %d ms after the SIGKILL; room broadcasts back %d ms after the"
                            + " promotion was seen (failed %d, missed %d)%n",
                    TimeUnit.NANOSECONDS.toMillis(promoted - killed),
                    TimeUnit.NANOSECONDS.toMillis(back - promoted),
                    a.failed(),
                    b.missed());
            b.unsubscribe("game:1", onB);
        }
    }
}

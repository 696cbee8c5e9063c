package io.hal9.metrics.ws;

import static io.hal9.metrics.Scrapes.require;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hal9.metrics.Scrapes;
import io.hal9.redis.SharedRedis;
import io.hal9.testkit.RedisService;
import io.hal9.testkit.RequiresRedis;
import io.hal9.ws.RedisRoomBus;
import io.hal9.ws.RoomBus;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@RequiresRedis
@Timeout(60)
class RedisRoomBusMetricsTest {
    private final PrometheusMeterRegistry registry = Scrapes.registry();

    @Test
    void publishedAndReceivedBroadcastsAreCounted(RedisService redis) throws Exception {
        try (SharedRedis shared = SharedRedis.create(redis.uri());
                RedisRoomBus bus = RedisRoomBus.create(shared, redis.key("room:"), 100)) {
            assertThat(RedisRoomBusMetrics.monitor(registry, bus, "rooms")).isSameAs(bus);
            AtomicInteger got = new AtomicInteger();
            RoomBus.Subscriber s = (room, origin, binary, payload) -> got.incrementAndGet();
            bus.subscribe("r1", s).toCompletableFuture().get(5, TimeUnit.SECONDS);
            ByteBuf b = Unpooled.copiedBuffer("hi", StandardCharsets.UTF_8);
            try {
                bus.publish("r1", "other", false, b);
            } finally {
                b.release();
            }
            await().until(() -> got.get() == 1 && bus.published() == 1);
            String scrape = registry.scrape();
            assertThat(require(scrape, "hal9_ws_roombus_broadcasts_total", "name", "rooms", "result", "published"))
                    .isEqualTo(1.0);
            assertThat(require(scrape, "hal9_ws_roombus_broadcasts_total", "name", "rooms", "result", "received"))
                    .isEqualTo(1.0);
            assertThat(require(scrape, "hal9_ws_roombus_broadcasts_total", "name", "rooms", "result", "missed"))
                    .isEqualTo(0.0);
            assertThat(require(scrape, "hal9_ws_roombus_subscriptions_lost_total", "name", "rooms"))
                    .isEqualTo(0.0);
        }
    }
}

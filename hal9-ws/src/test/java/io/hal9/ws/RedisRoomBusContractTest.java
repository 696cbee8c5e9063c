package io.hal9.ws;

import static org.awaitility.Awaitility.await;

import io.hal9.testkit.RedisService;
import io.hal9.testkit.RequiresRedis;
import io.lettuce.core.RedisClient;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;

@RequiresRedis
@Timeout(30)
class RedisRoomBusContractTest extends RoomBusContract {
    private RedisClient redis;
    private String prefix;

    @BeforeEach
    void connect(RedisService service) {
        redis = RedisClient.create(service.uri());
        prefix = service.key("bus:");
    }

    @AfterEach
    void disconnect() {
        redis.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    @Override
    RoomBus newBus() {
        return RedisRoomBus.create(redis, prefix, 100);
    }

    private long subscribers(String room) {
        try (var c = redis.connect()) {
            return c.sync().pubsubNumsub(prefix + room).getOrDefault(prefix + room, 0L);
        }
    }

    @Override
    void awaitUnsubscribed(RoomBus bus, String room) {
        await().until(() -> subscribers(room) == 0);
    }
}

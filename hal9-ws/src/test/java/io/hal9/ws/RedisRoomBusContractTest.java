package io.hal9.ws;

import static org.awaitility.Awaitility.await;

import io.hal9.redis.SharedRedis;
import io.hal9.testkit.RedisService;
import io.hal9.testkit.RequiresRedis;
import io.lettuce.core.RedisClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;

@RequiresRedis
@Timeout(30)
class RedisRoomBusContractTest extends RoomBusContract {
    private RedisClient redis;
    private String prefix;
    private final List<SharedRedis> shared = new ArrayList<>();

    @BeforeEach
    void connect(RedisService service) {
        redis = RedisClient.create(service.uri());
        prefix = service.key("bus:");
    }

    @AfterEach
    void disconnect() {
        shared.forEach(SharedRedis::close);
        redis.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    @Override
    RoomBus newBus() {
        // a SharedRedis per bus, as two instances would each have their own
        SharedRedis r = SharedRedis.of(redis);
        shared.add(r);
        return RedisRoomBus.create(r, prefix, 100);
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

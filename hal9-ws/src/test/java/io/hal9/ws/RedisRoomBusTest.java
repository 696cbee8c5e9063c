package io.hal9.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hal9.testkit.RedisService;
import io.hal9.testkit.RequiresRedis;
import io.lettuce.core.RedisClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@RequiresRedis
@Timeout(30)
class RedisRoomBusTest extends WsTestSupport {
    private RedisClient redis;
    private String prefix;

    @BeforeEach
    void connect(RedisService service) {
        redis = RedisClient.create(service.uri());
        prefix = service.key("room:");
    }

    @AfterEach
    void disconnect() throws Exception {
        closeAll(); // servers and buses before the client they use (this runs before the superclass's)
        redis.shutdown(java.time.Duration.ZERO, java.time.Duration.ofSeconds(2));
    }

    @Test
    @SuppressWarnings("deprecation") // the deprecated create(RedisClient, ...) entry point, kept working until removed
    void aPlayerOnServerAReceivesTheRoomBroadcastOfAPlayerOnServerB() {
        RedisRoomBus busA = RedisRoomBus.create(redis, prefix, 100);
        RedisRoomBus busB = RedisRoomBus.create(redis, prefix, 100);
        toClose.add(busA);
        toClose.add(busB);
        WsServer<Msg> a = start(b -> b.roomBus(busA).instanceId("a"));
        TestHandler handlerB = new TestHandler();
        WsServer<Msg> b = start(handlerB, o -> o.roomBus(busB).instanceId("b"));

        TestClient onA = client(a);
        a.room("game-1").join(handler.nextOpened());
        TestClient onB = track(TestClient.connect(b.port()));
        Session<Msg> sessionB = handlerB.nextOpened();
        b.room("game-1").join(sessionB);
        // both instances subscribed before the first broadcast
        await().until(() -> subscribed("game-1") >= 2);

        onB.sendText(json(new Msg("say", "game-1", 42)));
        assertThat(parse(onA.nextData())).isEqualTo(new Msg("say", "game-1", 42));
        await().untilAsserted(() -> assertThat(busB.published()).isEqualTo(1));
        await().untilAsserted(() -> assertThat(busA.received()).isEqualTo(1));
        // B's own broadcast came back to B through Redis too and was ignored: the sender got nothing
        sessionB.trySend(Msg.of("marker", 1));
        assertThat(parse(onB.nextData()).type()).isEqualTo("marker");
        assertThat(busA.dropped() + busA.failed() + busB.dropped() + busB.failed())
                .isZero();
    }

    @Test
    void aGapInAnOriginsSequenceIsCountedAndToldToTheHostAfterTheBroadcastThatRevealedIt() {
        io.hal9.redis.SharedRedis shared = io.hal9.redis.SharedRedis.of(redis);
        RedisRoomBus bus = RedisRoomBus.create(shared, prefix, 100);
        toClose.add(bus);
        toClose.add(shared);
        WsServer<Msg> a = start(b -> b.roomBus(bus).instanceId("a"));
        TestClient onA = client(a);
        Room<Msg> room = a.room("game-2");
        room.join(handler.nextOpened());
        room.subscribed().toCompletableFuture().join();
        // another instance's broadcasts 1, 2 and 5 (3 and 4 lost on the way), as RedisRoomBus version 2 frames them
        try (var raw = redis.connect(io.lettuce.core.codec.ByteArrayCodec.INSTANCE)) {
            for (long seq : new long[] {1, 2, 5}) {
                raw.sync()
                        .publish(
                                (prefix + "game-2").getBytes(java.nio.charset.StandardCharsets.UTF_8),
                                frame("b", seq, json(Msg.of("n", (int) seq))));
            }
        }
        assertThat(parse(onA.nextData())).isEqualTo(Msg.of("n", 1));
        assertThat(parse(onA.nextData())).isEqualTo(Msg.of("n", 2));
        assertThat(parse(onA.nextData())).isEqualTo(Msg.of("n", 5));
        await().untilAsserted(() -> assertThat(handler.missed).containsExactly("game-2 2"));
        assertThat(bus.missed()).isEqualTo(2);
    }

    /** A RedisRoomBus version 2 message: version, flags, origin, sequence, payload. */
    private static byte[] frame(String origin, long seq, String payload) {
        byte[] o = origin.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] p = payload.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(12 + o.length + p.length);
        b.put((byte) 2)
                .put((byte) 0)
                .putShort((short) o.length)
                .put(o)
                .putLong(seq)
                .put(p);
        return b.array();
    }

    private long subscribed(String room) {
        try (var c = redis.connect()) {
            return c.sync().pubsubNumsub(prefix + room).getOrDefault(prefix + room, 0L);
        }
    }
}

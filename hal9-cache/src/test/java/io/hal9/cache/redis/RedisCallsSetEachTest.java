package io.hal9.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hal9.redis.SharedRedis;
import io.hal9.testkit.ManualClock;
import io.hal9.testkit.RedisService;
import io.hal9.testkit.RequiresRedis;
import io.lettuce.core.SetArgs;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link RedisCalls#setEach}: the pipelined SETs of {@code putAll} on a standalone Redis. */
@RequiresRedis
@Timeout(30)
class RedisCallsSetEachTest {
    private final ManualClock clock = new ManualClock();
    private final LongAdder failedWrites = new LongAdder();

    private RedisCalls calls() {
        return new RedisCalls(
                "redis cache 'set'",
                null,
                new RedisCacheListener() {},
                clock::read,
                TimeUnit.SECONDS.toNanos(2),
                1,
                TimeUnit.SECONDS.toNanos(1),
                0);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void everyKeyIsSetWithItsTtlInOneBatch(RedisService redis) {
        try (SharedRedis shared = SharedRedis.create(redis.uri())) {
            List<String> keys = List.of(redis.key("a"), redis.key("b"), redis.key("c"));
            int ok = calls().setEach(
                            keys,
                            List.of(bytes("1"), bytes("2"), bytes("3")),
                            SetArgs.Builder.px(60_000),
                            failedWrites,
                            shared.commands(),
                            shared.standaloneConnection());
            assertThat(ok).isEqualTo(3);
            assertThat(failedWrites.sum()).isZero();
            var sync = shared.standaloneConnection().sync();
            assertThat(new String(sync.get(keys.get(1)), StandardCharsets.UTF_8))
                    .isEqualTo("2");
            assertThat(sync.pttl(keys.get(2))).isBetween(1L, 60_000L);
            sync.del(keys.toArray(String[]::new));
        }
    }

    @Test
    void anOpenBreakerSkipsTheShardAndCountsEveryWriteAsFailed(RedisService redis) {
        try (SharedRedis shared = SharedRedis.create(redis.uri())) {
            RedisCalls calls = calls();
            assertThatThrownBy(() -> calls.call(
                            "GET",
                            false,
                            calls.breakerFor("x"),
                            () -> RedisCallsTest.failed(new IllegalStateException("down"))))
                    .isSameAs(RedisCalls.UNAVAILABLE);
            int ok = calls.setEach(
                    List.of(redis.key("a"), redis.key("b")),
                    List.of(bytes("1"), bytes("2")),
                    SetArgs.Builder.px(60_000),
                    failedWrites,
                    shared.commands(),
                    shared.standaloneConnection());
            assertThat(ok).isZero();
            assertThat(failedWrites.sum()).isEqualTo(2);
            assertThat(calls.skipped.sum()).isEqualTo(1);
            assertThat(shared.standaloneConnection().sync().exists(redis.key("a")))
                    .isZero();
        }
    }
}

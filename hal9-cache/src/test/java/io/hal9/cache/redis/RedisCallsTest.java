package io.hal9.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hal9.redis.SharedRedis;
import io.hal9.testkit.ManualClock;
import io.lettuce.core.RedisFuture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link RedisCalls} off a cluster (one breaker), with futures the test completes itself: no Redis. */
@Timeout(10)
class RedisCallsTest {
    private final ManualClock clock = new ManualClock();
    private final List<String> events = new ArrayList<>();
    private final RedisCacheListener listener = new RedisCacheListener() {
        @Override
        public void onError(String operation, boolean write, Throwable cause) {
            events.add("error " + operation + " " + write);
        }

        @Override
        public void onShardBreakerStateChange(String shard, BreakerState from, BreakerState to) {
            events.add(shard + " " + from + "->" + to);
        }
    };
    /** Threshold 2, open 1 s, command timeout 20 ms, no log limit. */
    private final RedisCalls calls = new RedisCalls(
            "redis cache 't'",
            null,
            listener,
            clock::read,
            TimeUnit.MILLISECONDS.toNanos(20),
            2,
            TimeUnit.SECONDS.toNanos(1),
            0);

    /** A Lettuce future the test completes. */
    static final class Answer<T> extends CompletableFuture<T> implements RedisFuture<T> {
        @Override
        public @Nullable String getError() {
            return null;
        }

        @Override
        public boolean await(long timeout, TimeUnit unit) {
            return isDone();
        }
    }

    private static <T> Answer<T> answered(T value) {
        Answer<T> a = new Answer<>();
        a.complete(value);
        return a;
    }

    static <T> Answer<T> failed(Throwable t) {
        Answer<T> a = new Answer<>();
        a.completeExceptionally(t);
        return a;
    }

    @Test
    void anAnsweredCommandReturnsItsAnswerAndKeepsTheBreakerClosed() {
        String v = calls.call("GET", false, calls.breakerFor("k"), () -> answered("v"));
        assertThat(v).isEqualTo("v");
        assertThat(calls.scanBreaker().state()).isEqualTo(BreakerState.CLOSED);
        assertThat(calls.errors.sum() + calls.timeouts.sum() + calls.skipped.sum())
                .isZero();
    }

    @Test
    void aFailureAndATimeoutAreCountedApartReportedAndOpenTheBreaker() {
        CircuitBreaker b = calls.breakerFor("k");
        assertThatThrownBy(() -> calls.call("SET", true, b, () -> failed(new IllegalStateException("down"))))
                .isSameAs(RedisCalls.UNAVAILABLE);
        Answer<String> never = new Answer<>();
        assertThatThrownBy(() -> calls.call("GET", false, b, () -> never)).isSameAs(RedisCalls.UNAVAILABLE);
        assertThat(never.isCancelled()).isTrue();
        assertThat(calls.errors.sum()).isEqualTo(1);
        assertThat(calls.timeouts.sum()).isEqualTo(1);
        assertThat(events).containsExactly("error SET true", "single CLOSED->OPEN", "error GET false");
        assertThat(calls.shardBreakers())
                .containsExactly(new ShardBreaker(SharedRedis.SINGLE_SHARD, BreakerState.OPEN, 1));
    }

    @Test
    void anOpenBreakerSkipsTheCommandWithoutSendingIt() {
        CircuitBreaker b = calls.breakerFor("k");
        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> calls.call("GET", false, b, () -> failed(new RuntimeException("x"))))
                    .isSameAs(RedisCalls.UNAVAILABLE);
        }
        List<String> sent = new ArrayList<>();
        assertThatThrownBy(() -> calls.call("GET", false, b, () -> {
                    sent.add("GET");
                    return answered("v");
                }))
                .isSameAs(RedisCalls.UNAVAILABLE);
        CompletableFuture<String> async = calls.callAsync("GET", false, b, () -> {
            sent.add("GET");
            return answered("v");
        });
        assertThat(async).isCompletedExceptionally();
        assertThat(sent).isEmpty();
        assertThat(calls.skipped.sum()).isEqualTo(2);
        clock.advance(Duration.ofSeconds(1));
        assertThat(calls.call("GET", false, b, () -> answered("probe"))).isEqualTo("probe");
        assertThat(b.state()).isEqualTo(BreakerState.CLOSED);
    }

    @Test
    void anAsyncCommandCompletesWithItsAnswerOrWithUnavailable() {
        CircuitBreaker b = calls.breakerFor("k");
        assertThat(calls.callAsync("GET", false, b, () -> answered("v")).join()).isEqualTo("v");
        CompletableFuture<String> f = calls.callAsync("GET", false, b, () -> failed(new RuntimeException("x")));
        assertThatThrownBy(f::join).isInstanceOf(CompletionException.class).hasCause(RedisCalls.UNAVAILABLE);
        assertThat(calls.errors.sum()).isEqualTo(1);
    }

    @Test
    void aMultiKeyCommandOffAClusterIsOnePartWithEveryKey() {
        List<RedisCalls.Part<Long>> parts =
                calls.callByShard("UNLINK", true, List.of("a", "b", "c"), keys -> answered((long) keys.length));
        assertThat(parts).hasSize(1);
        assertThat(parts.get(0).keys()).containsExactly("a", "b", "c");
        assertThat(parts.get(0).ok()).isTrue();
        assertThat(parts.get(0).value()).isEqualTo(3L);
        List<RedisCalls.Part<Long>> failedParts =
                calls.callByShard("UNLINK", true, List.of("a"), keys -> failed(new RuntimeException("x")));
        assertThat(failedParts.get(0).ok()).isFalse();
        assertThat(calls.errors.sum()).isEqualTo(1);
    }

    @Test
    void aListenerThatThrowsIsIgnored() {
        calls.notifyListener(() -> {
            throw new IllegalStateException("listener bug");
        });
        assertThat(RedisCalls.unwrap(new CompletionException(new IllegalStateException("root"))))
                .hasMessage("root");
    }
}

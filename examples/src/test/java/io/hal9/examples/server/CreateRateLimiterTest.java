package io.hal9.examples.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The per-address token buckets of game creation, on a fake clock. */
@Timeout(30)
class CreateRateLimiterTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    private void advanceMillis(long ms) {
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
    }

    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    private static int granted(CreateRateLimiter l, InetAddress a, int asks) {
        int ok = 0;
        for (int i = 0; i < asks; i++) {
            ok += l.tryAcquire(a).isEmpty() ? 1 : 0;
        }
        return ok;
    }

    @Test
    void aBurstGoesThroughThenTheRateHoldsWithRetryAfterInWholeSeconds() {
        CreateRateLimiter l = new CreateRateLimiter(5, 20, 1000, now::get);
        InetAddress a = ip("192.0.2.1");
        assertThat(granted(l, a, 20)).isEqualTo(20);
        OptionalLong refused = l.tryAcquire(a);
        assertThat(refused).hasValue(1); // 200 ms to the next token, rounded up to Retry-After's whole second
        assertThat(l.refused()).isEqualTo(1);

        advanceMillis(199);
        assertThat(l.tryAcquire(a)).isPresent();
        advanceMillis(1);
        assertThat(l.tryAcquire(a)).isEmpty(); // 200 ms: one token
        assertThat(l.tryAcquire(a)).isPresent();

        advanceMillis(1000); // five tokens, never more than the rate
        assertThat(granted(l, a, 10)).isEqualTo(5);
        assertThat(l.refused()).isEqualTo(1 + 1 + 1 + 5);
    }

    @Test
    void retryAfterSaysHowManySecondsUntilTheNextCreation() {
        CreateRateLimiter l = new CreateRateLimiter(1, 3, 10, now::get);
        InetAddress a = ip("198.51.100.7");
        assertThat(granted(l, a, 3)).isEqualTo(3);
        assertThat(l.tryAcquire(a)).hasValue(1);
        advanceMillis(400);
        assertThat(l.tryAcquire(a)).hasValue(1); // 600 ms left: still "1"
        advanceMillis(600);
        assertThat(l.tryAcquire(a)).isEmpty();
        // a bucket never holds more than its burst, however long it waited
        advanceMillis(60_000);
        assertThat(granted(l, a, 10)).isEqualTo(3);
    }

    @Test
    void addressesHaveTheirOwnBucketsAndAnIpv6Slash64SharesOne() {
        CreateRateLimiter l = new CreateRateLimiter(1, 2, 100, now::get);
        assertThat(granted(l, ip("192.0.2.1"), 5)).isEqualTo(2);
        assertThat(granted(l, ip("192.0.2.2"), 5)).isEqualTo(2);
        assertThat(granted(l, ip("2001:db8:1:2::1"), 1)).isEqualTo(1);
        // same /64: the same bucket, so one left
        assertThat(granted(l, ip("2001:db8:1:2:ffff:ffff:ffff:ffff"), 5)).isEqualTo(1);
        // another /64: a bucket of its own
        assertThat(granted(l, ip("2001:db8:1:3::1"), 5)).isEqualTo(2);
        assertThat(l.addresses()).isEqualTo(4);
    }

    @Test
    void aFloodFromManyAddressesKeepsAtMostMaxAddressesBuckets() {
        int max = 100;
        CreateRateLimiter l = new CreateRateLimiter(5, 20, max, now::get);
        for (int i = 0; i < 20_000; i++) {
            byte[] b = {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i};
            try {
                assertThat(l.tryAcquire(InetAddress.getByAddress(b))).isEmpty(); // each a fresh bucket
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }
        assertThat(l.addresses()).isLessThanOrEqualTo(max).isPositive();
    }

    @Test
    void aBucketLeftAloneUntilFullIsForgottenAndAComebackStartsFull() {
        CreateRateLimiter l = new CreateRateLimiter(5, 20, 1000, now::get);
        InetAddress a = ip("203.0.113.9");
        assertThat(granted(l, a, 25)).isEqualTo(20);
        advanceMillis(3_999); // not full yet (4 s to fill 20 at 5/s): kept
        assertThat(l.addresses()).isEqualTo(1);
        advanceMillis(4_001);
        assertThat(l.addresses()).isZero();
        assertThat(granted(l, a, 25)).isEqualTo(20); // the same as if it had been kept: a full bucket
    }

    @Test
    void rateZeroLimitsNothingAndKeepsNothing() {
        CreateRateLimiter l = new CreateRateLimiter(0, 1, 1, now::get);
        assertThat(granted(l, ip("192.0.2.1"), 1000)).isEqualTo(1000);
        assertThat(l.addresses()).isZero();
        assertThat(l.refused()).isZero();
    }

    @Test
    void badSettingsAreRefusedNamingTheValue() {
        assertThatThrownBy(() -> new CreateRateLimiter(-1, 1, 1, now::get))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("create rate limiter: rate must be in [0, 1000000], was -1");
        assertThatThrownBy(() -> new CreateRateLimiter(1, 0, 1, now::get))
                .hasMessage("create rate limiter: burst must be in [1, 1000000], was 0");
        assertThatThrownBy(() -> new CreateRateLimiter(1, 1, 0, now::get))
                .hasMessage("create rate limiter: maxAddresses must be in [1, 10000000], was 0");
        CreateRateLimiter fromConfig = CreateRateLimiter.of(
                ServerConfig.parse(new String[] {"--create-rate", "1", "--create-burst", "2"}, java.util.Map.of()));
        assertThat(granted(fromConfig, ip("192.0.2.1"), 5)).isEqualTo(2);
    }
}

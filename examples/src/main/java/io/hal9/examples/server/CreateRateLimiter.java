package io.hal9.examples.server;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.hal9.core.Ticker;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * How many games each client address may create: a token bucket per address ({@code rate} games a
 * second, at most {@code burst} at once), so that one client cannot fill {@code max-live-games} and
 * lock every other player out. {@code POST /api/games} asks {@link #tryAcquire} first and, when it
 * answers a delay, refuses with 429 {@code rate_limited} and that delay as {@code Retry-After}.
 *
 * <p>IPv6 addresses count by their /64 prefix (what one host or one subscriber usually holds), IPv4
 * addresses one by one.
 *
 * <p>Limits: the buckets live in a Caffeine cache of at most {@code maxAddresses} entries, so a flood
 * from many addresses cannot grow it beyond that. A bucket left alone until it is full again (after
 * {@code burst / rate} seconds) expires: forgetting it changes nothing, since a new one starts full.
 * When more than {@code maxAddresses} addresses are active at once, the least recently used buckets are
 * forgotten early and their addresses start again with a full bucket: a client with that many
 * addresses gets more than its share, never less. With {@code rate} 0 nothing is limited and nothing
 * is kept.
 *
 * <p>Thread safety: safe for concurrent use; each bucket is updated under its own lock. Two callers
 * racing with the eviction of a bucket may each find a fresh one, granting one creation too many at
 * most.
 */
final class CreateRateLimiter {
    /*
     * Design / Concurrency / Invariants: a bucket holds its credit as of updatedAt (ticker
     * nanoseconds), in billionths of a token (ONE per token; integers, so no rounding drifts): in [0,
     * burst * ONE]. A nanosecond refills rate billionths. tryAcquire refills it for the time passed,
     * then takes one token or computes how long until one is there. Both fields are guarded by the bucket's monitor. The
     * cache's maintenance runs on the caller's thread (executor Runnable::run), so eviction and expiry
     * follow the ticker the limiter was given, deterministically in tests.
     */
    /** One token, in the buckets' unit. */
    private static final long ONE = 1_000_000_000L;

    private final int rate;
    private final int burst;
    private final Ticker ticker;
    private final @Nullable Cache<InetAddress, Bucket> buckets;
    private final LongAdder refused = new LongAdder();

    /**
     * A limiter.
     *
     * @param rate games per second each address may create (the bucket's refill), in [0, 1,000,000];
     *     0 turns the limit off
     * @param burst games an address may create at once (the bucket's size), in [1, 1,000,000]
     * @param maxAddresses most addresses remembered at once, in [1, 10,000,000]
     * @param ticker the time source (nanoseconds; tests pass a fake one)
     * @throws IllegalArgumentException naming the bad value and what is allowed
     */
    CreateRateLimiter(int rate, int burst, int maxAddresses, Ticker ticker) {
        this.rate = check("rate", rate, 0, 1_000_000);
        this.burst = check("burst", burst, 1, 1_000_000);
        check("maxAddresses", maxAddresses, 1, 10_000_000);
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        this.buckets = rate == 0
                ? null
                : Caffeine.newBuilder()
                        .maximumSize(maxAddresses)
                        .expireAfterAccess(timeToFill(burst, rate))
                        .ticker(ticker::read)
                        .executor(Runnable::run)
                        .build();
    }

    /**
     * The limiter the configuration asks for ({@code create-rate}, {@code create-burst}, {@code
     * create-rate-addresses}), on the system clock.
     *
     * @param config the server's configuration
     * @return the limiter
     */
    static CreateRateLimiter of(ServerConfig config) {
        return new CreateRateLimiter(
                config.createRate(), config.createBurst(), config.createRateAddresses(), Ticker.system());
    }

    /**
     * Takes one creation from the address's bucket.
     *
     * @param address the client's address
     * @return empty when the creation may go ahead; else the whole seconds (at least 1) until the bucket
     *     holds a creation again: the {@code Retry-After} of the 429
     */
    OptionalLong tryAcquire(InetAddress address) {
        Cache<InetAddress, Bucket> c = buckets;
        if (c == null) {
            return OptionalLong.empty();
        }
        long now = ticker.read();
        Bucket b = c.get(key(address), k -> new Bucket(burst, now));
        long waitNanos;
        synchronized (b) {
            b.refill(now, rate, burst * ONE);
            if (b.credit >= ONE) {
                b.credit -= ONE;
                return OptionalLong.empty();
            }
            waitNanos = (ONE - b.credit + rate - 1) / rate;
        }
        refused.increment();
        return OptionalLong.of(Math.max(1, (waitNanos + ONE - 1) / ONE));
    }

    /** The limit in words, for a refusal's detail: e.g. {@code 5 per second in bursts of up to 20}. */
    String describe() {
        return rate == 0 ? "no limit" : rate + " per second in bursts of up to " + burst;
    }

    /**
     * Creations refused since start.
     *
     * @return the count
     */
    long refused() {
        return refused.sum();
    }

    /**
     * Addresses whose buckets are remembered now (an estimate; pending evictions may still count).
     *
     * @return the count, 0 when the limit is off
     */
    long addresses() {
        Cache<InetAddress, Bucket> c = buckets;
        if (c == null) {
            return 0;
        }
        c.cleanUp();
        return c.estimatedSize();
    }

    /** The bucket's key: the address itself, or an IPv6 address's /64 prefix. */
    static InetAddress key(InetAddress address) {
        if (address instanceof Inet6Address) {
            byte[] b = address.getAddress();
            Arrays.fill(b, 8, 16, (byte) 0);
            try {
                return InetAddress.getByAddress(b);
            } catch (UnknownHostException e) {
                throw new IllegalStateException("16 bytes are an IPv6 address", e);
            }
        }
        return address;
    }

    /** How long an empty bucket takes to fill: after that, a bucket left alone is a new one. */
    private static Duration timeToFill(int burst, int rate) {
        return Duration.ofNanos((long) Math.ceil(burst * 1e9 / rate));
    }

    private static int check(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(
                    "create rate limiter: " + name + " must be in [" + min + ", " + max + "], was " + value);
        }
        return value;
    }

    /** One address's tokens; guarded by its own monitor. */
    private static final class Bucket {
        long credit;
        long updatedAt;

        Bucket(int burst, long now) {
            this.credit = burst * ONE;
            this.updatedAt = now;
        }

        void refill(long now, int rate, long capacity) {
            long elapsed = now - updatedAt;
            if (elapsed > 0) {
                // elapsed * rate cannot overflow below the time an empty bucket takes to fill
                long missing = capacity - credit;
                credit = elapsed >= (missing + rate - 1) / rate ? capacity : credit + elapsed * rate;
                updatedAt = now;
            }
        }
    }
}

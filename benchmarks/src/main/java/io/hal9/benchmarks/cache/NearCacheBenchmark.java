package io.hal9.benchmarks.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.hal9.benchmarks.report.Race;
import io.hal9.cache.near.NearCache;
import io.hal9.redis.SharedRedis;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Near-cache L1 hits at 2 threads: {@link NearCache#getIfPresent} on a pre-filled near cache against raw
 * Caffeine configured like its L1 (maximum size {@value #SIZE}, expire after write): {@code caffeine}
 * without hit/miss statistics (the L1 itself records none), {@code caffeine-stats} with Caffeine's own
 * {@code recordStats()} (the fair anchor: the near cache counts every L1 hit in a {@code LongAdder}).
 * Target: the near cache within 15% of Caffeine.
 *
 * <p>Keys are pre-built strings (the near cache keys its L1 by the encoded key; for {@code String} keys
 * {@code toString()} is the key itself, so no allocation per hit). The near cache connects to {@code
 * HAL9_REDIS_URI} or {@code redis://127.0.0.1:6379} under a random key prefix, and removes its keys in
 * {@code @TearDown}. Every lookup is an L1 hit: {@code putAll} fills L1 with the same value objects the
 * anchors hold, and {@code @TearDown} fails the run if any lookup went to Redis. Each thread walks
 * its own offset into a shared Zipf 0.9 trace of {@value #TRACE} key indices.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
@Threads(2)
@Race(hal9Prefix = "near", anchor = "caffeine-stats")
public class NearCacheBenchmark {
    static final int KEYS = 10_000;
    static final int SIZE = 20_000;
    static final int TRACE = 1 << 16;

    @Param({"near", "caffeine", "caffeine-stats"})
    public String impl;

    private String[] keys = new String[0];
    private int[] trace = new int[0];
    private @Nullable NearCache<String, String> near;
    private @Nullable SharedRedis shared;
    private Function<String, @Nullable String> lookup = k -> null;
    private long redisReadsAfterSetup;

    @State(Scope.Thread)
    public static class Cursor {
        int index;

        @Setup
        public void setUp() {
            index = (int) (Thread.currentThread().threadId() * 7919) & (TRACE - 1);
        }
    }

    @Setup
    public void setUp() {
        keys = new String[KEYS];
        Map<String, String> entries = new HashMap<>();
        for (int i = 0; i < KEYS; i++) {
            keys[i] = "k" + i;
            entries.put(keys[i], "v" + i);
        }
        trace = HitRateBenchmark.zipfTrace(KEYS, TRACE, 0.9, 42);
        switch (impl) {
            case "near" -> {
                String uri = System.getenv().getOrDefault("HAL9_REDIS_URI", "redis://127.0.0.1:6379");
                String prefix = "hal9bench:"
                        + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ":";
                SharedRedis r = SharedRedis.create(uri);
                shared = r;
                NearCache<String, String> c = NearCache.<String, String>builder("near", String.class)
                        .redis(r)
                        .keyPrefix(prefix)
                        .l1MaximumSize(SIZE)
                        .l1Ttl(Duration.ofHours(1))
                        .defaultTtl(Duration.ofMinutes(30))
                        .build();
                near = c;
                c.putAll(entries); // fills L1 with every entry, as a write on this instance does
                if (c.nearStats().l1Size() != KEYS) {
                    throw new IllegalStateException(
                            "setup: L1 holds " + c.nearStats().l1Size() + " of " + KEYS);
                }
                redisReadsAfterSetup = redisReads(c);
                lookup = c::getIfPresent;
            }
            case "caffeine" -> {
                Cache<String, String> c = Caffeine.newBuilder()
                        .maximumSize(SIZE)
                        .expireAfterWrite(Duration.ofHours(1))
                        .build();
                c.putAll(entries);
                lookup = c::getIfPresent;
            }
            case "caffeine-stats" -> {
                Cache<String, String> c = Caffeine.newBuilder()
                        .maximumSize(SIZE)
                        .expireAfterWrite(Duration.ofHours(1))
                        .recordStats()
                        .build();
                c.putAll(entries);
                lookup = c::getIfPresent;
            }
            default -> throw new IllegalArgumentException("unknown impl " + impl);
        }
    }

    @TearDown
    public void tearDown() {
        NearCache<String, String> c = near;
        if (c != null) {
            long reads = redisReads(c) - redisReadsAfterSetup;
            if (reads != 0) { // then the score measured Redis round trips, not L1 hits
                throw new IllegalStateException("L1 missed " + reads + " times during the run");
            }
            c.invalidateAll();
            c.close();
            near = null;
        }
        SharedRedis r = shared;
        if (r != null) {
            r.close();
            shared = null;
        }
    }

    private static long redisReads(NearCache<?, ?> c) {
        return c.nearStats().l2Hits() + c.nearStats().misses();
    }

    @Benchmark
    public @Nullable String hit(Cursor cursor) {
        int i = cursor.index;
        cursor.index = (i + 1) & (TRACE - 1);
        return lookup.apply(keys[trace[i]]);
    }
}

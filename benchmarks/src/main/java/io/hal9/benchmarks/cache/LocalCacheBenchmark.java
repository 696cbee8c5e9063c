package io.hal9.benchmarks.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.hal9.cache.LocalCache;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
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
 * Cache hits at 2 threads on a pre-filled cache with skewed (Zipf 0.9) keys: HAL9's {@link LocalCache}
 * against raw Caffeine configured the same way (maximum size {@value #SIZE}, 10 minutes after write) and
 * {@link ConcurrentHashMap} (no bound, no expiry: the floor). Target: HAL9 within 10% of Caffeine.
 *
 * <p>{@code impl}: {@code hal9} is {@code LocalCache.getIfPresent}; {@code caffeine} is {@code
 * Cache.getIfPresent} with Caffeine's fixed {@code expireAfterWrite}, as its docs recommend;
 * {@code caffeine-variable} is Caffeine with a variable {@link Expiry} doing the same, which is what HAL9
 * runs on (it needs variable expiry for {@code put(key, value, ttl)}), so the gap between the two Caffeine
 * rows is the price of per-entry TTL and the gap from {@code caffeine-variable} to {@code hal9} is HAL9's
 * own layer; {@code chm} is {@code ConcurrentHashMap.get}. All record hit/miss statistics except {@code
 * chm}.
 *
 * <p>Every key is present (the cache holds all {@value #KEYS} keys), so every call is a hit. Each thread
 * walks its own offset into a shared trace of {@value #TRACE} key indices drawn once with a fixed seed.
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
public class LocalCacheBenchmark {
    static final int KEYS = 10_000;
    static final int SIZE = 20_000;
    static final int TRACE = 1 << 16;

    @Param({"hal9", "caffeine", "caffeine-variable", "chm"})
    public String impl;

    private Integer[] keys = new Integer[0];
    private int[] trace = new int[0];
    private @Nullable LocalCache<Integer, Integer> hal9;
    private Function<Integer, @Nullable Integer> lookup = k -> null;

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
        keys = new Integer[KEYS];
        for (int i = 0; i < KEYS; i++) {
            keys[i] = i;
        }
        trace = HitRateBenchmark.zipfTrace(KEYS, TRACE, 0.9, 42);
        switch (impl) {
            case "hal9" -> {
                LocalCache<Integer, Integer> c = LocalCache.<Integer, Integer>builder("bench")
                        .maximumSize(SIZE)
                        .expireAfterWrite(Duration.ofMinutes(10))
                        .build();
                fill(c::put);
                hal9 = c;
                lookup = c::getIfPresent;
            }
            case "caffeine" -> {
                Cache<Integer, Integer> c = Caffeine.newBuilder()
                        .maximumSize(SIZE)
                        .expireAfterWrite(Duration.ofMinutes(10))
                        .recordStats()
                        .build();
                fill(c::put);
                lookup = c::getIfPresent;
            }
            case "caffeine-variable" -> {
                long ttl = Duration.ofMinutes(10).toNanos();
                Cache<Integer, Integer> c = Caffeine.newBuilder()
                        .maximumSize(SIZE)
                        .expireAfter(new Expiry<Integer, Integer>() {
                            @Override
                            public long expireAfterCreate(Integer key, Integer value, long currentTime) {
                                return ttl;
                            }

                            @Override
                            public long expireAfterUpdate(
                                    Integer key, Integer value, long currentTime, long currentDuration) {
                                return ttl;
                            }

                            @Override
                            public long expireAfterRead(
                                    Integer key, Integer value, long currentTime, long currentDuration) {
                                return currentDuration;
                            }
                        })
                        .recordStats()
                        .build();
                fill(c::put);
                lookup = c::getIfPresent;
            }
            case "chm" -> {
                ConcurrentHashMap<Integer, Integer> c = new ConcurrentHashMap<>();
                fill(c::put);
                lookup = c::get;
            }
            default -> throw new IllegalArgumentException("unknown impl " + impl);
        }
    }

    private void fill(java.util.function.BiConsumer<Integer, Integer> put) {
        for (Integer k : keys) {
            put.accept(k, k);
        }
    }

    @TearDown
    public void tearDown() {
        if (hal9 != null) {
            hal9.close();
        }
    }

    @Benchmark
    public @Nullable Integer hit(Cursor cursor) {
        int i = cursor.index;
        cursor.index = (i + 1) & (TRACE - 1);
        return lookup.apply(keys[trace[i]]);
    }
}

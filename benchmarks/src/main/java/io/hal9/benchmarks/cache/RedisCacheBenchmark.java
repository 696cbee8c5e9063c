package io.hal9.benchmarks.cache;

import io.hal9.benchmarks.report.Contender;
import io.hal9.cache.codec.Codecs;
import io.hal9.cache.redis.RedisCache;
import io.hal9.redis.SharedRedis;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The Redis cache against raw Lettuce on the SAME connection, in one run (target: HAL9's overhead
 * within 10%).
 *
 * <ul>
 *   <li>{@link #rawGet} ({@code RedisCommands.get}, Lettuce's sync API) vs {@link #hal9Get} ({@code
 *       RedisCache.getIfPresent} with the raw-bytes codec, so the difference is HAL9's layer: key
 *       building, breaker, timed wait, counters), in {@code SampleTime} (p50/p99 latency) and {@code
 *       Throughput} modes;
 *   <li>100 keys: {@link #rawMget100} (one {@code MGET}) vs {@link #hal9GetAll100} ({@code
 *       getAllPresent}, one {@code MGET}) vs {@link #hal9Get100Singles} (100 {@code getIfPresent}, 100
 *       round trips), in {@code AverageTime}.
 * </ul>
 *
 * <p>{@value #KEYS} keys with {@value #VALUE_BYTES}-byte values are written under a key prefix of the
 * benchmark's own ({@code hal9bench:<random>:}) and removed in {@link #tearDown}. Redis comes from
 * {@code HAL9_REDIS_URI} or {@code redis://127.0.0.1:6379}. One thread (a game tick thread's view).
 */
@State(Scope.Benchmark)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
public class RedisCacheBenchmark {
    static final int KEYS = 1_000;
    static final int VALUE_BYTES = 100;
    static final int BULK = 100;

    private @Nullable RedisClient client;
    private @Nullable SharedRedis shared;
    private RedisCommands<String, byte[]> raw;
    private RedisCache<String, byte[]> cache;
    private String[] keys = new String[0];
    private String[] redisKeys = new String[0];
    private int next;

    @Setup
    public void setUp() {
        String uri = System.getenv().getOrDefault("HAL9_REDIS_URI", "redis://127.0.0.1:6379");
        String prefix =
                "hal9bench:" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ":";
        RedisClient c = RedisClient.create(uri);
        client = c;
        // the cache and the raw anchor on the same connection: the SharedRedis's data connection
        SharedRedis r = SharedRedis.of(c);
        shared = r;
        raw = java.util.Objects.requireNonNull(r.standaloneConnection()).sync();
        cache = RedisCache.<String, byte[]>builder("bench", Codecs.bytes())
                .redis(r)
                .keyPrefix(prefix)
                .defaultTtl(Duration.ofMinutes(30))
                .commandTimeout(Duration.ofSeconds(1))
                .build();
        keys = new String[KEYS];
        redisKeys = new String[KEYS];
        Map<String, byte[]> entries = new HashMap<>();
        for (int i = 0; i < KEYS; i++) {
            keys[i] = "k" + i;
            redisKeys[i] = cache.redisKey(keys[i]);
            byte[] value = new byte[VALUE_BYTES];
            ThreadLocalRandom.current().nextBytes(value);
            entries.put(keys[i], value);
        }
        cache.putAll(entries);
        if (cache.getAllPresent(List.of(keys)).size() != KEYS) {
            throw new IllegalStateException("setup: not every key reached Redis at " + uri);
        }
    }

    @TearDown
    public void tearDown() {
        cache.invalidateAll();
        cache.close();
        if (shared != null) {
            shared.close();
        }
        if (client != null) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    private int nextIndex() {
        int i = next + 1;
        next = i == KEYS ? 0 : i;
        return next;
    }

    @Benchmark
    @BenchmarkMode({Mode.SampleTime, Mode.Throughput})
    @Contender(race = "get", impl = "lettuce", anchor = true)
    public byte @Nullable [] rawGet() {
        return raw.get(redisKeys[nextIndex()]);
    }

    @Benchmark
    @BenchmarkMode({Mode.SampleTime, Mode.Throughput})
    @Contender(race = "get", impl = "hal9")
    public byte @Nullable [] hal9Get() {
        return cache.getIfPresent(keys[nextIndex()]);
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @Contender(race = "get100Keys", impl = "lettuce-mget", anchor = true)
    public List<KeyValue<String, byte[]>> rawMget100() {
        int from = bulkStart();
        String[] slice = new String[BULK];
        System.arraycopy(redisKeys, from, slice, 0, BULK);
        return raw.mget(slice);
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @Contender(race = "get100Keys", impl = "hal9-getAll")
    public Map<String, byte[]> hal9GetAll100() {
        int from = bulkStart();
        return cache.getAllPresent(List.of(keys).subList(from, from + BULK));
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @Contender(race = "get100Keys", impl = "hal9-100-singles")
    public List<byte[]> hal9Get100Singles() {
        int from = bulkStart();
        List<byte[]> out = new ArrayList<>(BULK);
        for (int i = from; i < from + BULK; i++) {
            byte[] v = cache.getIfPresent(keys[i]);
            if (v != null) {
                out.add(v);
            }
        }
        return out;
    }

    private int bulkStart() {
        int from = next;
        next = from + BULK >= KEYS ? 0 : from + BULK;
        return from;
    }
}

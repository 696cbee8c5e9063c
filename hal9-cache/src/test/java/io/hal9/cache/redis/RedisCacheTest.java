package io.hal9.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.hal9.cache.CacheException;
import io.hal9.cache.CacheLoader;
import io.hal9.cache.ValueCodec;
import io.hal9.cache.codec.Codecs;
import io.hal9.redis.SharedRedis;
import io.hal9.testkit.RedisService;
import io.hal9.testkit.RequiresRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.event.command.CommandListener;
import io.lettuce.core.event.command.CommandStartedEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@RequiresRedis
@Timeout(30)
class RedisCacheTest {
    record Item(String sku, int count) {}

    record Profile(long id, String name, List<Item> items) {}

    private static final Profile ARTHUR = new Profile(1, "arthur", List.of(new Item("sword", 1)));

    private RedisClient client;
    private SharedRedis shared;
    private RedisCommands<String, String> raw;
    private StatefulRedisConnection<String, String> rawConnection;
    private final Map<String, LongAdder> commandCounts = new ConcurrentHashMap<>();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void connect(RedisService redis) {
        client = RedisClient.create(redis.uri());
        client.addListener(new CommandListener() {
            @Override
            public void commandStarted(CommandStartedEvent event) {
                commandCounts
                        .computeIfAbsent(event.getCommand().getType().toString(), t -> new LongAdder())
                        .increment();
            }
        });
        shared = SharedRedis.of(client);
        rawConnection = client.connect();
        raw = rawConnection.sync();
    }

    @AfterEach
    void disconnect() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
        shared.close();
        rawConnection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    private <V> RedisCache<String, V> cache(RedisService redis, String name, ValueCodec<V> codec) {
        return cache(redis, RedisCache.<String, V>builder(name, codec));
    }

    private <V> RedisCache<String, V> cache(RedisService redis, RedisCache.Builder<String, V> builder) {
        RedisCache<String, V> c =
                builder.redis(shared).keyPrefix(redis.keyPrefix()).build();
        toClose.add(c);
        return c;
    }

    private long count(String command) {
        LongAdder a = commandCounts.get(command);
        return a == null ? 0 : a.sum();
    }

    @Test
    void jsonCborAndBytesValuesRoundTripThroughRedis(RedisService redis) {
        RedisCache<String, Profile> json = cache(redis, "json", Codecs.json(Profile.class));
        RedisCache<String, Profile> cbor = cache(redis, "cbor", Codecs.cbor(Profile.class));
        RedisCache<String, byte[]> bytes = cache(redis, "bytes", Codecs.bytes());

        json.put("p1", ARTHUR);
        cbor.put("p1", ARTHUR);
        bytes.put("b1", new byte[] {1, 2, 3});

        assertThat(json.getIfPresent("p1")).isEqualTo(ARTHUR);
        assertThat(cbor.getIfPresent("p1")).isEqualTo(ARTHUR);
        assertThat(bytes.getIfPresent("b1")).containsExactly(1, 2, 3);
        assertThat(raw.get(redis.keyPrefix() + "json:p1")).contains("\"name\":\"arthur\"");
        assertThat(raw.strlen(redis.keyPrefix() + "cbor:p1")).isLessThan(raw.strlen(redis.keyPrefix() + "json:p1"));
        assertThat(json.redisStats().hits()).isEqualTo(1);
        assertThat(json.stats().puts()).isEqualTo(1);
    }

    @Test
    void keysLiveUnderPrefixNameAndKeyWithTheirTtlStoredInRedis(RedisService redis) {
        RedisCache<String, String> c = cache(
                redis, RedisCache.<String, String>builder("ttl", String.class).defaultTtl(Duration.ofMinutes(2)));
        assertThat(c.redisKey("a")).isEqualTo(redis.keyPrefix() + "ttl:a");
        assertThat(c.keyspace()).isEqualTo(redis.keyPrefix() + "ttl:");

        c.put("a", "default ttl");
        c.put("b", "own ttl", Duration.ofSeconds(30));
        c.put("c", "sub-millisecond ttl", Duration.ofNanos(1));

        assertThat(raw.pttl(c.redisKey("a"))).isBetween(110_000L, 120_000L);
        assertThat(raw.pttl(c.redisKey("b"))).isBetween(20_000L, 30_000L);
        assertThat(raw.pttl(c.redisKey("c"))).isLessThanOrEqualTo(1L); // rounded up to 1 ms, not to "no TTL"
        assertThatThrownBy(() -> c.put("d", "x", Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("redis cache 'ttl': ttl must be positive, was PT0S");
    }

    @Test
    void getAllReadsEveryKeyInOneMget(RedisService redis) {
        RedisCache<String, String> c = cache(redis, "bulk", Codecs.json(String.class));
        Map<String, String> entries = new HashMap<>();
        IntStream.range(0, 100).forEach(i -> entries.put("k" + i, "v" + i));
        c.putAll(entries);
        assertThat(count("SET")).isEqualTo(100);
        assertThat(raw.pttl(c.redisKey("k7"))).isPositive();

        List<String> keys = new ArrayList<>(entries.keySet());
        keys.add("absent");
        long getsBefore = count("GET");
        long mgetsBefore = count("MGET");
        Map<String, String> all = c.getAllPresent(keys);

        assertThat(all).isEqualTo(entries);
        assertThat(count("MGET") - mgetsBefore).isEqualTo(1);
        assertThat(count("GET")).isEqualTo(getsBefore);
        assertThat(c.redisStats().hits()).isEqualTo(100);
        assertThat(c.redisStats().misses()).isEqualTo(1);
    }

    @Test
    void getAllLoadsOnlyTheMissingKeysInOneLoadAllCallAndWritesThemBack(RedisService redis) {
        List<Set<? extends String>> batches = new CopyOnWriteArrayList<>();
        CacheLoader<String, String> loader = new CacheLoader<>() {
            @Override
            public String load(String key) {
                throw new AssertionError("loadAll expected");
            }

            @Override
            public Map<String, String> loadAll(Set<? extends String> keys) {
                batches.add(Set.copyOf(keys));
                Map<String, String> out = new HashMap<>();
                keys.forEach(k -> {
                    if (!k.equals("none")) {
                        out.put(k, "loaded-" + k);
                    }
                });
                return out;
            }
        };
        RedisCache<String, String> c = cache(
                redis,
                RedisCache.<String, String>builder("loadall", String.class).loader(loader));
        c.put("a", "cached");

        Map<String, String> all = c.getAll(List.of("a", "b", "c", "none"));

        assertThat(all).containsOnly(Map.entry("a", "cached"), Map.entry("b", "loaded-b"), Map.entry("c", "loaded-c"));
        assertThat(batches).containsExactly(Set.of("b", "c", "none"));
        assertThat(c.getIfPresent("b")).isEqualTo("loaded-b");
        assertThat(raw.exists(c.redisKey("none"))).isZero();
    }

    @Test
    void aKeyEvictedOrDeletedBehindTheCachesBackIsAMiss(RedisService redis) {
        RedisCache<String, String> c = cache(redis, "evicted", Codecs.json(String.class));
        c.put("k", "v");
        raw.del(c.redisKey("k")); // what allkeys-lru or a restart without persistence does
        assertThat(c.getIfPresent("k")).isNull();
        assertThat(c.redisStats().misses()).isEqualTo(1);
        assertThat(c.redisStats().errors()).isZero();
    }

    @Test
    void aCorruptValueIsAMissCountedReportedAndRemoved(RedisService redis) {
        List<String> reported = new CopyOnWriteArrayList<>();
        RedisCache<String, Profile> c = cache(
                redis,
                RedisCache.<String, Profile>builder("corrupt", Profile.class).listener(new RedisCacheListener() {
                    @Override
                    public void onCorruptEntry(String redisKey, Throwable cause) {
                        reported.add(redisKey);
                    }
                }));
        raw.set(c.redisKey("p"), "\u0000garbage{");

        assertThat(c.getIfPresent("p")).isNull();
        await().untilAsserted(() -> assertThat(raw.exists(c.redisKey("p"))).isZero()); // removed
        RedisCache.Stats s = c.redisStats();
        assertThat(s.corruptEntries()).isEqualTo(1);
        assertThat(s.misses()).isEqualTo(1);
        assertThat(s.errors()).isZero();
        assertThat(reported).containsExactly(c.redisKey("p"));

        raw.set(c.redisKey("p"), "corrupt again");
        assertThat(c.get("p", k -> ARTHUR)).isEqualTo(ARTHUR); // the loader's value overwrites it
        assertThat(c.getIfPresent("p")).isEqualTo(ARTHUR);
        assertThat(c.redisStats().corruptEntries()).isEqualTo(2);

        raw.set(c.redisKey("q"), "not json");
        assertThat(c.getAllPresent(List.of("p", "q"))).containsOnlyKeys("p");
        await().untilAsserted(() -> assertThat(raw.exists(c.redisKey("q"))).isZero());
    }

    @Test
    void anUnencodableValueFailsThePutWithTheCacheAndKey(RedisService redis) {
        RedisCache<String, Object> c = cache(redis, "enc", Codecs.json(Object.class));
        Object selfReferencing = new Object() {
            @SuppressWarnings("unused") // read by Jackson
            public Object getSelf() {
                return this;
            }
        };
        assertThatThrownBy(() -> c.put("k", selfReferencing))
                .isInstanceOf(CacheException.class)
                .hasMessageContaining("redis cache 'enc': cannot encode the value for key 'k'");
        assertThat(raw.exists(c.redisKey("k"))).isZero();
    }

    @Test
    void invalidateAllRemovesOnlyThisCachesKeys(RedisService redis) {
        RedisCache<String, String> mine = cache(
                redis, RedisCache.<String, String>builder("mine", String.class).scanBatchSize(7));
        RedisCache<String, String> other = cache(redis, "mine2", Codecs.json(String.class));
        Map<String, String> entries = new HashMap<>();
        IntStream.range(0, 50).forEach(i -> entries.put("k" + i, "v"));
        mine.putAll(entries);
        other.put("k1", "kept");
        raw.set(redis.keyPrefix() + "mine", "kept too");

        mine.invalidateAll();

        assertThat(raw.keys(redis.keyPrefix() + "mine:*")).isEmpty();
        assertThat(other.getIfPresent("k1")).isEqualTo("kept");
        assertThat(raw.get(redis.keyPrefix() + "mine")).isEqualTo("kept too");
        assertThat(mine.redisStats().invalidations()).isEqualTo(50);
    }

    @Test
    void invalidateRemovesOneOrManyKeys(RedisService redis) {
        RedisCache<String, String> c = cache(redis, "inv", Codecs.json(String.class));
        c.putAll(Map.of("a", "1", "b", "2", "c", "3"));
        c.invalidate("a");
        c.invalidateAll(List.of("b", "c", "absent"));
        assertThat(c.getAllPresent(List.of("a", "b", "c"))).isEmpty();
        assertThat(c.stats().invalidations()).isEqualTo(4);
    }

    @Test
    void aThousandConcurrentCallersMissingOneKeyCauseExactlyOneLoad(RedisService redis) throws Exception {
        RedisCache<String, String> c = cache(redis, "stampede", Codecs.json(String.class));
        int callers = 1_000;
        AtomicInteger loads = new AtomicInteger();
        AtomicInteger arrived = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        List<Future<String>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < callers; i++) {
                results.add(pool.submit(() -> {
                    arrived.incrementAndGet();
                    return c.get("hot", k -> {
                        loads.incrementAndGet();
                        try {
                            release.await(); // hold the load open while the others pile up
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        return "value-of-" + k;
                    });
                }));
            }
            await().until(() -> arrived.get() == callers && loads.get() == 1);
            release.countDown();
            for (Future<String> f : results) {
                assertThat(f.get(20, TimeUnit.SECONDS)).isEqualTo("value-of-hot");
            }
        }
        assertThat(loads).hasValue(1);
        assertThat(c.stats().loads()).isEqualTo(1);
        assertThat(raw.get(c.redisKey("hot"))).isEqualTo("\"value-of-hot\"");
        assertThat(raw.pttl(c.redisKey("hot"))).isPositive();
    }

    @Test
    void getWithTheConfiguredLoaderWrapsCheckedExceptionsAndCachesNothingForNull(RedisService redis) {
        RedisCache<String, String> c = cache(
                redis,
                RedisCache.<String, String>builder("loader", String.class).loader(key -> switch (key) {
                    case "checked" -> throw new java.io.IOException("db down");
                    case "unchecked" -> throw new IllegalStateException("bug");
                    case "none" -> null;
                    default -> "v-" + key;
                }));
        assertThat(c.get("x")).isEqualTo("v-x");
        assertThat(c.get("none")).isNull();
        assertThat(raw.exists(c.redisKey("none"))).isZero();
        assertThatThrownBy(() -> c.get("checked"))
                .isInstanceOf(CacheException.class)
                .hasMessageContaining("redis cache 'loader': loader failed for key 'checked'")
                .hasRootCauseInstanceOf(java.io.IOException.class);
        assertThatThrownBy(() -> c.get("unchecked"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("bug");
        assertThat(c.stats().loads()).isEqualTo(2);
        assertThat(c.stats().loadFailures()).isEqualTo(2);
    }

    @Test
    void asyncViewAnswersThroughFutures(RedisService redis) throws Exception {
        RedisCache<String, String> c = cache(
                redis, RedisCache.<String, String>builder("async", String.class).loader(k -> "loaded-" + k));
        var async = c.async();
        async.put("a", "1").get(5, TimeUnit.SECONDS);
        async.put("b", "2", Duration.ofSeconds(20)).get(5, TimeUnit.SECONDS);
        assertThat(async.getIfPresent("a").get(5, TimeUnit.SECONDS)).isEqualTo("1");
        assertThat(raw.pttl(c.redisKey("b"))).isBetween(10_000L, 20_000L);
        assertThat(async.get("z").get(5, TimeUnit.SECONDS)).isEqualTo("loaded-z");
        assertThat(c.getIfPresent("z")).isEqualTo("loaded-z");
        assertThat(async.getAll(List.of("a", "y")).get(5, TimeUnit.SECONDS))
                .containsOnly(Map.entry("a", "1"), Map.entry("y", "loaded-y"));
        async.invalidate("a").get(5, TimeUnit.SECONDS);
        assertThat(async.getIfPresent("a").get(5, TimeUnit.SECONDS)).isNull();
    }

    @Test
    void closingTheCacheLeavesTheSharedConnectionOpenAndRefusesFurtherCalls(RedisService redis) {
        RedisCache<String, String> c = cache(redis, "closing", Codecs.json(String.class));
        c.put("k", "v");
        c.close();
        c.close(); // idempotent
        assertThat(shared.isClosed()).isFalse();
        assertThat(shared.connection().isOpen()).isTrue();
        assertThatThrownBy(() -> c.getIfPresent("k"))
                .isInstanceOf(CacheException.class)
                .hasMessage("redis cache 'closing' is closed");
        assertThatThrownBy(() -> c.get("k"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("built without a loader");
    }

    @Test
    @SuppressWarnings("deprecation") // the deprecated uri(...) entry point, kept working until removed
    void aCacheWithItsOwnConnectionFromAUriWorksAndClosesIt(RedisService redis) {
        try (RedisCache<String, String> c = RedisCache.<String, String>builder("owned", String.class)
                .uri(redis.uri())
                .keyPrefix(redis.keyPrefix())
                .build()) {
            c.put("k", "v");
            assertThat(c.getIfPresent("k")).isEqualTo("v");
            assertThat(raw.get(redis.keyPrefix() + "owned:k")).isEqualTo("\"v\"");
        }
    }
}

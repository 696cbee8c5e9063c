package io.hal9.cache.near;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hal9.core.Ticker;
import io.hal9.redis.SharedRedis;
import io.hal9.testkit.RedisService;
import io.hal9.testkit.RequiresRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two near caches with separate Lettuce clients (two application instances) on the shared Redis, keys
 * and channels under the test's key prefix.
 */
@RequiresRedis
@Timeout(30)
class NearCacheTest {
    /** The bound the tests allow for a delivered invalidation message to reach the other instance. */
    private static final Duration DELIVERY_BOUND = Duration.ofSeconds(1);

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private String uri = "";
    private String prefix = "";
    private RedisClient rawClient;
    private StatefulRedisConnection<String, String> rawConnection;
    private RedisCommands<String, String> raw;

    @BeforeEach
    void connect(RedisService redis) {
        uri = redis.uri();
        prefix = redis.keyPrefix();
        rawClient = RedisClient.create(uri);
        rawConnection = rawClient.connect();
        raw = rawConnection.sync();
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
        List<String> keys = raw.keys(prefix + "*");
        if (!keys.isEmpty()) {
            raw.del(keys.toArray(String[]::new));
        }
        rawConnection.close();
        rawClient.shutdown();
    }

    private NearCache<String, String> instance(NearCache.Builder<String, String> b) {
        // a SharedRedis of its own per near cache, as each instance of a deployment has
        SharedRedis r = SharedRedis.create(uri);
        NearCache<String, String> c;
        try {
            c = b.redis(r).keyPrefix(prefix).build();
        } catch (RuntimeException e) {
            r.close();
            throw e;
        }
        toClose.add(c);
        toClose.add(r); // after the cache that uses it
        return c;
    }

    private NearCache<String, String> instance(String name) {
        return instance(NearCache.builder(name, String.class));
    }

    @Test
    void aWriteOnOneInstanceReachesTheOtherInstancesLocalLevelWithinTheBound() {
        NearCache<String, String> a = instance("items");
        NearCache<String, String> b = instance("items");
        a.put("k", "v1");
        awaitReceived(b, 1); // so that the message does not remove what B is about to cache
        assertThat(b.getIfPresent("k")).isEqualTo("v1"); // L2 hit, fills B's L1
        assertThat(b.getIfPresent("k")).isEqualTo("v1");
        assertThat(b.nearStats().l1Hits()).isEqualTo(1);
        assertThat(b.nearStats().l2Hits()).isEqualTo(1);

        a.put("k", "v2");
        await().atMost(DELIVERY_BOUND)
                .untilAsserted(() -> assertThat(b.getIfPresent("k")).isEqualTo("v2"));

        a.invalidate("k");
        await().atMost(DELIVERY_BOUND)
                .untilAsserted(() -> assertThat(b.getIfPresent("k")).isNull());

        a.put("x", "1");
        a.put("y", "2");
        awaitReceived(b, 5);
        assertThat(b.getIfPresent("x")).isEqualTo("1");
        assertThat(b.getIfPresent("y")).isEqualTo("2");
        a.invalidateAll();
        await().atMost(DELIVERY_BOUND).untilAsserted(() -> {
            assertThat(b.getIfPresent("x")).isNull();
            assertThat(b.getIfPresent("y")).isNull();
        });

        NearCache.Stats as = a.nearStats();
        NearCache.Stats bs = b.nearStats();
        assertThat(as.invalidationsSent()).isEqualTo(6);
        assertThat(as.invalidationsReceived()).isZero(); // its own messages are ignored
        assertThat(bs.invalidationsReceived()).isEqualTo(6);
        assertThat(bs.invalidationsMissed()).isZero();
        assertThat(bs.pubSubConnected()).isTrue();
    }

    private static void awaitReceived(NearCache<?, ?> c, long messages) {
        await().atMost(DELIVERY_BOUND).until(() -> c.nearStats().invalidationsReceived() == messages);
    }

    @Test
    void readersRacingWithWritesNeverKeepAValueOlderThanTheLastWrite() throws Exception {
        NearCache<String, String> a = instance("race");
        NearCache<String, String> b = instance("race");
        a.put("k", "0");
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        List<Future<?>> readers = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int r = 0; r < 2; r++) {
                readers.add(pool.submit(() -> {
                    while (!stop.get()) {
                        b.get("k", k -> "loaded");
                    }
                    return null;
                }));
            }
            int writes = 300;
            for (int i = 1; i <= writes; i++) {
                a.put("k", Integer.toString(i));
            }
            String last = Integer.toString(writes);
            await().atMost(DELIVERY_BOUND)
                    .untilAsserted(() -> assertThat(b.getIfPresent("k")).isEqualTo(last));
            awaitReceived(b, writes + 1);
            stop.set(true);
            for (Future<?> f : readers) {
                f.get(10, TimeUnit.SECONDS);
            }
            // No fill of an older value survived the messages: B's L1 holds the last value or nothing.
            assertThat(b.getIfPresent("k")).isEqualTo(last);
            assertThat(b.getIfPresent("k")).isEqualTo(last);
        }
        assertThat(b.nearStats().invalidationsMissed()).isZero();
    }

    @Test
    void aValueReadFromRedisBeforeAnInvalidationArrivedIsNotKeptInTheLocalLevel() throws Exception {
        CountDownLatch decoding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean armed = new java.util.concurrent.atomic.AtomicBoolean();
        io.hal9.cache.ValueCodec<String> plain = new io.hal9.cache.ValueCodec<>() {
            @Override
            public byte[] encode(String value) {
                return value.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            }

            @Override
            public String decode(byte[] bytes) {
                if (armed.compareAndSet(true, false)) {
                    decoding.countDown(); // B has the old value in hand and is about to fill L1
                    try {
                        release.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
            }
        };
        NearCache<String, String> a = instance(NearCache.builder("slowread", plain));
        NearCache<String, String> b = instance(NearCache.builder("slowread", plain));
        a.put("k", "old");
        awaitReceived(b, 1);
        armed.set(true);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<String> read = pool.submit(() -> b.getIfPresent("k"));
            assertThat(decoding.await(5, TimeUnit.SECONDS)).isTrue();
            a.put("k", "new");
            awaitReceived(b, 2); // the invalidation reached B while its read of "old" is in flight
            release.countDown();
            assertThat(read.get(5, TimeUnit.SECONDS)).isEqualTo("old"); // that caller saw the old value
        }
        long l1Hits = b.nearStats().l1Hits();
        assertThat(b.getIfPresent("k")).isEqualTo("new"); // the late fill of "old" was undone
        assertThat(b.nearStats().l1Hits()).isEqualTo(l1Hits);
    }

    @Test
    void getAllLoadsOnlyTheMissesInOneCallAndTheAsyncViewAnswers() throws Exception {
        List<java.util.Set<? extends String>> calls = new java.util.concurrent.CopyOnWriteArrayList<>();
        NearCache<String, String> c = instance(NearCache.<String, String>builder("bulk", String.class)
                .loader(new io.hal9.cache.CacheLoader<>() {
                    @Override
                    public String load(String key) {
                        return "one-" + key;
                    }

                    @Override
                    public java.util.Map<String, String> loadAll(java.util.Set<? extends String> keys) {
                        calls.add(java.util.Set.copyOf(keys));
                        java.util.Map<String, String> out = new java.util.HashMap<>();
                        keys.forEach(k -> out.put(k, "bulk-" + k));
                        return out;
                    }
                }));
        c.put("a", "A");
        assertThat(c.getAll(List.of("a", "b", "c")))
                .containsExactlyInAnyOrderEntriesOf(java.util.Map.of("a", "A", "b", "bulk-b", "c", "bulk-c"));
        assertThat(calls).containsExactly(java.util.Set.of("b", "c"));
        assertThat(raw.get(prefix + "bulk:b")).isEqualTo("\"bulk-b\"");
        assertThat(c.getAllPresent(List.of("b", "c", "d"))).containsOnlyKeys("b", "c");
        assertThat(c.async().get("e").get(5, TimeUnit.SECONDS)).isEqualTo("one-e");
        assertThat(c.async().getIfPresent("e").get(5, TimeUnit.SECONDS)).isEqualTo("one-e");
        c.async().invalidate("e").get(5, TimeUnit.SECONDS);
        assertThat(c.async().getIfPresent("e").get(5, TimeUnit.SECONDS)).isNull();
        NearCache.Stats s = c.nearStats();
        assertThat(s.loads()).isEqualTo(2);
        assertThat(s.toCacheStats().hits()).isEqualTo(s.l1Hits() + s.l2Hits());
    }

    @Test
    void aSequenceGapClearsTheLocalLevelAndCountsTheMissedMessages() {
        List<Long> missed = new ArrayList<>();
        NearCache<String, String> b =
                instance(NearCache.<String, String>builder("gap", String.class).listener(new NearCacheListener() {
                    @Override
                    public void onInvalidationsMissed(String senderId, long count) {
                        synchronized (missed) {
                            missed.add(count);
                        }
                    }
                }));
        b.put("kept", "v");
        assertThat(b.getIfPresent("kept")).isEqualTo("v");
        assertThat(b.nearStats().l1Size()).isEqualTo(1);

        raw.publish(b.channel(), "1|crafted|1|k|other");
        await().atMost(DELIVERY_BOUND).until(() -> b.nearStats().invalidationsReceived() == 1);
        assertThat(b.nearStats().invalidationsMissed()).isZero();
        assertThat(b.nearStats().l1Size()).isEqualTo(1);

        raw.publish(b.channel(), "1|crafted|4|k|other"); // 2 and 3 never sent
        await().atMost(DELIVERY_BOUND).until(() -> b.nearStats().invalidationsMissed() == 2);
        assertThat(b.nearStats().l1Size()).isZero();
        assertThat(b.nearStats().resyncs()).isEqualTo(1);
        synchronized (missed) {
            assertThat(missed).containsExactly(2L);
        }
        long l1Hits = b.nearStats().l1Hits();
        assertThat(b.getIfPresent("kept")).isEqualTo("v"); // from Redis again
        assertThat(b.nearStats().l1Hits()).isEqualTo(l1Hits);

        raw.publish(b.channel(), "1|crafted|5|k|other"); // in sequence again
        await().atMost(DELIVERY_BOUND).until(() -> b.nearStats().invalidationsReceived() == 3);
        assertThat(b.nearStats().invalidationsMissed()).isEqualTo(2);
    }

    @Test
    void aBulkWriteFillsTheWritersLocalLevelAndReachesTheOtherInstanceInAFewMessages() {
        NearCache<String, String> a = instance("bulk");
        NearCache<String, String> b = instance("bulk");
        // Long enough that the keys take several messages; some with the message format's separators.
        Map<String, String> old = new LinkedHashMap<>();
        for (int i = 0; i < 5_000; i++) {
            old.put("player:" + i + ":inventory", "old" + i);
        }
        old.put("a|b", "old-pipe");
        old.put("12:x", "old-colon");
        old.put("", "old-empty");

        long received = b.nearStats().invalidationsReceived();
        a.putAll(old);
        // Every key is in the writer's L1 (before, fills undid each other when keys shared a stripe).
        assertThat(a.nearStats().l1Size()).isEqualTo(old.size());
        for (String k : old.keySet()) {
            assertThat(a.getIfPresent(k)).isEqualTo(old.get(k));
        }
        assertThat(a.nearStats().l1Hits()).isEqualTo(old.size());
        assertThat(a.nearStats().l2Hits()).isZero();
        long messages = awaitAllDelivered(a, b, received);
        // 5,003 keys in about 128 KiB of payload: a handful of messages (not one per key), none failed.
        assertThat(messages).isBetween(4L, 8L);
        assertThat(a.nearStats().publishFailures()).isZero();

        for (String k : old.keySet()) { // fills B's L1 with the old values
            assertThat(b.getIfPresent(k)).isEqualTo(old.get(k));
        }
        assertThat(b.nearStats().l1Size()).isEqualTo(old.size());

        Map<String, String> changed = new LinkedHashMap<>();
        old.keySet().forEach(k -> changed.put(k, "new:" + k));
        received = b.nearStats().invalidationsReceived();
        a.putAll(changed);
        assertThat(awaitAllDelivered(a, b, received)).isEqualTo(messages);
        // Counted around the reads only: the marker's own reads may go to Redis (its fill is undone when
        // one of A's messages bumps its stripe meanwhile).
        long l2HitsBefore = b.nearStats().l2Hits();
        for (String k : changed.keySet()) {
            assertThat(b.getIfPresent(k)).isEqualTo("new:" + k);
        }
        assertThat(b.nearStats().l2Hits() - l2HitsBefore).isEqualTo(old.size()); // every key from Redis again

        received = b.nearStats().invalidationsReceived();
        a.invalidateAll(changed.keySet());
        assertThat(awaitAllDelivered(a, b, received)).isEqualTo(messages);
        assertThat(b.nearStats().l1Size()).isZero();
        assertThat(b.getIfPresent("a|b")).isNull();
        assertThat(b.nearStats().invalidationsMissed()).isZero();
        assertThat(b.nearStats().resyncs()).isZero();
        assertThat(a.nearStats().publishFailures()).isZero();
    }

    /**
     * Waits until {@code to} has processed every message {@code from} sent so far, by sending one more (the
     * invalidation of a marker that {@code to} holds in L1) and waiting for its effect; messages arrive in
     * order. Returns how many messages {@code to} received after its count was {@code received}, not
     * counting the marker's.
     */
    private static long awaitAllDelivered(NearCache<String, String> from, NearCache<String, String> to, long received) {
        to.put("~marker", "m");
        assertThat(to.getIfPresent("~marker")).isEqualTo("m");
        from.invalidate("~marker");
        await().atMost(DELIVERY_BOUND).until(() -> to.getIfPresent("~marker") == null);
        return to.nearStats().invalidationsReceived() - received - 1;
    }

    @Test
    void multiKeyMessagesAreReadExactlyAndAnUnreadableOneClearsTheLocalLevel() {
        NearCache<String, String> b = instance("multi");
        b.put("k1", "v");
        b.put("a|b", "v");
        b.put("kept", "v");
        assertThat(b.nearStats().l1Size()).isEqualTo(3);

        raw.publish(b.channel(), "1|crafted|1|m|2:k13:a|b");
        awaitReceived(b, 1);
        assertThat(b.nearStats().l1Size()).isEqualTo(1);
        assertThat(b.getIfPresent("kept")).isEqualTo("v");
        assertThat(b.nearStats().l2Hits()).isZero();

        raw.publish(b.channel(), "1|crafted|2|m|9:short"); // the length runs past the end
        await().atMost(DELIVERY_BOUND).until(() -> b.nearStats().resyncs() == 1);
        assertThat(b.nearStats().l1Size()).isZero();

        assertThat(b.getIfPresent("kept")).isEqualTo("v"); // from Redis, into L1 again
        assertThat(b.nearStats().l1Size()).isEqualTo(1);
        raw.publish(b.channel(), "1|crafted|3|z|from a newer version");
        await().atMost(DELIVERY_BOUND).until(() -> b.nearStats().resyncs() == 2);
        assertThat(b.nearStats().l1Size()).isZero();
        assertThat(b.nearStats().invalidationsMissed()).isZero();
    }

    @Test
    void aThousandConcurrentMissesOfOneKeyLoadItOnce() throws Exception {
        NearCache<String, String> c = instance("stampede");
        AtomicInteger loads = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        int callers = 1_000;
        CyclicBarrier start = new CyclicBarrier(callers + 1);
        List<Future<String>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < callers; i++) {
                results.add(pool.submit(() -> {
                    start.await(10, TimeUnit.SECONDS);
                    return c.get("hot", k -> {
                        loads.incrementAndGet();
                        try {
                            release.await(10, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        return "loaded";
                    });
                }));
            }
            start.await(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(5)).until(() -> loads.get() >= 1);
            release.countDown();
            for (Future<String> f : results) {
                assertThat(f.get(10, TimeUnit.SECONDS)).isEqualTo("loaded");
            }
        }
        assertThat(loads).hasValue(1);
        assertThat(c.nearStats().loads()).isEqualTo(1);
        assertThat(raw.get(prefix + "stampede:hot")).isEqualTo("\"loaded\"");
    }

    @Test
    void theLocalTimeToLiveCapsStalenessWhenAMessageIsLost() {
        AtomicLong now = new AtomicLong(1_000);
        Ticker ticker = now::get;
        NearCache<String, String> b = instance(NearCache.<String, String>builder("ttl", String.class)
                .ticker(ticker)
                .l1Ttl(Duration.ofSeconds(5)));
        b.put("k", "old");
        assertThat(b.getIfPresent("k")).isEqualTo("old");
        // Another writer changes Redis without any message (a lost invalidation).
        raw.set(prefix + "ttl:k", "\"new\"");
        now.addAndGet(Duration.ofMillis(4_999).toNanos());
        assertThat(b.getIfPresent("k")).isEqualTo("old"); // stale, but within l1Ttl
        now.addAndGet(Duration.ofMillis(1).toNanos());
        assertThat(b.getIfPresent("k")).isEqualTo("new"); // l1Ttl reached: L1 no longer serves it
    }

    @Test
    @SuppressWarnings("deprecation") // the deprecated uri(...) entry point, kept working until removed
    void theBuilderRefusesAMissingUriAndTwoSources() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                        NearCache.<String, String>builder("c", String.class).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("near cache 'c': redis or uri must be set");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> NearCache.<String, String>builder("c", String.class)
                        .uri("redis-cluster://h:7000")
                        .uri("redis://h:6379"))
                .isInstanceOf(IllegalStateException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> NearCache.<String, String>builder("c", String.class)
                        .l1Ttl(Duration.ofSeconds(1))
                        .l1Ttl(Duration.ofSeconds(2)))
                .isInstanceOf(IllegalStateException.class);
    }
}

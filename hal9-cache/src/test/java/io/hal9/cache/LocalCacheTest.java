package io.hal9.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hal9.testkit.ManualClock;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class LocalCacheTest {
    private final ManualClock ticker = new ManualClock();

    @Test
    void entryExpiresAfterWriteOnTheInjectedTicker() {
        try (LocalCache<String, String> cache = LocalCache.<String, String>builder("ttl")
                .expireAfterWrite(Duration.ofSeconds(60))
                .ticker(ticker::read)
                .executor(Runnable::run)
                .build()) {
            cache.put("lobby", "v1");
            ticker.advance(Duration.ofSeconds(59));
            assertThat(cache.getIfPresent("lobby")).isEqualTo("v1");
            ticker.advance(Duration.ofSeconds(1));
            assertThat(cache.getIfPresent("lobby")).isNull();
            cache.cleanUp();
            assertThat(cache.stats().evictions()).isEqualTo(1);
        }
    }

    @Test
    void readsKeepAnEntryAliveUnderExpireAfterAccess() {
        try (LocalCache<String, String> cache = LocalCache.<String, String>builder("idle")
                .expireAfterAccess(Duration.ofSeconds(10))
                .ticker(ticker::read)
                .executor(Runnable::run)
                .build()) {
            cache.put("session", "s");
            for (int i = 0; i < 5; i++) {
                ticker.advance(Duration.ofSeconds(9));
                assertThat(cache.getIfPresent("session")).isEqualTo("s");
            }
            ticker.advance(Duration.ofSeconds(10));
            assertThat(cache.getIfPresent("session")).isNull();
        }
    }

    @Test
    void perEntryTtlOverridesTheDefaultForThatEntryOnly() {
        try (LocalCache<String, String> cache = LocalCache.<String, String>builder("ttl")
                .expireAfterWrite(Duration.ofSeconds(60))
                .ticker(ticker::read)
                .executor(Runnable::run)
                .build()) {
            cache.put("short", "a", Duration.ofSeconds(5));
            cache.put("long", "b", Duration.ofMinutes(10));
            cache.put("default", "c");
            ticker.advance(Duration.ofSeconds(5));
            assertThat(cache.getIfPresent("short")).isNull();
            ticker.advance(Duration.ofSeconds(55));
            assertThat(cache.getIfPresent("default")).isNull();
            assertThat(cache.getIfPresent("long")).isEqualTo("b");
            ticker.advance(Duration.ofMinutes(9));
            assertThat(cache.getIfPresent("long")).isNull();
            assertThatThrownBy(() -> cache.put("x", "y", Duration.ZERO))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("local cache 'ttl': ttl must be positive, was PT0S");
        }
    }

    @Test
    void sizeBoundEvictsAndTellsTheListener() {
        List<LocalCacheListener.EvictionReason> reasons = new CopyOnWriteArrayList<>();
        try (LocalCache<Integer, Integer> cache = LocalCache.<Integer, Integer>builder("items")
                .maximumSize(100)
                .executor(Runnable::run)
                .listener(new LocalCacheListener<Integer, Integer>() {
                    @Override
                    public void onEviction(String c, Integer key, Integer value, EvictionReason reason) {
                        reasons.add(reason);
                    }
                })
                .build()) {
            for (int i = 0; i < 1_000; i++) {
                cache.put(i, i);
            }
            cache.cleanUp();
            assertThat(cache.stats().size()).isEqualTo(100);
            assertThat(cache.stats().evictions()).isEqualTo(900);
            assertThat(reasons).hasSize(900).containsOnly(LocalCacheListener.EvictionReason.SIZE);
        }
    }

    @Test
    void weightBoundKeepsTotalBytesUnderTheMaximum() {
        try (LocalCache<Integer, byte[]> cache = LocalCache.<Integer, byte[]>builder("maps")
                .maximumWeight(1_000, (k, v) -> v.length)
                .executor(Runnable::run)
                .build()) {
            for (int i = 0; i < 50; i++) {
                cache.put(i, new byte[100]);
            }
            cache.cleanUp();
            assertThat(cache.stats().size()).isEqualTo(10);
            assertThat(cache.stats().evictions()).isEqualTo(40);
        }
    }

    @Test
    void loaderReturningNullMeansAbsentAndCachesNothing() {
        AtomicInteger calls = new AtomicInteger();
        try (LocalCache<String, String> cache = LocalCache.<String, String>builder("c")
                .loader(k -> {
                    calls.incrementAndGet();
                    return null;
                })
                .build()) {
            assertThat(cache.get("nobody")).isNull();
            assertThat(cache.get("nobody")).isNull();
            assertThat(cache.getIfPresent("nobody")).isNull();
            assertThat(calls).hasValue(2);
            assertThat(cache.stats().loads()).isEqualTo(2);
            assertThat(cache.stats().loadFailures()).isZero();
        }
    }

    @Test
    void checkedLoaderExceptionIsWrappedNamingCacheAndKey() {
        List<Set<?>> failedKeys = new CopyOnWriteArrayList<>();
        IOException disk = new IOException("disk gone");
        try (LocalCache<String, String> cache = LocalCache.<String, String>builder("profiles")
                .loader(k -> {
                    throw disk;
                })
                .listener(new LocalCacheListener<String, String>() {
                    @Override
                    public void onLoadFailure(String c, Set<? extends String> keys, Throwable error) {
                        failedKeys.add(Set.copyOf(keys));
                    }
                })
                .build()) {
            assertThatThrownBy(() -> cache.get("p42"))
                    .isInstanceOf(CacheException.class)
                    .hasMessageContaining("local cache 'profiles'")
                    .hasMessageContaining("'p42'")
                    .hasCause(disk);
            assertThat(cache.stats().loadFailures()).isEqualTo(1);
            assertThat(failedKeys).containsExactly(Set.of("p42"));
            IllegalStateException unchecked = new IllegalStateException("boom");
            assertThatThrownBy(() -> cache.get("p1", k -> {
                        throw unchecked;
                    }))
                    .isSameAs(unchecked);
        }
    }

    @Test
    void statsCountHitsMissesLoadsPutsInvalidationsAndLoadTime() {
        try (LocalCache<String, String> cache = LocalCache.<String, String>builder("c")
                .ticker(ticker::read)
                .executor(Runnable::run)
                .build()) {
            assertThat(cache.getIfPresent("a")).isNull();
            cache.put("a", "1");
            cache.putAll(Map.of("b", "2", "c", "3"));
            assertThat(cache.getIfPresent("a")).isEqualTo("1");
            assertThat(cache.get("d", k -> {
                        ticker.advance(Duration.ofMillis(7));
                        return "4";
                    }))
                    .isEqualTo("4");
            cache.invalidate("a");
            cache.invalidate("a");
            cache.invalidateAll(List.of("b", "zz"));
            CacheStats s = cache.stats();
            assertThat(s.hits()).isEqualTo(1);
            assertThat(s.misses()).isEqualTo(2);
            assertThat(s.loads()).isEqualTo(1);
            assertThat(s.totalLoadNanos()).isEqualTo(Duration.ofMillis(7).toNanos());
            assertThat(s.puts()).isEqualTo(3);
            assertThat(s.invalidations()).isEqualTo(2);
            assertThat(s.size()).isEqualTo(2);
            cache.invalidateAll();
            assertThat(cache.stats().invalidations()).isEqualTo(4);
            assertThat(cache.stats().size()).isZero();
        }
    }

    @Test
    void getAllLoadsAllMissesInOneLoadAllCall() {
        List<Set<Integer>> batches = new CopyOnWriteArrayList<>();
        CacheLoader<Integer, String> loader = new CacheLoader<>() {
            @Override
            public String load(Integer key) {
                throw new AssertionError("single load for " + key);
            }

            @Override
            public Map<Integer, String> loadAll(Set<? extends Integer> keys) {
                batches.add(Set.copyOf(keys));
                Map<Integer, String> out = new HashMap<>();
                keys.stream().filter(k -> k % 10 != 0).forEach(k -> out.put(k, "v" + k));
                return out;
            }
        };
        try (LocalCache<Integer, String> cache =
                LocalCache.<Integer, String>builder("bulk").loader(loader).build()) {
            cache.put(1, "cached");
            List<Integer> keys = new ArrayList<>();
            for (int i = 1; i <= 100; i++) {
                keys.add(i);
            }
            Map<Integer, String> all = cache.getAll(keys);
            assertThat(batches).hasSize(1);
            assertThat(batches.get(0)).hasSize(99).doesNotContain(1);
            assertThat(all)
                    .hasSize(90)
                    .containsEntry(1, "cached")
                    .containsEntry(2, "v2")
                    .doesNotContainKey(10);
            assertThat(cache.stats().loads()).isEqualTo(1);
        }
    }

    @Test
    void callsWithoutALoaderAreRefusedAndAClosedCacheRefusesEverything() {
        LocalCache<String, String> cache =
                LocalCache.<String, String>builder("c").build();
        assertThatThrownBy(() -> cache.get("k"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("local cache 'c': get(key) needs a loader");
        assertThatThrownBy(() -> cache.getAll(List.of("k"))).isInstanceOf(IllegalStateException.class);
        cache.put("k", "v");
        cache.close();
        cache.close();
        assertThat(cache.isClosed()).isTrue();
        assertThatThrownBy(() -> cache.getIfPresent("k"))
                .isInstanceOf(CacheException.class)
                .hasMessage("local cache 'c' is closed");
        assertThatThrownBy(() -> cache.put("k", "v")).isInstanceOf(CacheException.class);
        assertThat(cache.async().getIfPresent("k")).isCompletedExceptionally();
    }

    @Test
    void asyncLoadsOfOneKeyAreCoalescedAndCached() {
        try (LocalCache<String, String> cache =
                LocalCache.<String, String>builder("async").build()) {
            AtomicInteger calls = new AtomicInteger();
            CompletableFuture<String> source = new CompletableFuture<>();
            CompletableFuture<String> first = cache.async().get("k", k -> {
                calls.incrementAndGet();
                return source;
            });
            CompletableFuture<String> second = cache.async().get("k", k -> {
                calls.incrementAndGet();
                return source;
            });
            assertThat(first).isNotDone();
            source.complete("v");
            assertThat(first.join()).isEqualTo("v");
            assertThat(second.join()).isEqualTo("v");
            assertThat(calls).hasValue(1);
            assertThat(cache.getIfPresent("k")).isEqualTo("v");
            assertThat(cache.async().getIfPresent("k").join()).isEqualTo("v");
            assertThat(cache.stats().loads()).isEqualTo(1);
        }
    }
}

package io.hal9.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Cache} promises in its interface's documentation, run against each kind (local, Redis,
 * near) by a subclass that says how to build one: reads of one's own writes, invalidation, loading once per
 * key and never caching a {@code null}, loader exceptions reaching the caller unchanged, one {@code loadAll}
 * for the missing keys of a {@code getAll}, the options refused, and the asynchronous view agreeing with the
 * synchronous one. What differs between kinds (eviction, TTL precision, Redis outages) stays in each kind's own
 * tests.
 */
public abstract class CacheContract {
    private static final AtomicLong NAMES = new AtomicLong();
    private final List<Cache<?, ?>> open = new ArrayList<>();

    /**
     * A new, empty cache of strings named {@code name} (unique per test), with {@code loader} as its
     * configured loader when not null. The contract closes it.
     */
    protected abstract Cache<String, String> create(String name, @Nullable CacheLoader<String, String> loader);

    private Cache<String, String> cache(@Nullable CacheLoader<String, String> loader) {
        Cache<String, String> c = create("contract-" + NAMES.incrementAndGet(), loader);
        open.add(c);
        return c;
    }

    @AfterEach
    void closeCaches() {
        for (Cache<?, ?> c : open) {
            c.close();
            c.close(); // idempotent
        }
        afterCachesClosed();
    }

    /** Runs after the test's caches are closed: where a subclass releases what they shared. */
    protected void afterCachesClosed() {}

    /**
     * How many lookups of {@code cache} have missed so far, or -1 when the kind does not say. A kind whose
     * caller looks the key up remotely before it joins the running load (the Redis cache) reports it, so that
     * the stampede test releases the load only once every caller has missed: a caller that missed before the
     * load wrote its value back but joined after the load ended loads again, which the interface does not
     * forbid (it promises one load for the callers that miss while it runs).
     */
    protected long misses(Cache<String, String> cache) {
        return -1;
    }

    @Test
    void aWriteIsReadBackAndAnInvalidationRemovesIt() {
        Cache<String, String> c = cache(null);
        assertThat(c.getIfPresent("a")).isNull();
        c.put("a", "1");
        c.put("b", "2", Duration.ofMinutes(1));
        c.putAll(Map.of("c", "3", "d", "4"));
        assertThat(c.getIfPresent("a")).isEqualTo("1");
        assertThat(c.getAllPresent(List.of("a", "b", "c", "d", "e")))
                .containsExactlyInAnyOrderEntriesOf(Map.of("a", "1", "b", "2", "c", "3", "d", "4"));
        c.put("a", "1b");
        assertThat(c.getIfPresent("a")).isEqualTo("1b");

        c.invalidate("a");
        assertThat(c.getIfPresent("a")).isNull();
        c.invalidateAll(List.of("b", "c"));
        assertThat(c.getAllPresent(List.of("a", "b", "c", "d"))).containsExactly(Map.entry("d", "4"));
        c.invalidateAll();
        assertThat(c.getIfPresent("d")).isNull();
    }

    @Test
    void aMissIsLoadedOnceAndCachedButANullIsNeverCached() {
        Cache<String, String> c = cache(null);
        AtomicInteger loads = new AtomicInteger();
        assertThat(c.get("k", k -> {
                    loads.incrementAndGet();
                    return "v-" + k;
                }))
                .isEqualTo("v-k");
        assertThat(c.get("k", k -> "other")).as("a hit does not load").isEqualTo("v-k");
        assertThat(loads).hasValue(1);

        assertThat(c.get("none", k -> {
                    loads.incrementAndGet();
                    return null;
                }))
                .isNull();
        assertThat(c.getIfPresent("none")).isNull();
        assertThat(c.get("none", k -> "now"))
                .as("nothing was cached for the null")
                .isEqualTo("now");
    }

    @Test
    void aLoadersUncheckedExceptionReachesTheCallerUnchangedAndNothingIsCached() {
        Cache<String, String> c = cache(null);
        IllegalStateException boom = new IllegalStateException("source down");
        assertThatThrownBy(() -> c.get("k", k -> {
                    throw boom;
                }))
                .isSameAs(boom);
        assertThat(c.getIfPresent("k")).isNull();
    }

    @Test
    void callersMissingTheSameKeyTogetherShareOneLoad() throws Exception {
        Cache<String, String> c = cache(null);
        int callers = 8;
        AtomicInteger loads = new AtomicInteger();
        CountDownLatch loading = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        try {
            List<Future<String>> answers = new ArrayList<>();
            answers.add(pool.submit(() -> c.get("hot", k -> {
                loads.incrementAndGet();
                loading.countDown();
                awaitQuietly(release);
                return "loaded";
            })));
            assertThat(loading.await(10, TimeUnit.SECONDS)).isTrue();
            long missesBefore = misses(c);
            for (int i = 1; i < callers; i++) {
                answers.add(pool.submit(() -> c.get("hot", k -> {
                    loads.incrementAndGet();
                    return "second load";
                })));
            }
            if (missesBefore >= 0) {
                org.awaitility.Awaitility.await()
                        .atMost(java.time.Duration.ofSeconds(10))
                        .until(() -> misses(c) >= missesBefore + callers - 1);
            }
            release.countDown();
            for (Future<String> a : answers) {
                // a caller that arrived after the load finished gets the cached value: the same either way
                assertThat(a.get(10, TimeUnit.SECONDS)).isEqualTo("loaded");
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(loads).hasValue(1);
    }

    @Test
    void getAllLoadsOnlyTheMissingKeysInOneCallAndLeavesOutKeysWithoutAValue() {
        List<Set<? extends String>> calls = new ArrayList<>();
        CacheLoader<String, String> loader = new CacheLoader<>() {
            @Override
            public String load(String key) {
                throw new AssertionError("getAll must use loadAll, not load(" + key + ")");
            }

            @Override
            public Map<String, String> loadAll(Set<? extends String> keys) {
                calls.add(Set.copyOf(keys));
                Map<String, String> out = new HashMap<>();
                for (String k : keys) {
                    if (!k.startsWith("none")) {
                        out.put(k, "v-" + k);
                    }
                }
                return out;
            }
        };
        Cache<String, String> c = cache(loader);
        c.put("a", "cached");
        assertThat(c.getAll(List.of("a", "b", "c", "none1")))
                .containsExactlyInAnyOrderEntriesOf(Map.of("a", "cached", "b", "v-b", "c", "v-c"));
        assertThat(calls).containsExactly(Set.of("b", "c", "none1"));
        assertThat(c.getIfPresent("b")).isEqualTo("v-b");
    }

    @Test
    void getWithTheConfiguredLoaderLoadsAndWithoutOneIsRefused() {
        Cache<String, String> with = cache(key -> "v-" + key);
        assertThat(with.get("x")).isEqualTo("v-x");
        assertThat(with.getIfPresent("x")).isEqualTo("v-x");

        Cache<String, String> without = cache(null);
        assertThatThrownBy(() -> without.get("x")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> without.getAll(List.of("x"))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aTimeToLiveThatIsNotPositiveIsRefusedAndChangesNothing() {
        Cache<String, String> c = cache(null);
        c.put("k", "kept");
        assertThatThrownBy(() -> c.put("k", "v", Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> c.put("k", "v", Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
        assertThat(c.getIfPresent("k")).isEqualTo("kept");
    }

    @Test
    void theAsynchronousViewAgreesWithTheSynchronousOne() throws Exception {
        Cache<String, String> c = cache(key -> "v-" + key);
        Cache.AsyncCache<String, String> a = c.async();
        a.put("p", "1").get(10, TimeUnit.SECONDS);
        assertThat(c.getIfPresent("p")).isEqualTo("1");
        assertThat(a.getIfPresent("p").get(10, TimeUnit.SECONDS)).isEqualTo("1");
        assertThat(a.get("q").get(10, TimeUnit.SECONDS)).isEqualTo("v-q");
        assertThat(c.getIfPresent("q")).isEqualTo("v-q");
        assertThat(a.getAll(List.of("p", "r")).get(10, TimeUnit.SECONDS))
                .containsExactlyInAnyOrderEntriesOf(Map.of("p", "1", "r", "v-r"));
        a.invalidate("p").get(10, TimeUnit.SECONDS);
        assertThat(c.getIfPresent("p")).isNull();
    }

    @Test
    void itsNameIsTheOneItWasBuiltWith() {
        Cache<String, String> c = create("contract-named-" + NAMES.incrementAndGet(), null);
        open.add(c);
        assertThat(c.name()).startsWith("contract-named-");
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("not released within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

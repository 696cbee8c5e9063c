package io.hal9.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hal9.cache.LocalTestSupport.ManualExecutor;
import io.hal9.testkit.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class LocalCacheRefreshTest {
    private final ManualClock ticker = new ManualClock();
    private final ManualExecutor executor = new ManualExecutor();
    private final List<Set<Integer>> batches = new CopyOnWriteArrayList<>();
    private final AtomicInteger version = new AtomicInteger(1);
    private final AtomicBoolean failing = new AtomicBoolean();

    private final CacheLoader<Integer, String> loader = new CacheLoader<>() {
        @Override
        public String load(Integer key) {
            throw new AssertionError("single load of " + key + ": every load here should be a bulk load");
        }

        @Override
        public Map<Integer, String> loadAll(Set<? extends Integer> keys) {
            batches.add(Set.copyOf(keys));
            if (failing.get()) {
                throw new IllegalStateException("database down");
            }
            Map<Integer, String> out = new HashMap<>();
            keys.forEach(k -> out.put(k, k + "@v" + version.get()));
            return out;
        }
    };

    private LocalCache<Integer, String> cache(int batchSize) {
        return LocalCache.<Integer, String>builder("leaderboard")
                .loader(loader)
                .expireAfterWrite(Duration.ofMinutes(10))
                .refreshAfterWrite(Duration.ofMinutes(1))
                .refreshBatchWindow(Duration.ZERO)
                .refreshBatchSize(batchSize)
                .ticker(ticker::read)
                .executor(executor)
                .build();
    }

    private static List<Integer> keys(int n) {
        List<Integer> keys = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            keys.add(i);
        }
        return keys;
    }

    @Test
    void staleEntriesAreReloadedInOneBulkCallWhileTheOldValueIsServed() {
        try (LocalCache<Integer, String> cache = cache(256)) {
            cache.getAll(keys(50));
            assertThat(batches).hasSize(1);
            version.set(2);
            ticker.advance(Duration.ofMinutes(2));
            for (int round = 0; round < 3; round++) {
                for (int k = 1; k <= 50; k++) {
                    assertThat(cache.getIfPresent(k))
                            .as("old value served while reloading")
                            .isEqualTo(k + "@v1");
                }
            }
            assertThat(batches).as("nothing reloaded before the batch runs").hasSize(1);
            executor.runAll();
            assertThat(batches).hasSize(2);
            assertThat(batches.get(1))
                    .as("one reload per key, all keys in one loadAll")
                    .hasSize(50);
            for (int k = 1; k <= 50; k++) {
                assertThat(cache.getIfPresent(k)).isEqualTo(k + "@v2");
            }
            assertThat(cache.stats().loads()).isEqualTo(2);
        }
    }

    @Test
    void aFullBatchGoesToTheLoaderWithoutWaitingForTheWindow() {
        try (LocalCache<Integer, String> cache = cache(10)) {
            cache.getAll(keys(25));
            ticker.advance(Duration.ofMinutes(2));
            keys(25).forEach(cache::getIfPresent);
            executor.runAll();
            assertThat(batches.subList(1, batches.size())).extracting(Set::size).containsExactlyInAnyOrder(10, 10, 5);
        }
    }

    @Test
    void refreshesAskedForWithinTheWindowShareOneLoadAll() {
        try (LocalCache<Integer, String> cache = LocalCache.<Integer, String>builder("leaderboard")
                .loader(loader)
                .refreshAfterWrite(Duration.ofMinutes(1))
                .refreshBatchWindow(Duration.ofMillis(100))
                .ticker(ticker::read)
                .executor(executor)
                .build()) {
            cache.getAll(keys(20));
            version.set(2);
            ticker.advance(Duration.ofMinutes(2));
            keys(20).forEach(cache::getIfPresent);
            executor.runAll();
            assertThat(batches).as("the batch waits for its window").hasSize(1);
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                executor.runAll();
                assertThat(batches).hasSize(2);
            });
            assertThat(batches.get(1)).hasSize(20);
            assertThat(cache.getIfPresent(7)).isEqualTo("7@v2");
        }
    }

    @Test
    void aFailedRefreshKeepsTheOldValueUntilItExpires() {
        List<Set<?>> failures = new CopyOnWriteArrayList<>();
        try (LocalCache<Integer, String> cache = LocalCache.<Integer, String>builder("leaderboard")
                .loader(loader)
                .expireAfterWrite(Duration.ofMinutes(10))
                .refreshAfterWrite(Duration.ofMinutes(1))
                .refreshBatchWindow(Duration.ZERO)
                .ticker(ticker::read)
                .executor(executor)
                .listener(new LocalCacheListener<Integer, String>() {
                    @Override
                    public void onLoadFailure(String c, Set<? extends Integer> keys, Throwable error) {
                        failures.add(Set.copyOf(keys));
                    }
                })
                .build()) {
            cache.getAll(keys(3));
            failing.set(true);
            ticker.advance(Duration.ofMinutes(2));
            keys(3).forEach(cache::getIfPresent);
            executor.runAll();
            assertThat(failures).containsExactly(Set.of(1, 2, 3));
            assertThat(cache.getIfPresent(1)).isEqualTo("1@v1");
            assertThat(cache.stats().loadFailures()).isEqualTo(1);
            ticker.advance(Duration.ofMinutes(9));
            assertThat(cache.getIfPresent(1)).isNull();
        }
    }

    @Test
    void closingCompletesPendingRefreshesWithTheirOldValues() {
        LocalCache<Integer, String> cache = cache(256);
        cache.getAll(keys(5));
        ticker.advance(Duration.ofMinutes(2));
        keys(5).forEach(cache::getIfPresent);
        cache.close();
        executor.runAll();
        assertThat(batches).as("no reload after close").hasSize(1);
        assertThat(cache.stats().size()).isZero();
    }
}

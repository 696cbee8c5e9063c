package io.hal9.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class LocalCacheStampedeTest {
    private static final int CALLERS = 1_000;

    @Test
    void thousandConcurrentMissesOfOneKeyCauseExactlyOneLoad() throws Exception {
        AtomicInteger loads = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        CountDownLatch allCalling = new CountDownLatch(CALLERS);
        try (LocalCache<String, String> cache = LocalCache.<String, String>builder("stampede")
                        .loader(key -> {
                            loads.incrementAndGet();
                            // Hold the load until every caller is on its way in, so that they all miss together.
                            assertThat(allCalling.await(5, TimeUnit.SECONDS)).isTrue();
                            return "room-list";
                        })
                        .build();
                ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < CALLERS; i++) {
                results.add(threads.submit(() -> {
                    start.await();
                    allCalling.countDown();
                    return cache.get("games");
                }));
            }
            start.countDown();
            for (Future<String> f : results) {
                assertThat(f.get()).isEqualTo("room-list");
            }
            assertThat(loads).hasValue(1);
            assertThat(cache.stats().loads()).isEqualTo(1);
            assertThat(cache.stats().hits() + cache.stats().misses()).isEqualTo(CALLERS);
        }
    }
}

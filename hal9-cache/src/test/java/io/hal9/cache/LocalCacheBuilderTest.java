package io.hal9.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class LocalCacheBuilderTest {

    @Test
    void cacheWithoutBoundHoldsAtMostTheDefaultSize() {
        try (LocalCache<Integer, Integer> cache = LocalCache.<Integer, Integer>builder("default")
                .executor(Runnable::run)
                .build()) {
            for (int i = 0; i < 12_000; i++) {
                cache.put(i, i);
            }
            cache.cleanUp();
            assertThat(cache.stats().size()).isEqualTo(LocalCache.DEFAULT_MAXIMUM_SIZE);
            assertThat(cache.stats().evictions()).isEqualTo(2_000);
        }
    }

    @Test
    void badValuesAreRefusedAtOnceNamingCacheOptionAndRange() {
        assertThatThrownBy(() -> LocalCache.builder("c").maximumSize(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("local cache 'c': maximumSize must be in [1, 2147483647], was 0");
        assertThatThrownBy(() -> LocalCache.builder("c").expireAfterWrite(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("local cache 'c': expireAfterWrite must be in [PT0.000000001S, PT8760H]");
        assertThatThrownBy(() -> LocalCache.builder("c").refreshBatchSize(0))
                .hasMessage("local cache 'c': refreshBatchSize must be in [1, 65536], was 0");
        assertThatThrownBy(() -> LocalCache.builder(" ")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void eachOptionMayBeSetOnlyOnce() {
        assertThatThrownBy(() -> LocalCache.builder("c").maximumSize(5).maximumSize(6))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("local cache 'c': maximumSize was already set");
        assertThatThrownBy(() ->
                        LocalCache.<String, String>builder("c").loader(k -> k).loader(k -> k))
                .hasMessage("local cache 'c': loader was already set");
    }

    @Test
    void conflictingOptionsAreRefusedByBuild() {
        assertThatThrownBy(() -> LocalCache.<String, String>builder("c")
                        .maximumSize(10)
                        .maximumWeight(100, (k, v) -> v.length())
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("maximumSize and maximumWeight cannot be combined");
        assertThatThrownBy(() -> LocalCache.builder("c")
                        .expireAfterWrite(Duration.ofMinutes(1))
                        .expireAfterAccess(Duration.ofMinutes(1))
                        .build())
                .hasMessageContaining("expireAfterWrite and expireAfterAccess cannot be combined");
        assertThatThrownBy(() -> LocalCache.builder("c")
                        .refreshAfterWrite(Duration.ofMinutes(1))
                        .build())
                .hasMessage("local cache 'c': refreshAfterWrite requires a loader");
        assertThatThrownBy(() -> LocalCache.<String, String>builder("c")
                        .loader(k -> k)
                        .expireAfterWrite(Duration.ofMinutes(1))
                        .refreshAfterWrite(Duration.ofMinutes(1))
                        .build())
                .hasMessage(
                        "local cache 'c': refreshAfterWrite must be shorter than expireAfterWrite (60000ms), was 60000ms");
        assertThatThrownBy(() -> LocalCache.builder("c")
                        .refreshBatchWindow(Duration.ZERO)
                        .build())
                .hasMessage("local cache 'c': refreshBatchWindow and refreshBatchSize require refreshAfterWrite");
    }
}

package app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hal9.cache.LocalCache;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LocalCacheOnlyTest {

    @Test
    void aLocalCacheWorks() {
        try (LocalCache<String, String> cache = LocalCache.<String, String>builder("profiles")
                .maximumSize(1_000)
                .expireAfterWrite(Duration.ofMinutes(1))
                .build()) {
            cache.put("alice", "gold");
            assertThat(cache.getIfPresent("alice")).isEqualTo("gold");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "io.lettuce.core.RedisClient",
        "io.netty.channel.Channel",
        "reactor.core.publisher.Mono",
        "com.fasterxml.jackson.databind.ObjectMapper",
        "com.zaxxer.hikari.HikariDataSource",
        "io.micrometer.prometheusmetrics.PrometheusMeterRegistry"
    })
    void theHeavyLibrariesAreNotOnTheClassPath(String className) {
        assertThatThrownBy(() -> Class.forName(className)).isInstanceOf(ClassNotFoundException.class);
    }
}

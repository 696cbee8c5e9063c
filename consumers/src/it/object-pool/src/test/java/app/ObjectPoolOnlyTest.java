package app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hal9.pool.Lease;
import io.hal9.pool.ObjectPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ObjectPoolOnlyTest {

    @Test
    void anObjectPoolHandsBackWhatWasReturned() {
        try (ObjectPool<StringBuilder> pool = ObjectPool.builder("states", StringBuilder::new).build()) {
            StringBuilder first;
            try (Lease<StringBuilder> lease = pool.claim()) {
                first = lease.get();
            }
            try (Lease<StringBuilder> lease = pool.claim()) {
                assertThat(lease.get()).isSameAs(first);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "com.zaxxer.hikari.HikariDataSource",
        "io.lettuce.core.RedisClient",
        "io.netty.channel.Channel",
        "com.fasterxml.jackson.databind.ObjectMapper"
    })
    void theHeavyLibrariesAreNotOnTheClassPath(String className) {
        assertThatThrownBy(() -> Class.forName(className)).isInstanceOf(ClassNotFoundException.class);
    }
}

package io.hal9.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A real Redis round trip with Lettuce under the test's own key prefix. */
@RequiresRedis
@Timeout(30)
class RedisServiceTest {

    private static @Nullable RedisClient client;
    private static @Nullable StatefulRedisConnection<String, String> connection;

    @BeforeAll
    static void connect(RedisService classScoped) {
        client = RedisClient.create(classScoped.uri());
        connection = client.connect();
    }

    @AfterAll
    static void disconnect() {
        if (connection != null) {
            connection.close();
        }
        if (client != null) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    private static RedisCommands<String, String> redis() {
        return Objects.requireNonNull(connection, "connection").sync();
    }

    @Test
    void aValueSetUnderThePrefixReadsBack(RedisService redis) {
        String key = redis.key("player:7");

        assertThat(redis().set(key, "ada")).isEqualTo("OK");

        assertThat(redis().get(key)).isEqualTo("ada");
        assertThat(redis().keys(redis.keyPrefix() + "*")).containsExactly(key);
    }

    @Test
    void everyTestGetsItsOwnPrefix(RedisService redis) {
        assertThat(redis.keyPrefix()).matches("hal9test:[0-9a-f]{12}:");
        assertThat(redis.key("a")).isEqualTo(redis.keyPrefix() + "a");
        assertThat(redis().keys(redis.keyPrefix() + "*")).isEmpty();
        assertThatThrownBy(() -> redis.key(""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must not be empty");
    }
}

package io.hal9.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Reading and writing the URLs the testkit hands out. */
@Timeout(5)
class UrlsTest {

    @Test
    void aParameterIsAppendedOrReplacesEveryEarlierValue() {
        assertThat(JdbcUrls.withParam("jdbc:postgresql://h/db", "currentSchema", "t_1"))
                .isEqualTo("jdbc:postgresql://h/db?currentSchema=t_1");
        assertThat(JdbcUrls.withParam(
                        "jdbc:postgresql://h/db?currentSchema=a&user=u&currentSchema=b", "currentSchema", "t_1"))
                .isEqualTo("jdbc:postgresql://h/db?user=u&currentSchema=t_1");
        assertThat(JdbcUrls.withParam("jdbc:postgresql://h/db?", "user", "a b&c"))
                .isEqualTo("jdbc:postgresql://h/db?user=a+b%26c");
    }

    @Test
    void parametersAreReadDecodedAndTheLastOneWins() {
        String url = "jdbc:postgresql://h/db?user=first&password=p%40ss&user=second";
        assertThat(JdbcUrls.param(url, "user")).isEqualTo("second");
        assertThat(JdbcUrls.param(url, "password")).isEqualTo("p@ss");
        assertThat(JdbcUrls.param(url, "ssl")).isNull();
        assertThat(JdbcUrls.param("jdbc:postgresql://h/db", "user")).isNull();
    }

    @Test
    void anEndpointWithoutAUserGetsTheOsUserWrittenIntoItsUrl() {
        PostgresEndpoint e = PostgresEndpoint.fromUrl("jdbc:postgresql://h/db", "HAL9_POSTGRES_URL");
        assertThat(e.user()).isEqualTo(System.getProperty("user.name"));
        assertThat(e.password()).isEmpty();
        assertThat(JdbcUrls.param(e.url(), "user")).isEqualTo(e.user());
    }

    @Test
    void redisUrisAreReadInLettucesForm() {
        RedisEndpoint full = RedisEndpoint.parse("redis://game:p%40ss@cache.local:6380/3", "x");
        assertThat(full.host()).isEqualTo("cache.local");
        assertThat(full.port()).isEqualTo(6380);
        assertThat(full.user()).isEqualTo("game");
        assertThat(full.password()).isEqualTo("p@ss");
        assertThat(full.database()).isEqualTo(3);

        RedisEndpoint passwordOnly = RedisEndpoint.parse("redis://secret@h", "x");
        assertThat(passwordOnly.user()).isNull();
        assertThat(passwordOnly.password()).isEqualTo("secret");
        assertThat(passwordOnly.port()).isEqualTo(6379);
        assertThat(passwordOnly.database()).isZero();

        assertThat(RedisEndpoint.parse("redis://:secret@[::1]:6379", "x").host())
                .isEqualTo("::1");
        assertThatThrownBy(() -> RedisEndpoint.parse("redis://h:6379/cache", "x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the path must be a database number (redis://host:port/0), was '/cache'");
    }

    @Test
    void redisPasswordsAreMasked() {
        assertThat(RedisEndpoint.masked("redis://u:pw@h:1/2")).isEqualTo("redis://u:***@h:1/2");
        assertThat(RedisEndpoint.masked("redis://pw@h:1")).isEqualTo("redis://***@h:1");
        assertThat(RedisEndpoint.masked("redis://h:1")).isEqualTo("redis://h:1");
    }
}

package io.hal9.cache.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hal9.cache.CacheException;
import io.hal9.redis.SharedRedis;
import io.hal9.testkit.RedisService;
import io.hal9.testkit.RequiresRedis;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@RequiresRedis
@Timeout(30)
class RedisSetupTest {

    @Test
    void aSharedSetupIsUsedAsItIsAndNeverClosed(RedisService redis) {
        try (SharedRedis shared = SharedRedis.create(redis.uri())) {
            RedisSetup setup = RedisSetup.open("redis cache 'c'", shared, null, false, true);
            assertThat(setup.redis()).isSameAs(shared);
            assertThat(setup.owned()).isFalse();
            setup.watch(shared.connection(), () -> {}, a -> {});
            setup.close();
            assertThat(shared.isClosed()).isFalse();
        }
    }

    @Test
    void aSetupBuiltFromTheUriIsOwnedAndClosedWithTheCache(RedisService redis) {
        RedisSetup setup = RedisSetup.open("near cache 'c'", null, redis.uri(), false, false);
        assertThat(setup.owned()).isTrue();
        SharedRedis built = setup.redis();
        assertThat(built.isClosed()).isFalse();
        setup.close();
        assertThat(built.isClosed()).isTrue();
    }

    @Test
    void theDataConnectionIsWatchedOnce(RedisService redis) {
        try (SharedRedis shared = SharedRedis.create(redis.uri())) {
            RedisSetup setup = RedisSetup.open("redis cache 'c'", shared, null, false, true);
            setup.watch(null, () -> {}, a -> {});
            assertThatThrownBy(() -> setup.watch(null, () -> {}, a -> {})).isInstanceOf(IllegalStateException.class);
            setup.close();
        }
    }

    @Test
    void aConnectFailureNamesTheComponentAndTheUriWithoutItsPassword() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // free once closed: nothing listens there
        }
        String uri = "redis://user:secret@127.0.0.1:" + port;
        assertThatThrownBy(() -> RedisSetup.open("redis cache 'x'", null, uri, false, true))
                .isInstanceOf(CacheException.class)
                .hasMessageStartingWith("redis cache 'x': cannot connect to redis://***@127.0.0.1:" + port + ": ")
                .hasMessageNotContaining("secret");
        assertThatThrownBy(() -> RedisSetup.open("near cache 'x'", null, uri, false, false))
                .isInstanceOf(CacheException.class)
                .hasMessageStartingWith("near cache 'x': cannot connect to Redis: ");
    }

    @Test
    void onlyThePasswordPartOfAUriIsRedacted() {
        assertThat(RedisSetup.redactedUri("redis://:pw@h:1/0")).isEqualTo("redis://***@h:1/0");
        assertThat(RedisSetup.redactedUri("redis://h:1/0")).isEqualTo("redis://h:1/0");
        assertThat(RedisSetup.redactedUri("h@x")).isEqualTo("h@x");
    }
}

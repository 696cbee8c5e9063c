package io.hal9.cache.redis;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hal9.cache.CacheException;
import io.hal9.cache.codec.Codecs;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class RedisCacheBuilderTest {

    @Test
    void optionsOutOfRangeAreRefusedAtOnceNamingTheOptionAndRange() {
        var b = RedisCache.<String, byte[]>builder("bytes", Codecs.bytes());
        assertThatThrownBy(() -> b.commandTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("redis cache 'bytes': commandTimeout must be in [PT0.001S, PT1M], was PT0S");
        assertThatThrownBy(() -> b.breakerFailureThreshold(0))
                .hasMessage("redis cache 'bytes': breakerFailureThreshold must be in [1, 10000], was 0");
        assertThatThrownBy(() -> b.scanBatchSize(-1)).hasMessageContaining("scanBatchSize must be in [1, 100000]");
        assertThatThrownBy(() -> b.defaultTtl(Duration.ofDays(366))).hasMessageContaining("defaultTtl");
    }

    @Test
    void anOptionCannotBeSetTwice() {
        var b = RedisCache.builder("profiles", String.class).keyPrefix("game:");
        assertThatThrownBy(() -> b.keyPrefix("other:"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("redis cache 'profiles': keyPrefix was already set");
    }

    @Test
    @SuppressWarnings("deprecation") // the deprecated uri/cluster entry points, kept working until removed
    void buildNeedsExactlyOneWayToReachRedis() {
        assertThatThrownBy(() -> RedisCache.builder("x", String.class).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("redis cache 'x': set one of redis, uri or connection");
        assertThatThrownBy(() ->
                        RedisCache.builder("x", String.class).cluster(true).build())
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aBlankNameIsRefused() {
        assertThatThrownBy(() -> RedisCache.builder(" ", String.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("redis cache name");
    }

    @Test
    @SuppressWarnings("deprecation") // the deprecated uri/cluster entry points, kept working until removed
    void anUnreachableServerFailsBuildWithTheCacheNameAndUri() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // free once closed: nothing listens there
        }
        String uri = "redis://127.0.0.1:" + port;
        assertThatThrownBy(() ->
                        RedisCache.builder("x", String.class).uri(uri).build().close())
                .isInstanceOf(CacheException.class)
                .hasMessageContaining("redis cache 'x': cannot connect to " + uri);
    }
}

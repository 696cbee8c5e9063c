package io.hal9.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.hal9.cache.codec.Codecs;
import io.hal9.cache.near.NearCache;
import io.hal9.cache.redis.RedisCache;
import io.hal9.testkit.ClassPathWithout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * hal9-cache's Redis and Jackson dependencies are optional: a {@code LocalCache} user gets neither, and
 * whoever reaches for an integration without its library gets an error naming the artifact to add, at
 * the builder, not a {@code NoClassDefFoundError} from inside a later call.
 */
@Timeout(60)
class OptionalDependenciesTest {

    @Test
    void aLocalCacheWorksWithoutRedisNettyReactorAndJackson() {
        try (ClassPathWithout cp =
                ClassPathWithout.entries("hal9-redis", "lettuce-core", "netty-", "reactor-core", "jackson-")) {
            assertThat(cp.call(Probes.class, "localCacheRoundTrip")).isEqualTo("v");
            assertThat(cp.call(Probes.class, "bytesCodec")).isEqualTo("3");
        }
    }

    @Test
    void theRedisCachesNameHal9RedisWhenItIsMissing() {
        try (ClassPathWithout cp = ClassPathWithout.entries("hal9-redis", "lettuce-core")) {
            assertThat(cp.failureOf(Probes.class, "redisCacheBuilder"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("RedisCache needs io.hal9:hal9-redis")
                    .hasMessageContaining("add the dependency");
            assertThat(cp.failureOf(Probes.class, "nearCacheBuilder"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("NearCache needs io.hal9:hal9-redis");
        }
    }

    @Test
    void theJacksonCodecsNameTheirArtifactWhenItIsMissing() {
        try (ClassPathWithout cp = ClassPathWithout.entries("jackson-databind", "jackson-dataformat-cbor")) {
            assertThat(cp.failureOf(Probes.class, "jsonCodec"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("Codecs.json needs com.fasterxml.jackson.core:jackson-databind");
            assertThat(cp.call(Probes.class, "bytesCodec")).isEqualTo("3");
        }
        try (ClassPathWithout cp = ClassPathWithout.entries("jackson-dataformat-cbor")) {
            assertThat(cp.failureOf(Probes.class, "cborCodec"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("Codecs.cbor needs com.fasterxml.jackson.dataformat:jackson-dataformat-cbor");
            assertThat(cp.call(Probes.class, "jsonCodec")).isEqualTo("\"x\"");
        }
    }

    /** Run in the isolated loader: they see only what is left on the class path. */
    public static final class Probes {
        public static Object localCacheRoundTrip() {
            try (LocalCache<String, String> cache =
                    LocalCache.<String, String>builder("probe").build()) {
                cache.put("k", "v");
                return cache.getIfPresent("k");
            }
        }

        public static Object bytesCodec() {
            return String.valueOf(Codecs.bytes().encode(new byte[] {1, 2, 3}).length);
        }

        public static Object redisCacheBuilder() {
            return RedisCache.<String, byte[]>builder("probe", Codecs.bytes());
        }

        public static Object nearCacheBuilder() {
            return NearCache.<String, byte[]>builder("probe", Codecs.bytes());
        }

        public static Object jsonCodec() {
            return new String(Codecs.json(String.class).encode("x"), java.nio.charset.StandardCharsets.UTF_8);
        }

        public static Object cborCodec() {
            return Codecs.cbor(String.class);
        }
    }
}

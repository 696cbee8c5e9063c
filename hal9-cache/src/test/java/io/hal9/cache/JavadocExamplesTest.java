package io.hal9.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.hal9.cache.near.NearCache;
import io.hal9.cache.redis.RedisCache;
import io.hal9.redis.SharedRedis;
import io.hal9.testkit.JavadocExamples;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every Javadoc example of hal9-cache, word for word between its markers, in a method that declares what the
 * example assumes, so that the compiler checks it as pasted. The local cache's runs; the Redis ones are
 * compiled only (they connect to the Redis they name).
 */
@Timeout(10)
class JavadocExamplesTest {
    record Profile(long id, String name) {}

    /** The examples' database: a profile per id. */
    static final class ProfileStore {
        Profile loadProfile(long id) {
            return new Profile(id, "player-" + id);
        }
    }

    @Test
    void everyJavadocExampleOfTheModuleIsHeldWordForWord() {
        assertThat(JavadocExamples.checkModule(Path.of(""))).isPositive();
    }

    @Test
    void localCache() {
        ProfileStore db = new ProfileStore();
        long playerId = 42;
        // javadoc-example: LocalCache#1 begins
        LocalCache<Long, Profile> profiles = LocalCache.<Long, Profile>builder("profiles")
                .maximumSize(50_000)
                .expireAfterWrite(Duration.ofMinutes(5))
                .refreshAfterWrite(Duration.ofMinutes(1)) // hot entries reloaded before they expire
                .loader(db::loadProfile) // override loadAll for one SQL IN per batch
                .build();
        Profile p = profiles.get(playerId);
        // javadoc-example: LocalCache#1 ends
        assertThat(p).isEqualTo(new Profile(42, "player-42"));
        profiles.close();
    }

    @SuppressWarnings("unused") // compiled, never called
    void redisCache(ProfileStore db) {
        // javadoc-example: RedisCache#1 begins
        SharedRedis redis = SharedRedis.create("redis://127.0.0.1:6379"); // one per process
        RedisCache<Long, Profile> profiles = RedisCache.<Long, Profile>builder("profiles", Profile.class)
                .redis(redis)
                .defaultTtl(Duration.ofMinutes(5))
                .loader(id -> db.loadProfile(id))
                .build();
        Profile p = profiles.get(42L); // GET hal9:profiles:42, on a miss load + SET ... PX 300000
        // javadoc-example: RedisCache#1 ends
    }

    @SuppressWarnings("unused") // compiled, never called
    void nearCache(ProfileStore db) {
        // javadoc-example: NearCache#1 begins
        SharedRedis redis = SharedRedis.create("redis://127.0.0.1:6379"); // one per process
        NearCache<Long, Profile> profiles = NearCache.<Long, Profile>builder("profiles", Profile.class)
                .redis(redis)
                .l1Ttl(Duration.ofSeconds(10))
                .loader(id -> db.loadProfile(id))
                .build();
        // javadoc-example: NearCache#1 ends
    }
}

package io.hal9.cache.redis;

import io.hal9.cache.Cache;
import io.hal9.cache.CacheContract;
import io.hal9.cache.CacheLoader;
import io.hal9.redis.SharedRedis;
import io.hal9.testkit.RedisService;
import io.hal9.testkit.RequiresRedis;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;

/** {@link CacheContract} for {@link RedisCache}, on the shared Redis of the tests. */
@RequiresRedis
@Timeout(30)
class RedisCacheContractTest extends CacheContract {
    private SharedRedis shared;
    private String prefix;

    @BeforeEach
    void connect(RedisService redis) {
        shared = SharedRedis.create(redis.uri());
        prefix = redis.keyPrefix();
    }

    @Override
    protected Cache<String, String> create(String name, @Nullable CacheLoader<String, String> loader) {
        RedisCache.Builder<String, String> b = RedisCache.<String, String>builder(name, String.class)
                .redis(shared)
                .keyPrefix(prefix);
        if (loader != null) {
            b.loader(loader);
        }
        return b.build();
    }

    @Override
    protected long misses(Cache<String, String> cache) {
        return ((RedisCache<String, String>) cache).redisStats().misses();
    }

    @Override
    protected void afterCachesClosed() {
        shared.close();
    }
}

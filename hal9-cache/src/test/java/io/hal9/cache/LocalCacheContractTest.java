package io.hal9.cache;

import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Timeout;

/** {@link CacheContract} for {@link LocalCache}. */
@Timeout(30)
class LocalCacheContractTest extends CacheContract {
    @Override
    protected Cache<String, String> create(String name, @Nullable CacheLoader<String, String> loader) {
        LocalCache.Builder<String, String> b =
                LocalCache.<String, String>builder(name).maximumSize(1_000).expireAfterWrite(Duration.ofMinutes(10));
        if (loader != null) {
            b.loader(loader);
        }
        return b.build();
    }
}

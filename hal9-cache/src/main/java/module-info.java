/**
 * HAL9's caches: {@link io.hal9.cache.LocalCache} on Caffeine, {@code io.hal9.cache.redis.RedisCache} and
 * the two-level {@code io.hal9.cache.near.NearCache}, with the value codecs of {@code io.hal9.cache.codec}.
 *
 * <p>Exports those four packages. Redis (hal9-redis and Lettuce) and Jackson are optional ({@code requires
 * static}): a {@code LocalCache} needs neither. An application that uses {@code RedisCache} or {@code
 * NearCache} requires {@code io.hal9.redis} itself, one that uses the JSON or CBOR codecs {@code
 * com.fasterxml.jackson.databind} (and {@code com.fasterxml.jackson.dataformat.cbor}), so that they are
 * resolved at run time.
 */
// "module": javac's module lint flags the digit that ends "hal9" in the module name.
// "requires-automatic", "requires-transitive-automatic": Lettuce ships no module descriptor, only an
// Automatic-Module-Name in its manifest (a stable name, not one derived from the jar's file name).
@SuppressWarnings({"module", "requires-automatic", "requires-transitive-automatic"})
module io.hal9.cache {
    requires transitive io.hal9.core;
    requires static transitive org.jspecify;
    requires org.slf4j;
    requires com.github.benmanes.caffeine;
    // in the API: SharedRedis and Lettuce's codec and connections (RedisCache, NearCache), Jackson's
    // ObjectMapper, TypeReference and CBORMapper (Codecs)
    requires static transitive io.hal9.redis;
    requires static transitive lettuce.core;
    requires static transitive com.fasterxml.jackson.databind;
    requires static transitive com.fasterxml.jackson.dataformat.cbor;

    exports io.hal9.cache;
    exports io.hal9.cache.codec;
    exports io.hal9.cache.near;
    exports io.hal9.cache.redis;
}

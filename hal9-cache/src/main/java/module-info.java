/**
 * HAL9's caches: {@link io.hal9.cache.LocalCache} on Caffeine, {@code io.hal9.cache.redis.RedisCache} and
 * the two-level {@code io.hal9.cache.near.NearCache}, with the value codecs of {@code io.hal9.cache.codec}.
 *
 * <p>Exports those four packages. Redis and Jackson are optional: a {@code LocalCache} needs neither. An
 * application that uses {@code RedisCache} or {@code NearCache} requires {@code io.hal9.redis} itself (which
 * brings Lettuce), one that uses the JSON or CBOR codecs {@code com.fasterxml.jackson.databind} (and {@code
 * com.fasterxml.jackson.dataformat.cbor}), so that they are resolved at run time.
 */
// "module": javac's module lint flags the digit that ends "hal9" in the module name.
// "requires-automatic": Lettuce ships no module descriptor, only an Automatic-Module-Name in its manifest (a
// stable name, not one derived from the jar's file name).
@SuppressWarnings({"module", "requires-automatic"})
module io.hal9.cache {
    requires transitive io.hal9.core;
    requires static transitive org.jspecify;
    requires org.slf4j;
    requires com.github.benmanes.caffeine;
    // Optional integrations: "requires static", never "static transitive", although their types appear in the
    // API (SharedRedis and Lettuce's in RedisCache and NearCache, Jackson's in Codecs): javac would then demand
    // Redis and Jackson wherever a module requiring this one is compiled, LocalCache-only hosts included.
    requires static io.hal9.redis;
    requires static lettuce.core;
    requires static com.fasterxml.jackson.databind;
    requires static com.fasterxml.jackson.dataformat.cbor;

    exports io.hal9.cache;
    exports io.hal9.cache.codec;
    exports io.hal9.cache.near;
    exports io.hal9.cache.redis;
}

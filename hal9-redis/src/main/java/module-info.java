/**
 * HAL9's shared Redis setup: {@link io.hal9.redis.SharedRedis}, one Lettuce client and connection per
 * role, handed to {@code RedisCache}, {@code NearCache} and {@code RedisRoomBus} alike.
 *
 * <p>Exports {@code io.hal9.redis}. Lettuce's types ({@code RedisClient}, {@code ClientResources}, its
 * connections) are part of that API, so a module that requires this one reads Lettuce too.
 */
// "module": javac's module lint flags the digit that ends "hal9" in the module name.
// "requires-automatic", "requires-transitive-automatic": Lettuce and Reactor ship no module descriptor,
// only an Automatic-Module-Name in their manifests (a stable name, not one derived from the jar's file name).
@SuppressWarnings({"module", "requires-automatic", "requires-transitive-automatic"})
module io.hal9.redis {
    requires transitive io.hal9.core;
    requires transitive lettuce.core;
    requires static transitive org.jspecify;
    requires org.slf4j;
    requires reactor.core; // Lettuce's event bus: cluster topology changes
    requires io.netty.common; // Lettuce's event executors: the pub/sub hub schedules its re-subscribe retries there
    // Lettuce, an automatic module, reads every module but makes none resolve: the Netty modules it runs on are
    // required here, where Lettuce enters a host's module graph (io.netty.handler brings transport, codec,
    // buffer and resolver). Without them a host on the module path fails in Lettuce with NoClassDefFoundError.
    requires io.netty.handler;
    requires io.netty.resolver.dns;

    exports io.hal9.redis;
}

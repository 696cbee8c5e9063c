/**
 * HAL9's WebSocket server on Netty: {@link io.hal9.ws.WsServer}, sessions, rooms, {@link io.hal9.ws.RoomBus}
 * and codecs; {@code io.hal9.ws.netty} puts HAL9's sessions into a host's own Netty pipeline.
 *
 * <p>Exports those two packages. Netty's buffer and channel types and Jackson's {@code ObjectMapper} are
 * part of that API. Redis (for {@code RedisRoomBus}) and the MessagePack codec are optional: an application
 * that uses them requires {@code io.hal9.redis} (which brings Lettuce) or {@code jackson.dataformat.msgpack}
 * itself, so that they are resolved at run time.
 */
// "module": javac's module lint flags the digit that ends "hal9" in the module name.
// "requires-automatic": Lettuce ships no module descriptor, only an Automatic-Module-Name in its manifest. The
// MessagePack codec (org.msgpack:jackson-dataformat-msgpack 0.9) has neither, so its name comes from its jar's
// file name (the compiler plugin warns of that at every build). That requirement is static: a host without
// MessagePack never resolves it, one with it on the module path gets it under that name. Should msgpack-java
// ship an Automatic-Module-Name (proposed upstream), follow it here.
@SuppressWarnings({"module", "requires-automatic"})
module io.hal9.ws {
    requires transitive io.hal9.core;
    requires static transitive org.jspecify;
    requires org.slf4j;
    // in the API: ByteBuf and ByteBufAllocator (MessageCodec, RoomBus), Channel, ChannelHandler and
    // EventLoopGroup (io.hal9.ws.netty), ObjectMapper (Codecs)
    requires transitive io.netty.buffer;
    requires transitive io.netty.transport;
    requires transitive com.fasterxml.jackson.databind;
    requires io.netty.common;
    requires io.netty.codec;
    requires io.netty.codec.http;
    requires io.netty.handler;
    // Optional integrations: "requires static", never "static transitive", although SharedRedis and Lettuce's
    // RedisClient appear in RedisRoomBus's API: javac would then demand Redis wherever a module requiring this
    // one is compiled.
    requires static io.hal9.redis;
    requires static lettuce.core;
    requires static jackson.dataformat.msgpack;

    exports io.hal9.ws;
    exports io.hal9.ws.netty;
}

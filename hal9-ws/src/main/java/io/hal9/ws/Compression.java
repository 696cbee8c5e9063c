package io.hal9.ws;

import io.netty.channel.ChannelHandler;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionFilter;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionFilterProvider;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtensionHandler;
import io.netty.handler.codec.http.websocketx.extensions.compression.PerMessageDeflateServerExtensionHandshaker;

/**
 * permessage-deflate (RFC 7692) through Netty's extension handshaker, with a size threshold: frames smaller
 * than the threshold are sent uncompressed (deflating 64 bytes costs more CPU than it saves bandwidth).
 *
 * <p>Not part of the API. Thread safety: stateless factory.
 */
final class Compression {
    private Compression() {}

    static ChannelHandler handler(int threshold, int maxMessageSize) {
        WebSocketExtensionFilter skipSmall = frame -> frame.content().readableBytes() < threshold;
        WebSocketExtensionFilterProvider filters = new WebSocketExtensionFilterProvider() {
            @Override
            public WebSocketExtensionFilter encoderFilter() {
                return skipSmall;
            }

            @Override
            public WebSocketExtensionFilter decoderFilter() {
                return WebSocketExtensionFilter.NEVER_SKIP;
            }
        };
        PerMessageDeflateServerExtensionHandshaker deflate = new PerMessageDeflateServerExtensionHandshaker(
                6, false, 15, false, false, 15, 8, filters, maxMessageSize);
        return new WebSocketServerExtensionHandler(deflate);
    }
}

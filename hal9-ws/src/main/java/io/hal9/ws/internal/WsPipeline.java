package io.hal9.ws.internal;

import io.hal9.ws.netty.HostHttp;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import org.jspecify.annotations.Nullable;

/**
 * What {@code io.hal9.ws.netty} needs of a server built by {@code WsServer.builder}: to put HAL9's handlers into
 * a host's pipeline and to guard a host's listening channel. The server's implementation is package-private in
 * {@code io.hal9.ws}; it implements this interface, and {@link io.hal9.ws.netty.WsChannelInitializer} reaches it
 * through it.
 *
 * <p>Not part of the API. Thread safety: as the server, safe for concurrent use.
 */
public interface WsPipeline {
    /**
     * Adds HAL9's handlers at the end of {@code ch}'s pipeline: HTTP codec, with a {@code host} the router that
     * hands plain HTTP requests to it, upgrade aggregator, optional compression and the handshake handler (which
     * the frame handlers and the session replace after the handshake). Also sets the channel's write-buffer water
     * marks.
     */
    void initPipeline(Channel ch, @Nullable HostHttp host);

    /** A handler for a host's listening channel that survives accept failures; a new one per channel. */
    ChannelHandler acceptErrorHandler();
}

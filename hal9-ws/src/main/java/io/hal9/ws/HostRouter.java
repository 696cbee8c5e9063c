package io.hal9.ws;

import io.hal9.ws.netty.HostHttp;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sits behind the HTTP codec of a connection that may be a host's plain HTTP ({@link HostHttp}) and decides,
 * on the first request head, whose connection it is: a WebSocket upgrade at the server's path (or any request
 * on a connection the limits refused, which HAL9 answers 503) goes on to the aggregator and the {@link
 * HandshakeHandler}; anything else is handed to the host: HAL9's handlers behind the codec are removed, the
 * host's installed, and the head passed to them. Removes itself either way.
 *
 * <p>Not {@code @Sharable}: one per connection, gone after the first head. Not part of the API. Thread safety:
 * confined to its event loop.
 */
final class HostRouter extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(HostRouter.class);
    static final String NAME = "hal9-route";
    static final String UPGRADE = "hal9-upgrade";
    static final String DEFLATE = "hal9-deflate";
    static final String HANDSHAKE = "hal9-handshake";

    private final WsServerImpl<?> server;
    private final HostHttp host;

    HostRouter(WsServerImpl<?> server, HostHttp host) {
        this.server = server;
        this.host = host;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ChannelPipeline p = ctx.pipeline();
        if (!(msg instanceof HttpRequest head) || !(p.get(HANDSHAKE) instanceof HandshakeHandler handshake)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (handshake.refusing() || isUpgrade(head)) {
            handshake.routedToWebSocket(ctx);
            p.remove(this);
            ctx.fireChannelRead(msg);
            return;
        }
        handshake.handedToHost(ctx);
        p.remove(this);
        p.remove(UPGRADE);
        if (p.get(DEFLATE) != null) {
            p.remove(DEFLATE);
        }
        p.remove(handshake);
        try {
            host.installer().install(ctx.channel());
        } catch (RuntimeException e) {
            LOG.warn("{}: the host's HTTP installer failed; connection closed", server.component, e);
            ReferenceCountUtil.release(msg);
            ctx.channel().close();
            return;
        }
        p.context(HostHttp.CODEC).fireChannelRead(msg);
    }

    private boolean isUpgrade(HttpRequest head) {
        return head.decoderResult().isSuccess()
                && head.method().equals(HttpMethod.GET)
                && head.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)
                && new QueryStringDecoder(head.uri()).path().equals(server.path);
    }
}

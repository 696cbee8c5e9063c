package io.hal9.ws.netty;

import io.hal9.ws.WsServer;
import io.hal9.ws.internal.WsPipeline;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Puts HAL9 into a host's own Netty server: the host builds a {@link WsServer} (without calling {@link
 * WsServer#start()}) and uses this as the {@code childHandler} of its own {@code ServerBootstrap}, or calls
 * {@link #initPipeline(Channel, WsServer)} from its own initializer to put HAL9 at the end of a pipeline that already has
 * the host's handlers in front (TLS, proxy protocol...). Everything else (limits, sessions, rooms, heartbeats,
 * stats) behaves as in a standalone server; {@link WsServer#port()} answers -1 because the host binds.
 *
 * <pre>{@code
 * WsServer<Msg> ws =
 *         WsServer.builder("game", Codecs.json(Msg.class), handler).build();
 * new ServerBootstrap()
 *         .group(boss, workers)
 *         .channel(NioServerSocketChannel.class)
 *         .handler(WsChannelInitializer.acceptErrorHandler(ws)) // survive EMFILE
 *         .childHandler(new WsChannelInitializer(ws))
 *         .bind(8080);
 * }</pre>
 *
 * <p>One port for WebSocket and the host's own HTTP: give a {@link HostHttp} ({@link #WsChannelInitializer(WsServer,
 * HostHttp)}, {@link #initPipeline(Channel, WsServer, HostHttp)}); requests that are not a WebSocket upgrade at the
 * server's path then go to the host's handlers, after the same connection limits.
 *
 * <p>HAL9 sets the child channel's write-buffer water marks to 32/64 KiB (its send queues drain by them) and,
 * once the connection is upgraded, replaces its HTTP handlers by the WebSocket frame handlers and the session;
 * handlers the host put in front stay. The host owns the event loops: {@link WsServer#close()} closes the sessions and rooms but not the host's
 * groups. The handlers added are not {@code @Sharable} (they keep per-connection state); this initializer is
 * {@code @Sharable}, as every {@link ChannelInitializer}.
 *
 * <p>Thread safety: safe to share among every child channel.
 */
@ChannelHandler.Sharable
public final class WsChannelInitializer extends ChannelInitializer<Channel> {
    private final WsPipeline server;
    private final @Nullable HostHttp host;

    /** Creates an initializer for the given (not started) server. */
    public WsChannelInitializer(WsServer<?> server) {
        this.server = impl(server);
        this.host = null;
    }

    /**
     * Creates an initializer for the given (not started) server whose connections also serve the host's plain
     * HTTP (see {@link HostHttp}).
     */
    public WsChannelInitializer(WsServer<?> server, HostHttp host) {
        this.server = impl(server);
        this.host = Objects.requireNonNull(host, "host");
    }

    @Override
    protected void initChannel(Channel ch) {
        server.initPipeline(ch, host);
    }

    /**
     * Adds HAL9's handlers at the end of {@code ch}'s pipeline: HTTP codec, upgrade aggregator, optional
     * compression, handshake (replaced after the upgrade by the frame handlers and the session). Call it from
     * the host's own initializer.
     */
    public static void initPipeline(Channel ch, WsServer<?> server) {
        impl(server).initPipeline(ch, null);
    }

    /**
     * As {@link #initPipeline(Channel, WsServer)}, and requests that are not a WebSocket upgrade at the server's
     * path go to the host's handlers (see {@link HostHttp}); every connection passes the server's connection
     * limits first.
     */
    public static void initPipeline(Channel ch, WsServer<?> server, HostHttp host) {
        impl(server).initPipeline(ch, Objects.requireNonNull(host, "host"));
    }

    /**
     * A handler for the host's listening channel ({@code ServerBootstrap.handler(...)}) that counts accept
     * failures (out of file descriptors), logs them at most once per 10 s, pauses accepting for 50 ms and
     * resumes. A new instance per listening channel.
     */
    public static ChannelHandler acceptErrorHandler(WsServer<?> server) {
        return impl(server).acceptErrorHandler();
    }

    private static WsPipeline impl(WsServer<?> server) {
        Objects.requireNonNull(server, "server");
        if (!(server instanceof WsPipeline s)) {
            throw new IllegalArgumentException("not a server built by WsServer.builder: " + server);
        }
        return s;
    }
}

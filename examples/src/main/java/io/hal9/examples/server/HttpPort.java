package io.hal9.examples.server;

import io.hal9.core.TaskLimiter;
import io.hal9.ws.WsServer;
import io.hal9.ws.netty.HostHttp;
import io.hal9.ws.netty.WsChannelInitializer;
import io.hal9.ws.netty.WsEventLoops;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's Netty listeners: the public port, where the {@link HttpApi} and the WebSocket endpoint share
 * one pipeline through hal9-ws's {@link HostHttp} (every connection, HTTP or WebSocket, passes the
 * WebSocket server's connection limits, global and per address, and its accept-error handling first), and the
 * admin listener ({@code /metrics} and the health routes, on {@code admin-host}, loopback by default). Both
 * serve HTTP through {@link HttpConnection} with the configured {@link ServerConfig.HttpLimits}.
 *
 * <p>Blocking work: requests run on a task limiter of their own ({@code <name>-http}, virtual threads, at
 * most {@value #MAX_CONCURRENT} at once and {@value #MAX_WAITING} waiting; beyond that 503 {@code
 * overloaded}), never on an event loop, and never on the game's task limiter, whose places belong to moves.
 *
 * <p>Limits: the admin listener takes at most {@value #ADMIN_MAX_CONNECTIONS} connections at once (more are
 * closed at accept); the public port's are the WebSocket server's.
 *
 * <p>Shutdown, in the order {@link GameServer#close()} calls it: {@link #stopAccepting()} (listeners closed,
 * answers say {@code Connection: close}), {@link #drain()} (requests in flight answered), then the WebSocket
 * server's close (which closes the remaining connections), then {@link #close()} (event loops).
 *
 * <p>Thread safety: safe for concurrent use; {@code closing} is a volatile flag read by every connection.
 */
final class HttpPort implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpPort.class);
    static final int MAX_CONCURRENT = 256;
    static final int MAX_WAITING = 10_000;
    static final int ADMIN_MAX_CONNECTIONS = 64;

    private final String name;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final TaskLimiter limiter;
    private final AtomicInteger adminConnections = new AtomicInteger();
    private volatile boolean closing;
    private volatile @Nullable Channel publicChannel;
    private volatile @Nullable Channel adminChannel;

    private HttpPort(String name, int threads, Duration drainTimeout) {
        this.name = name;
        this.boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        // loops that go back to their sockets every few ms: a burst of timeouts after a connection flood must
        // not hold the players' sessions on the same loop (hal9-ws's WsEventLoops)
        this.workers = WsEventLoops.group(threads, name + "-port");
        this.limiter = TaskLimiter.builder(name + "-http")
                .maxConcurrent(MAX_CONCURRENT)
                .maxWaiting(MAX_WAITING)
                .closeTimeout(drainTimeout)
                .build();
    }

    /**
     * Binds the public port (HTTP API + WebSocket at the server's path) and the admin listener.
     *
     * @param ws the WebSocket server, built and not started: the public port carries its connections; null
     *     with {@code --http-engine jdk}, where only the admin listener is started here
     * @throws IllegalStateException when a port cannot be bound, naming the address and the option; what was
     *     started is stopped (every event-loop thread has ended) before it is thrown
     */
    static HttpPort start(
            String name,
            ServerConfig config,
            @Nullable WsServer<?> ws,
            HttpApi publicApi,
            HttpApi adminApi,
            Duration drain) {
        int threads = config.wsThreads() > 0
                ? config.wsThreads()
                : Runtime.getRuntime().availableProcessors();
        HttpPort port = new HttpPort(name, threads, drain);
        try {
            port.bind(config, ws, publicApi, adminApi);
            return port;
        } catch (RuntimeException e) {
            port.close();
            throw e;
        }
    }

    private void bind(ServerConfig config, @Nullable WsServer<?> ws, HttpApi publicApi, HttpApi adminApi) {
        ServerConfig.HttpLimits limits = config.http();
        HttpConnection.Dispatcher dispatcher = task -> limiter.tryExecute(task).isAccepted();
        if (ws != null) {
            bindPublic(config, ws, publicApi, dispatcher);
        }
        adminChannel = listen(
                "admin-port",
                config.adminHost(),
                config.adminPort(),
                new ServerBootstrap()
                        .group(boss, workers)
                        .channel(NioServerSocketChannel.class)
                        .childOption(ChannelOption.TCP_NODELAY, true)
                        .childHandler(new ChannelInitializer<SocketChannel>() {
                            @Override
                            protected void initChannel(SocketChannel ch) {
                                if (adminConnections.incrementAndGet() > ADMIN_MAX_CONNECTIONS) {
                                    adminConnections.decrementAndGet();
                                    ch.close();
                                    return;
                                }
                                ch.closeFuture().addListener(f -> adminConnections.decrementAndGet());
                                ch.pipeline()
                                        .addLast(
                                                "admin-http",
                                                new HttpServerCodec(
                                                        Math.min(65_536, limits.maxUrlLength() + 64),
                                                        limits.maxHeaderSize(),
                                                        8192));
                                new HttpConnection(adminApi, limits, dispatcher, () -> closing)
                                        .addTo(ch.pipeline(), "admin-http");
                            }
                        }));
    }

    private void bindPublic(
            ServerConfig config, WsServer<?> ws, HttpApi publicApi, HttpConnection.Dispatcher dispatcher) {
        ServerConfig.HttpLimits limits = config.http();
        HostHttp host = HostHttp.builder(ch -> new HttpConnection(publicApi, limits, dispatcher, () -> closing)
                        .addTo(ch.pipeline(), HostHttp.CODEC))
                // the request line holds the method and the version beside the URL, whose own limit answers 414
                .maxInitialLineLength(Math.min(65_536, limits.maxUrlLength() + 64))
                .maxHeaderSize(limits.maxHeaderSize())
                .headerTimeout(limits.headerTimeout())
                .build();
        publicChannel = listen(
                "port",
                config.host(),
                config.port(),
                new ServerBootstrap()
                        .group(boss, workers)
                        .channel(NioServerSocketChannel.class)
                        .option(ChannelOption.SO_BACKLOG, 4096)
                        .handler(WsChannelInitializer.acceptErrorHandler(ws))
                        .childOption(ChannelOption.TCP_NODELAY, true)
                        .childHandler(new WsChannelInitializer(ws, host)));
    }

    private Channel listen(String option, String host, int port, ServerBootstrap b) {
        // Not syncUninterruptibly(): it rethrows the bind's java.net.BindException, a checked exception that
        // would pass by a catch of RuntimeException, and by start()'s cleanup with it.
        Throwable failure;
        try {
            ChannelFuture bound = b.bind(host, port).awaitUninterruptibly();
            failure = bound.cause();
            if (failure == null) {
                return bound.channel();
            }
        } catch (RuntimeException e) {
            failure = e;
        }
        String reason = failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage();
        throw new IllegalStateException(
                name + ": cannot listen on " + host + ":" + port + " (" + option + "): " + reason, failure);
    }

    /** The public port (useful with port 0). */
    int port() {
        return portOf(publicChannel);
    }

    /** The admin listener's port. */
    int adminPort() {
        return portOf(adminChannel);
    }

    private int portOf(@Nullable Channel ch) {
        if (ch == null) {
            throw new IllegalStateException(name + ": not listening");
        }
        return ((InetSocketAddress) ch.localAddress()).getPort();
    }

    /** Closes both listeners; from now on answers say {@code Connection: close}. Idempotent. */
    void stopAccepting() {
        closing = true;
        for (Channel ch : new Channel[] {publicChannel, adminChannel}) {
            if (ch != null) {
                ch.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * Refuses new requests (503 {@code overloaded}) and waits for those in flight to be answered, at most the
     * drain timeout given at start.
     */
    void drain() {
        limiter.close();
    }

    @Override
    public void close() {
        closing = true;
        stopAccepting();
        limiter.close();
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
        log.debug("{}: HTTP port closed", name);
    }

    /** The HTTP task limiter (for its metrics). */
    TaskLimiter limiter() {
        return limiter;
    }
}

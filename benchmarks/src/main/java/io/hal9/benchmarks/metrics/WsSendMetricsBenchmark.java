package io.hal9.benchmarks.metrics;

import io.hal9.core.Admission;
import io.hal9.metrics.PrometheusScrape;
import io.hal9.metrics.ws.WsServerMetrics;
import io.hal9.ws.MessageCodec;
import io.hal9.ws.Room;
import io.hal9.ws.Session;
import io.hal9.ws.WsHandler;
import io.hal9.ws.WsServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What binding {@code hal9-metrics} costs a WebSocket send: a hal9-ws {@link Session#trySend} into a real
 * socket, with and without {@link WsServerMetrics} bound. {@code impl} is {@code no-metrics} (the anchor:
 * nothing bound) or {@code hal9-metrics} (bound), as in {@link MetricsOverheadBenchmark}, so that {@code
 * benchmarks/run} races them.
 *
 * <p>Setup (per trial): a {@link WsServer} on 127.0.0.1, an ephemeral port, one event loop, a binary codec
 * of a {@value #MESSAGE_SIZE}-byte message, a generous send queue ({@value #SEND_QUEUE_MESSAGES} messages,
 * {@value #SEND_QUEUE_BYTES} bytes, overflow policy {@code DROP_NEWEST}); ONE Netty WebSocket client on its
 * own one-thread event loop, connected over loopback, that reads and discards every frame; the server-side
 * {@link Session} captured in {@link WsHandler#onOpen} and joined to one room. With {@code hal9-metrics},
 * {@link WsServerMetrics} is bound to a {@link PrometheusMeterRegistry} that a background thread scrapes
 * every 100 ms. hal9-metrics has no listener/recorder for hal9-ws (its binder reads {@link
 * WsServer#stats()} at scrape time), so the server gets no listener in either case: what binding costs the
 * send is the scrape's {@code stats()} calls competing with it, nothing on the send path itself.
 *
 * <ul>
 *   <li>{@code trySend}: {@code session.trySend(message)}, spinning ({@link Thread#onSpinWait}) until
 *       {@code ACCEPTED}, like {@code MetricsOverheadBenchmark.batcherSubmit}: the figure is the sustained
 *       send rate into a socket the client drains, so it is bounded by the server's event loop and the
 *       client, not by the call alone. Before each send it spins while the session's queue is half full, so
 *       sends are not refused (a refused try would encode the message and count a drop for nothing).
 *   <li>{@code roomBroadcast}: {@link Room#broadcast} to a room whose only member is that session (encode
 *       once, one retained duplicate, a publication on the default in-JVM room bus that no other server
 *       hears), spinning until the one member accepted it.
 * </ul>
 *
 * <p>A session that closes during a trial (it should not: the client answers the server's heartbeat pings)
 * fails the benchmark with the server's stats instead of spinning for ever.
 *
 * <p>Allocation: run with {@code -prof gc}. {@code gc.alloc.rate.norm} is per accepted message and counts
 * everything the JVM allocated meanwhile: both event loops (the frame and queue node of each message),
 * and with {@code hal9-metrics} the scraper's {@code stats()} snapshots and exposition text. It is more than
 * the cost of one {@code trySend}; compare it between the two {@code impl} values over several forks.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar WsSendMetricsBenchmark -prof gc
 * </pre>
 *
 * <p>On a machine with fewer cores than the threads involved (the benchmark thread, the server's event loop,
 * the client's event loop, the scraper), the figure says more about scheduling than about the send path;
 * report the core count with it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
public class WsSendMetricsBenchmark {
    /** The size of one game message, as issue 6 asks. */
    static final int MESSAGE_SIZE = 64;
    /** Messages a session may queue: generous, so that a short stall of the client does not refuse sends. */
    static final int SEND_QUEUE_MESSAGES = 65_536;
    /** Bytes a session may queue: room for every queued message. */
    static final long SEND_QUEUE_BYTES = 16L * 1024 * 1024;

    static final String PATH = "/ws";
    static final String ROOM = "bench";
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    @Param({"no-metrics", "hal9-metrics"})
    public String impl;

    private final byte[] message = new byte[MESSAGE_SIZE];

    @Nullable
    WsServer<byte[]> server;

    @Nullable
    DiscardingClient client;

    @Nullable
    Session<byte[]> session;

    @Nullable
    Room<byte[]> room;

    @Nullable
    PrometheusMeterRegistry registry;

    private @Nullable Thread scraper;
    private volatile boolean running;

    /** Set by JMH through {@link #impl}; the constructor JMH calls needs no argument. */
    public WsSendMetricsBenchmark() {
        Arrays.fill(message, (byte) 0x5A);
        impl = "no-metrics";
    }

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        boolean bound = switch (impl) {
            case "no-metrics" -> false;
            case "hal9-metrics" -> true;
            default -> throw new IllegalArgumentException("unknown impl " + impl);
        };
        CompletableFuture<Session<byte[]>> opened = new CompletableFuture<>();
        WsServer<byte[]> s = WsServer.builder("bench", new BytesCodec(), new CaptureHandler(opened))
                .host("127.0.0.1")
                .port(0)
                .path(PATH)
                .eventLoopThreads(1)
                .sendQueueMessages(SEND_QUEUE_MESSAGES)
                .sendQueueBytes(SEND_QUEUE_BYTES)
                .build();
        server = s;
        try {
            s.start();
            client = DiscardingClient.connect(
                    URI.create("ws://127.0.0.1:" + s.port() + PATH), CONNECT_TIMEOUT.toMillis());
            Session<byte[]> one = opened.get(CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            session = one;
            Room<byte[]> r = s.room(ROOM);
            if (!r.join(one)) {
                throw new IllegalStateException("the session could not join room " + ROOM);
            }
            room = r;
            PrometheusMeterRegistry reg = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            registry = reg;
            running = true;
            if (bound) {
                WsServerMetrics.builder(s).build().bindTo(reg);
                PrometheusScrape scrape = PrometheusScrape.of(reg);
                scraper = Thread.ofPlatform().name("bench-scraper").daemon(true).start(() -> {
                    while (running) {
                        scrape.scrape(null);
                        // a scrape interval, not synchronisation
                        LockSupport.parkNanos(100_000_000L);
                    }
                });
            }
        } catch (Exception | Error e) {
            tearDown();
            throw e;
        }
    }

    /** Stops the scraper, closes the server (its sessions first), the client and its event loop. Idempotent. */
    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        running = false;
        Thread t = scraper;
        scraper = null;
        if (t != null) {
            t.join();
        }
        WsServer<byte[]> s = server;
        server = null;
        if (s != null) {
            s.close(); // the client still reads, so what is queued drains before the close frame
        }
        DiscardingClient c = client;
        client = null;
        if (c != null) {
            c.close();
        }
        PrometheusMeterRegistry reg = registry;
        registry = null;
        if (reg != null) {
            reg.close();
        }
        session = null;
        room = null;
    }

    @Benchmark
    @Threads(1)
    public void trySend() {
        Session<byte[]> s = session;
        awaitRoom(s);
        Admission a;
        while ((a = s.trySend(message)) != Admission.ACCEPTED) {
            if (a == Admission.CLOSED) {
                throw closed();
            }
            Thread.onSpinWait();
        }
    }

    @Benchmark
    @Threads(1)
    public void roomBroadcast() {
        Room<byte[]> r = room;
        awaitRoom(session);
        while (r.broadcast(message) != 1) {
            if (!session.isOpen()) {
                throw closed();
            }
            Thread.onSpinWait();
        }
    }

    /**
     * Spins while the session's queue is half full, so that the send that follows is accepted: a refused
     * try would encode the message for nothing and count a drop, which is not what this benchmark measures.
     */
    private void awaitRoom(Session<byte[]> s) {
        while (s.queuedMessages() >= SEND_QUEUE_MESSAGES / 2) {
            if (!s.isOpen()) {
                throw closed();
            }
            Thread.onSpinWait();
        }
    }

    private IllegalStateException closed() {
        WsServer<byte[]> s = server;
        return new IllegalStateException(
                "the benchmark's session closed during the trial; server stats: " + (s == null ? "none" : s.stats()));
    }

    /** The message is its bytes; binary frames. */
    private static final class BytesCodec implements MessageCodec<byte[]> {
        @Override
        public ByteBuf encode(byte[] message, ByteBufAllocator alloc) {
            return alloc.buffer(message.length).writeBytes(message);
        }

        @Override
        public byte[] decode(ByteBuf payload) {
            return ByteBufUtil.getBytes(payload);
        }

        @Override
        public boolean binary() {
            return true;
        }
    }

    /** Hands the first session opened to the benchmark; ignores what clients send. */
    private static final class CaptureHandler implements WsHandler<byte[]> {
        private final CompletableFuture<Session<byte[]>> opened;

        CaptureHandler(CompletableFuture<Session<byte[]>> opened) {
            this.opened = opened;
        }

        @Override
        public void onOpen(Session<byte[]> session) {
            opened.complete(session);
        }

        @Override
        public void onMessage(Session<byte[]> session, byte[] message) {}
    }

    /**
     * One Netty WebSocket client connection on its own one-thread event loop that reads every frame and
     * discards it (Netty's protocol handler answers pings and close frames), counting the binary ones.
     *
     * <p>Thread safety: {@link #received()} and {@link #close()} may be called from any thread; frames are
     * counted on the client's event loop.
     */
    static final class DiscardingClient implements AutoCloseable {
        private final EventLoopGroup group;
        private final Channel channel;
        private final LongAdder received;
        private boolean closed;

        private DiscardingClient(EventLoopGroup group, Channel channel, LongAdder received) {
            this.group = group;
            this.channel = channel;
            this.received = received;
        }

        /** Connects and waits for the handshake; on failure nothing is left running. */
        static DiscardingClient connect(URI uri, long timeoutMillis) throws Exception {
            EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
            try {
                CompletableFuture<Void> handshake = new CompletableFuture<>();
                LongAdder received = new LongAdder();
                WebSocketClientProtocolConfig config = WebSocketClientProtocolConfig.newBuilder()
                        .webSocketUri(uri)
                        .version(WebSocketVersion.V13)
                        .handshakeTimeoutMillis(timeoutMillis)
                        .build();
                Channel ch = new Bootstrap()
                        .group(group)
                        .channel(NioSocketChannel.class)
                        .option(ChannelOption.TCP_NODELAY, true)
                        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) timeoutMillis)
                        .handler(new ChannelInitializer<SocketChannel>() {
                            @Override
                            protected void initChannel(SocketChannel c) {
                                c.pipeline()
                                        .addLast(new HttpClientCodec())
                                        .addLast(new HttpObjectAggregator(8192))
                                        .addLast(new WebSocketClientProtocolHandler(config))
                                        .addLast(new Discard(handshake, received));
                            }
                        })
                        .connect(uri.getHost(), uri.getPort())
                        .sync()
                        .channel();
                handshake.get(timeoutMillis, TimeUnit.MILLISECONDS);
                return new DiscardingClient(group, ch, received);
            } catch (Exception | Error e) {
                group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
                throw e;
            }
        }

        /** Binary frames read so far. */
        long received() {
            return received.sum();
        }

        /** Whether the client's event loop has stopped (after {@link #close()}). */
        boolean terminated() {
            return group.isTerminated();
        }

        /** Closes the connection and stops the event loop. Idempotent. */
        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** Counts and drops frames (SimpleChannelInboundHandler releases them). One per connection, not shared. */
    private static final class Discard extends SimpleChannelInboundHandler<WebSocketFrame> {
        private final CompletableFuture<Void> handshake;
        private final LongAdder received;

        Discard(CompletableFuture<Void> handshake, LongAdder received) {
            this.handshake = handshake;
            this.received = received;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                handshake.complete(null);
            } else if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
                handshake.completeExceptionally(new IllegalStateException("handshake timed out"));
                ctx.close();
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            if (frame instanceof BinaryWebSocketFrame) {
                received.increment();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            handshake.completeExceptionally(new IllegalStateException("closed before the handshake"));
            super.channelInactive(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            handshake.completeExceptionally(cause);
            ctx.close();
        }
    }
}

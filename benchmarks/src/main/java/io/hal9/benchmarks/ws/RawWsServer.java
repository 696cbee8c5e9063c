package io.hal9.benchmarks.ws;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * The anchor: a minimal, honest raw Netty WebSocket server, set up as Netty's documentation suggests
 * (pooled allocator, one acceptor thread, one event loop per core, {@code HttpServerCodec}, {@code
 * HttpObjectAggregator}, {@code WebSocketServerProtocolHandler}, one shared handler).
 *
 * <p>Flushes go through Netty's {@code FlushConsolidationHandler} (256 flushes, consolidated also when
 * the channel is not reading), so that a channel receiving many broadcasts in one event-loop turn
 * makes one write syscall rather than one per message; {@code -Dhal9.bench.rawFlushEach=true} turns it
 * off (every {@code writeAndFlush} flushes at once), and the idle mode leaves it out so that the
 * per-connection cost hal9-ws is measured against is the smallest pipeline.
 *
 * <p>A broadcast copies the payload once into one {@code BinaryWebSocketFrame} and writes a {@code
 * retainedDuplicate()} of that frame to every other member of the room with {@code writeAndFlush}, as
 * {@code ChannelGroup.writeAndFlush} would (each channel's frame encoder then adds the 2-byte header).
 * Room membership is a concurrent map of concurrent sets, like a {@code ChannelGroup} per room. It ignores writability in every mode: that is what a minimal server does, and what the
 * issue's slow-consumer scenario compares against. It has no connection limits and no heartbeats.
 *
 * <p>Design / Concurrency / Invariants: {@code rooms} and the per-room sets are concurrent collections
 * written by the event loop of the joining or closing channel and read by the event loop of any
 * broadcasting channel; a broadcast that races a join may or may not reach the new member (a client
 * starts sending only after every join was answered). {@code connections} counts handshakes completed
 * minus handshaken channels closed.
 *
 * <p>Thread safety: safe; the handler is {@code @Sharable}.
 */
final class RawWsServer implements BenchWsServer {
    private static final AttributeKey<Set<Integer>> JOINED = AttributeKey.valueOf("hal9.bench.rooms");
    private static final AttributeKey<Boolean> OPEN = AttributeKey.valueOf("hal9.bench.open");
    private static final int MAX_FRAME = 64 * 1024;
    /** System property: {@code true} flushes every write at once instead of consolidating flushes. */
    static final String FLUSH_EACH_PROPERTY = "hal9.bench.rawFlushEach";

    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Channel serverChannel;
    private final int threads;
    private final ConcurrentHashMap<Integer, Set<Channel>> rooms = new ConcurrentHashMap<>();
    private final LongAdder connections = new LongAdder();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Mode mode;
    private final boolean flushEach;

    private RawWsServer(Mode mode, int port) {
        this.mode = mode;
        // Idle connections carry no traffic: the smallest pipeline is the honest anchor for their cost.
        this.flushEach = Boolean.getBoolean(FLUSH_EACH_PROPERTY) || mode == Mode.IDLE;
        this.threads = Runtime.getRuntime().availableProcessors();
        this.boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        this.workers = new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
        Handler handler = new Handler();
        WebSocketServerProtocolConfig wsConfig = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath(WsProtocol.PATH)
                .checkStartsWith(true)
                .maxFramePayloadLength(MAX_FRAME)
                .build();
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(boss, workers)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (!flushEach) {
                            // Netty's own remedy for one write syscall per message: flushes issued while
                            // the channel is not reading are coalesced into one per event-loop turn.
                            ch.pipeline()
                                    .addLast(new FlushConsolidationHandler(
                                            FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
                        }
                        ch.pipeline()
                                .addLast(new HttpServerCodec())
                                .addLast(new HttpObjectAggregator(MAX_FRAME))
                                .addLast(new WebSocketServerProtocolHandler(wsConfig))
                                .addLast(handler);
                    }
                });
        try {
            this.serverChannel = bootstrap
                    .bind(new InetSocketAddress("127.0.0.1", port))
                    .syncUninterruptibly()
                    .channel();
        } catch (RuntimeException e) {
            boss.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            workers.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw e;
        }
    }

    static RawWsServer start(Mode mode, int port) {
        return new RawWsServer(mode, port);
    }

    @Override
    public int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    @Override
    public long connections() {
        return connections.sum();
    }

    @Override
    public String describeConfig() {
        return "raw netty: mode=" + mode.name().toLowerCase(java.util.Locale.ROOT) + ", nio, 1 acceptor + "
                + threads + " event loops, PooledByteBufAllocator, TCP_NODELAY, maxFramePayload=" + MAX_FRAME
                + (flushEach ? ", flush per write" : ", FlushConsolidationHandler(256, consolidate when not reading)")
                + ", no connection limits, no heartbeats, writability ignored, broadcast=one frame,"
                + " retainedDuplicate + writeAndFlush per member";
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        serverChannel.close().syncUninterruptibly();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Shared by every channel; all its state lives in the server's concurrent maps and the channel's attributes. */
    @ChannelHandler.Sharable
    private final class Handler extends SimpleChannelInboundHandler<WebSocketFrame> {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
                ctx.channel().attr(OPEN).set(Boolean.TRUE);
                connections.increment();
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            if (ctx.channel().attr(OPEN).getAndSet(null) != null) {
                connections.decrement();
            }
            Set<Integer> joined = ctx.channel().attr(JOINED).getAndSet(null);
            if (joined != null) {
                for (Integer room : joined) {
                    Set<Channel> members = rooms.get(room);
                    if (members != null) {
                        members.remove(ctx.channel());
                    }
                }
            }
            super.channelInactive(ctx);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            if (!(frame instanceof BinaryWebSocketFrame)) {
                return; // pings and pongs are answered by the protocol handler; text is not used
            }
            ByteBuf content = frame.content();
            int join = WsProtocol.control(content, WsProtocol.JOIN);
            if (join >= 0) {
                join(ctx, join);
            } else if (content.readableBytes() >= 24) {
                broadcast(ctx, content);
            } else {
                ctx.close();
            }
        }

        private void join(ChannelHandlerContext ctx, int room) {
            Channel ch = ctx.channel();
            Set<Integer> joined = ch.attr(JOINED).get();
            if (joined == null) {
                joined = ConcurrentHashMap.newKeySet();
                ch.attr(JOINED).set(joined);
            }
            joined.add(room);
            rooms.computeIfAbsent(room, r -> ConcurrentHashMap.newKeySet()).add(ch);
            ByteBuf answer =
                    WsProtocol.writeControl(ctx.alloc().buffer(WsProtocol.CONTROL_SIZE), WsProtocol.JOINED, room);
            ctx.writeAndFlush(new BinaryWebSocketFrame(answer))
                    .addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
        }

        private void broadcast(ChannelHandlerContext ctx, ByteBuf payload) {
            Set<Channel> members = rooms.get(WsProtocol.room(payload));
            if (members == null) {
                return;
            }
            // Encode once: one frame whose buffer every member shares, as ChannelGroup.write does.
            BinaryWebSocketFrame shared = new BinaryWebSocketFrame(
                    ctx.alloc().buffer(payload.readableBytes()).writeBytes(payload));
            try {
                Channel sender = ctx.channel();
                for (Channel member : members) {
                    if (member != sender) {
                        member.writeAndFlush(shared.retainedDuplicate(), member.voidPromise());
                    }
                }
            } finally {
                shared.release();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}

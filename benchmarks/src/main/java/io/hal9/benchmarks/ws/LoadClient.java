package io.hal9.benchmarks.ws;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * The load client: many Netty WebSocket client connections on one NIO event loop group, a connection
 * ramp that keeps at most a fixed number of handshakes in flight, room joins, paced senders and
 * receive-side accounting (every message's latency is measured against the send timestamp in its
 * payload; senders and receivers are in this JVM).
 *
 * <p>Use: {@link #connect}, then optionally {@link #joinRooms} and {@link #addSpectator}, then {@link
 * #startSending}, {@link #beginWindow} / {@link #endWindow}, {@link #stopSending}, {@link
 * #awaitDelivered}, {@link #close}.
 *
 * <p>Design / Concurrency / Invariants: connections are added by the ramp (any thread) and read after
 * it completes. A connection's {@code room} and {@code joined} are written by the controlling thread
 * before the join requests are written, and only read on its event loop afterwards (the write hands
 * over to the loop, which orders them). Each pacer runs on one event loop and writes only to the
 * connections registered on that loop, so a send never crosses threads. Counters are adders read by
 * the controlling thread; {@code measuring} is volatile, and a message counts in the window when its
 * receipt sees it set. Expected deliveries count only reading members: the spectator is not one.
 *
 * <p>Thread safety: the control methods are meant for one controlling thread; receive accounting runs
 * on the event loops.
 */
final class LoadClient implements AutoCloseable {
    /** How often each pacer wakes up; a tick sends at most 100 ms worth of its share, the rest is counted as skipped. */
    private static final long PACER_TICK_MICROS = 2_000;

    private final URI uri;
    private final EventLoopGroup group;
    private final Bootstrap bootstrap;
    private final WebSocketClientProtocolConfig wsConfig;
    private final List<Conn> conns = new ArrayList<>();
    private final ConcurrentLinkedQueue<Conn> opened = new ConcurrentLinkedQueue<>();
    private final AtomicInteger nextId = new AtomicInteger();
    private final Map<Integer, List<Conn>> rooms = new HashMap<>();
    private volatile int[] roomReaders = new int[0];
    private final List<Pacer> pacers = new ArrayList<>();

    private final LongAdder sent = new LongAdder();
    private final LongAdder expected = new LongAdder();
    private final LongAdder received = new LongAdder();
    private final LongAdder misrouted = new LongAdder();
    private final LongAdder closedUnexpectedly = new LongAdder();
    private final LongAdder skippedSends = new LongAdder();
    private final LongAdder windowSent = new LongAdder();
    private final LongAdder windowReceived = new LongAdder();
    private final AtomicLong pendingJoins = new AtomicLong();
    private volatile @Nullable CompletableFuture<Void> joinsDone;
    private @Nullable Conn spectator;
    private volatile LatencyHistogram window = new LatencyHistogram();
    private volatile boolean measuring;
    private volatile boolean closing;
    private long windowStartNanos;

    LoadClient(String host, int port, int threads) {
        this.uri = URI.create("ws://" + host + ":" + port + WsProtocol.PATH);
        this.group = new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
        WebSocketClientProtocolConfig config = WebSocketClientProtocolConfig.newBuilder()
                .webSocketUri(uri)
                .version(WebSocketVersion.V13)
                .handshakeTimeoutMillis(30_000)
                .maxFramePayloadLength(64 * 1024)
                .build();
        this.bootstrap = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .remoteAddress(new InetSocketAddress(host, port))
                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 30_000);
        this.wsConfig = config;
    }

    /** Opens one connection for {@code conn}; its handshake future completes when the upgrade is done. */
    private void open(Conn conn) {
        ChannelFuture future;
        try {
            future = bootstrap
                    .clone()
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline()
                                    .addLast(new HttpClientCodec())
                                    .addLast(new HttpObjectAggregator(8192))
                                    .addLast(new WebSocketClientProtocolHandler(wsConfig))
                                    .addLast(new Receiver(conn));
                        }
                    })
                    .connect();
        } catch (RuntimeException e) {
            conn.handshake.completeExceptionally(e);
            return;
        }
        conn.channel = future.channel();
        future.addListener(f -> {
            if (!f.isSuccess()) {
                conn.handshake.completeExceptionally(f.cause());
            }
        });
    }

    /** The outcome of a connection ramp. */
    record ConnectResult(
            int requested, int opened, @Nullable String firstFailure, Duration elapsed) {}

    /**
     * Opens up to {@code count} more connections, at most {@code maxInFlight} handshakes at a time,
     * stopping at the first failure (a refused handshake, a connect error, running out of descriptors).
     */
    ConnectResult connect(int count, int maxInFlight) {
        long start = System.nanoTime();
        Semaphore permits = new Semaphore(maxInFlight);
        AtomicReference<@Nullable String> failure = new AtomicReference<>();
        AtomicInteger ok = new AtomicInteger();
        for (int i = 0; i < count && failure.get() == null; i++) {
            permits.acquireUninterruptibly();
            if (failure.get() != null) {
                permits.release();
                break;
            }
            Conn conn = new Conn(nextId.getAndIncrement());
            conn.handshake.whenComplete((v, error) -> {
                if (error == null) {
                    opened.add(conn);
                    ok.incrementAndGet();
                } else {
                    failure.compareAndSet(null, describe(error));
                }
                permits.release();
            });
            open(conn);
        }
        permits.acquireUninterruptibly(maxInFlight);
        permits.release(maxInFlight);
        synchronized (conns) {
            Conn c;
            while ((c = opened.poll()) != null) {
                conns.add(c);
            }
            conns.sort((a, b) -> Integer.compare(a.id, b.id));
        }
        return new ConnectResult(count, ok.get(), failure.get(), Duration.ofNanos(System.nanoTime() - start));
    }

    private static String describe(Throwable error) {
        Throwable t = error;
        while (t.getCause() != null && t != t.getCause()) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    /** Connections currently held (handshake completed). */
    int size() {
        synchronized (conns) {
            return conns.size();
        }
    }

    /**
     * Puts the held connections into rooms of {@code roomSize} (connection i into room i / roomSize)
     * and waits until the server has confirmed every join.
     */
    void joinRooms(int roomSize, Duration timeout) {
        List<Conn> all = snapshot();
        for (int i = 0; i < all.size(); i++) {
            Conn conn = all.get(i);
            conn.room = i / roomSize;
            conn.joined.add(conn.room);
            rooms.computeIfAbsent(conn.room, r -> new ArrayList<>()).add(conn);
        }
        sendJoins(all, timeout);
    }

    /**
     * Opens one more connection that joins every room and stops reading once its joins are confirmed:
     * the slow consumer. It sends nothing and is not counted as a recipient.
     */
    void addSpectator(Duration timeout) {
        if (rooms.isEmpty()) {
            throw new IllegalStateException("join rooms before adding a spectator");
        }
        Conn spectator = new Conn(nextId.getAndIncrement());
        spectator.spectator = true;
        ConnectResult one = connectOne(spectator, timeout);
        if (one.opened() != 1) {
            throw new IllegalStateException("spectator could not connect: " + one.firstFailure());
        }
        for (Integer room : rooms.keySet()) {
            spectator.joined.add(room);
        }
        sendJoins(List.of(spectator), timeout);
        Channel ch = Objects.requireNonNull(spectator.channel);
        ch.eventLoop().execute(() -> ch.config().setAutoRead(false));
        this.spectator = spectator;
    }

    /** Whether the spectator's connection is still open; false when there is none. */
    boolean spectatorConnected() {
        Conn s = spectator;
        Channel ch = s == null ? null : s.channel;
        return ch != null && ch.isActive();
    }

    private ConnectResult connectOne(Conn conn, Duration timeout) {
        open(conn);
        try {
            conn.handshake.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            synchronized (conns) {
                conns.add(conn);
            }
            return new ConnectResult(1, 1, null, Duration.ZERO);
        } catch (ExecutionException | TimeoutException e) {
            return new ConnectResult(1, 0, describe(e), Duration.ZERO);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new ConnectResult(1, 0, "interrupted", Duration.ZERO);
        }
    }

    private void sendJoins(List<Conn> members, Duration timeout) {
        long joins = 0;
        for (Conn conn : members) {
            joins += conn.joined.size();
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        joinsDone = done;
        pendingJoins.set(joins);
        if (joins == 0) {
            done.complete(null);
        }
        for (Conn conn : members) {
            Channel ch = Objects.requireNonNull(conn.channel);
            for (Integer room : conn.joined) {
                ByteBuf join =
                        WsProtocol.writeControl(ch.alloc().buffer(WsProtocol.CONTROL_SIZE), WsProtocol.JOIN, room);
                ch.writeAndFlush(new BinaryWebSocketFrame(join), ch.voidPromise());
            }
        }
        try {
            done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(
                    "joins not confirmed in " + timeout + ": " + pendingJoins.get() + " of " + joins + " missing");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while joining", e);
        }
        recountReaders();
    }

    private void recountReaders() {
        int max = rooms.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1);
        int[] readers = new int[max + 1];
        for (Map.Entry<Integer, List<Conn>> e : rooms.entrySet()) {
            readers[e.getKey()] = e.getValue().size();
        }
        roomReaders = readers;
    }

    /**
     * Starts sending {@code ratePerSecond} messages per second in total, spread evenly over the
     * connections that are in a room (each loop paces its own share).
     */
    void startSending(double ratePerSecond) {
        Map<EventLoop, List<Conn>> byLoop = new HashMap<>();
        for (Conn conn : snapshot()) {
            if (conn.room >= 0 && !conn.spectator) {
                byLoop.computeIfAbsent(Objects.requireNonNull(conn.channel).eventLoop(), l -> new ArrayList<>())
                        .add(conn);
            }
        }
        int senders = byLoop.values().stream().mapToInt(List::size).sum();
        if (senders == 0) {
            throw new IllegalStateException("no connection is in a room");
        }
        for (Map.Entry<EventLoop, List<Conn>> e : byLoop.entrySet()) {
            double share = ratePerSecond * e.getValue().size() / senders;
            Pacer pacer = new Pacer(e.getKey(), e.getValue().toArray(Conn[]::new), share);
            pacers.add(pacer);
            pacer.start();
        }
    }

    /** Stops every pacer and returns once no pacer can send any more. */
    void stopSending() {
        for (Pacer pacer : pacers) {
            pacer.stop();
        }
        pacers.clear();
    }

    /** Starts the measured window: counters and latencies from now on. */
    void beginWindow() {
        window = new LatencyHistogram();
        windowSent.reset();
        windowReceived.reset();
        windowStartNanos = System.nanoTime();
        measuring = true;
    }

    /** The measured window's figures. */
    record Window(
            double seconds,
            long sent,
            long received,
            long p50Nanos,
            long p99Nanos,
            long p999Nanos,
            long maxNanos,
            double meanNanos) {
        double sendsPerSecond() {
            return sent / seconds;
        }

        double deliveredPerSecond() {
            return received / seconds;
        }
    }

    Window endWindow() {
        measuring = false;
        double seconds = (System.nanoTime() - windowStartNanos) / 1e9;
        LatencyHistogram h = window;
        return new Window(
                seconds,
                windowSent.sum(),
                windowReceived.sum(),
                h.percentile(0.50),
                h.percentile(0.99),
                h.percentile(0.999),
                h.maxNanos(),
                h.meanNanos());
    }

    /** Totals since the start. */
    record Totals(long sent, long expected, long received, long misrouted, long closedUnexpectedly, long skipped) {
        long missing() {
            return expected - received;
        }
    }

    Totals totals() {
        return new Totals(
                sent.sum(),
                expected.sum(),
                received.sum(),
                misrouted.sum(),
                closedUnexpectedly.sum(),
                skippedSends.sum());
    }

    /** Waits until every expected message arrived or {@code timeout} passed; true when all arrived. */
    boolean awaitDelivered(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (received.sum() < expected.sum()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
        return true;
    }

    private List<Conn> snapshot() {
        synchronized (conns) {
            return new ArrayList<>(conns);
        }
    }

    /** Closes every connection (a TCP close, without a close frame) and stops the event loops. Idempotent. */
    @Override
    public void close() {
        if (closing) {
            return;
        }
        closing = true;
        stopSending();
        List<ChannelFuture> closes = new ArrayList<>();
        for (Conn conn : snapshot()) {
            Channel ch = conn.channel;
            if (ch != null) {
                closes.add(ch.close());
            }
        }
        for (ChannelFuture f : closes) {
            f.awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static final class Conn {
        final int id;
        final CompletableFuture<Void> handshake = new CompletableFuture<>();
        final List<Integer> joined = new ArrayList<>(1);

        @Nullable
        Channel channel;

        int room = -1;
        boolean spectator;
        long sequence;

        Conn(int id) {
            this.id = id;
        }
    }

    /** Per-connection receiver; not shared. */
    private final class Receiver extends SimpleChannelInboundHandler<WebSocketFrame> {
        private final Conn conn;

        Receiver(Conn conn) {
            this.conn = conn;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                conn.handshake.complete(null);
            } else if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
                conn.handshake.completeExceptionally(new TimeoutException("handshake timed out"));
                ctx.close();
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            if (frame instanceof BinaryWebSocketFrame) {
                long now = System.nanoTime();
                ByteBuf content = frame.content();
                if (WsProtocol.control(content, WsProtocol.JOINED) >= 0) {
                    if (pendingJoins.decrementAndGet() == 0) {
                        CompletableFuture<Void> done = joinsDone;
                        if (done != null) {
                            done.complete(null);
                        }
                    }
                    return;
                }
                if (conn.spectator) {
                    return; // what it reads before it stops reading is not counted: it is no recipient
                }
                if (content.readableBytes() != WsProtocol.MESSAGE_SIZE
                        || WsProtocol.sender(content) == conn.id
                        || !conn.joined.contains(WsProtocol.room(content))) {
                    misrouted.increment();
                    return;
                }
                received.increment();
                if (measuring) {
                    window.record(now - WsProtocol.sendNanos(content));
                    windowReceived.increment();
                }
            } else if (frame instanceof CloseWebSocketFrame) {
                ctx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            if (!conn.handshake.isDone()) {
                conn.handshake.completeExceptionally(new IllegalStateException("closed before the handshake"));
            } else if (!closing && !conn.handshake.isCompletedExceptionally()) {
                closedUnexpectedly.increment();
            }
            super.channelInactive(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            conn.handshake.completeExceptionally(cause);
            ctx.close();
        }
    }

    /** Sends one loop's share of the load from that loop, at a fixed rate, round-robin over its connections. */
    private final class Pacer implements Runnable {
        private final EventLoop loop;
        private final Conn[] senders;
        private final double perNano;
        private final long maxBurst;
        private long startNanos;
        private long due;
        private int next;
        private @Nullable ScheduledFuture<?> future;
        private volatile boolean stopped;

        Pacer(EventLoop loop, Conn[] senders, double perSecond) {
            this.loop = loop;
            this.senders = senders;
            this.perNano = perSecond / 1e9;
            this.maxBurst = Math.max(1, (long) (perSecond / 10));
        }

        void start() {
            loop.execute(() -> {
                startNanos = System.nanoTime();
                future = loop.scheduleAtFixedRate(this, 0, PACER_TICK_MICROS, TimeUnit.MICROSECONDS);
            });
        }

        void stop() {
            stopped = true;
            // Runs after any tick in progress on this loop: once it ran, nothing more is sent.
            loop.submit(() -> {
                        ScheduledFuture<?> f = future;
                        if (f != null) {
                            f.cancel(false);
                        }
                    })
                    .awaitUninterruptibly(5, TimeUnit.SECONDS);
        }

        @Override
        public void run() {
            if (stopped) {
                return;
            }
            long target = (long) ((System.nanoTime() - startNanos) * perNano);
            long backlog = target - due;
            if (backlog > maxBurst) {
                skippedSends.add(backlog - maxBurst);
                due += backlog - maxBurst;
                backlog = maxBurst;
            }
            int[] readers = roomReaders;
            for (long i = 0; i < backlog; i++) {
                Conn conn = senders[next];
                next = next + 1 == senders.length ? 0 : next + 1;
                due++;
                Channel ch = conn.channel;
                if (ch == null || !ch.isActive()) {
                    continue;
                }
                ByteBuf buf = ch.alloc().buffer(WsProtocol.MESSAGE_SIZE);
                WsProtocol.writeMessage(buf, conn.room, conn.id, conn.sequence++, System.nanoTime());
                ch.writeAndFlush(new BinaryWebSocketFrame(buf), ch.voidPromise());
                sent.increment();
                expected.add(readers[conn.room] - 1);
                if (measuring) {
                    windowSent.increment();
                }
            }
        }
    }
}

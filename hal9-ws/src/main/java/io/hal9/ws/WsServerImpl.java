package io.hal9.ws;

import io.hal9.core.Ticker;
import io.hal9.core.internal.Checks;
import io.hal9.ws.internal.WsPipeline;
import io.hal9.ws.netty.HostHttp;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server: configuration, counters, connection limits, rooms and, when standalone, its own Netty
 * bootstrap.
 *
 * <p>Design / Concurrency / Invariants: counters are {@code LongAdder}s or atomics written from every event
 * loop. {@code rooms} and {@code loops} are concurrent maps; {@code rooms} holds the open room of each
 * id (at most one: a room opens through {@code putIfAbsent}), registered by its first join or hold and removed
 * when it is reclaimed (no member, no hold) or closed (see {@link RoomImpl}). Sessions are held only by their event loop's {@link LoopState}
 * (and by rooms); closing the server visits every loop on its own thread. {@code closed} and {@code started}
 * are atomic flags; {@code serverChannel} and the groups are written once by {@code start()} under those flags
 * and read by {@code close()}. {@code hostConnections} (a concurrent set) holds the connections handed to a
 * host's plain HTTP: added on their event loop, removed by their close listener, closed by {@code close()}; a
 * connection added after {@code close()} walked the set closes itself (the add is followed by a check of {@code
 * closed}, the walk preceded by its set).
 *
 * <p>Not part of the API. Thread safety: safe for concurrent use.
 */
final class WsServerImpl<M> implements WsServer<M>, WsPipeline {
    private static final Logger LOG = LoggerFactory.getLogger(WsServerImpl.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    // the options, copied from the builder; times in nanoseconds
    final String name;
    final String component;
    private final String bindHost;
    private final int bindPort;
    final String path;
    final int maxMessageSize;
    final int sendQueueMessages;
    final long sendQueueBytes;
    final OverflowPolicy overflowPolicy;
    final long heartbeatIntervalNanos;
    final long heartbeatTimeoutNanos;
    final int inboundRate;
    final int inboundBurst;
    final int maxRateLimitedInRow;
    final int maxDecodeErrors;
    private final boolean compression;
    private final int compressionThreshold;
    final long resumeGraceNanos;
    /** Whether sessions are kept for resumption after their connection drops ({@code resumeGrace > 0}). */
    final boolean resumable;
    /** Messages kept per session for replay; 0 when resumption is off. */
    final int replayBufferMessages;

    final String instanceId;
    private final int eventLoopThreads;
    final long handshakeTimeoutNanos;
    final long closeTimeoutNanos;

    final MessageCodec<M> codec;
    final WsHandler<M> handler;
    final HandshakeAuthenticator authenticator;
    final RoomBus bus;
    private final boolean ownsBus;
    private final WsServerListener listener;
    final Ticker ticker;
    final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    final ConnectionLimiter limiter;
    /**
     * Connections over a limit that wait (at most {@link #REFUSAL_GRACE_NANOS}) for their request, to be answered
     * 503: at most {@link #MAX_REFUSING}; beyond, a connection over a limit is closed at once, without an answer.
     */
    final AtomicInteger refusing = new AtomicInteger();
    /** Most connections over a limit held open at once to be told 503 (each holds a file descriptor). */
    static final int MAX_REFUSING = 1_024;
    /** How long a connection over a limit has to send its request before it is closed without an answer. */
    static final long REFUSAL_GRACE_NANOS = TimeUnit.SECONDS.toNanos(1);

    final WebSocketServerHandshakerFactory handshakerFactory;

    private final ConcurrentHashMap<String, RoomImpl<M>> rooms = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<EventExecutor, LoopState> loops = new ConcurrentHashMap<>();
    private final AtomicLong sessionIds = new AtomicLong();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Object zeroConnections = new Object();

    private final Set<Channel> hostConnections = ConcurrentHashMap.newKeySet();
    private final ConcurrentHashMap<String, SessionImpl<M>> resumables = new ConcurrentHashMap<>();
    private final AtomicInteger detached = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();
    private final LongAdder openedTotal = new LongAdder();
    private final LongAdder resumedTotal = new LongAdder();
    private final LongAdder closedTotal = new LongAdder();
    private final ConcurrentHashMap<Integer, LongAdder> closedByCode = new ConcurrentHashMap<>();
    private final LongAdder messagesIn = new LongAdder();
    private final LongAdder bytesIn = new LongAdder();
    private final LongAdder messagesOut = new LongAdder();
    private final LongAdder bytesOut = new LongAdder();
    private final EnumMap<OverflowPolicy, LongAdder> dropped = new EnumMap<>(OverflowPolicy.class);
    private final LongAdder slowConsumers = new LongAdder();
    private final LongAdder queuedMessages = new LongAdder();
    private final LongAdder queuedBytes = new LongAdder();
    private final ConcurrentHashMap<String, LongAdder> rejections = new ConcurrentHashMap<>();
    private final LongAdder decodeErrors = new LongAdder();
    private final LongAdder rateLimited = new LongAdder();
    private final LongAdder rateLimitDisconnects = new LongAdder();
    private final LongAdder controlFramesIn = new LongAdder();
    private final LongAdder pongsCoalesced = new LongAdder();
    private final LongAdder acceptErrors = new LongAdder();
    private final LongAdder handlerErrors = new LongAdder();
    private final LongAdder heartbeatTimeouts = new LongAdder();

    private volatile @Nullable Channel serverChannel;
    private volatile @Nullable EventLoopGroup bossGroup;
    private volatile @Nullable EventLoopGroup workerGroup;

    /** Creates a server that is not started; {@link WsServer.Builder#build()} calls this once it checked the options. */
    WsServerImpl(WsServer.Builder<M> b) {
        this.name = b.name;
        this.component = b.component;
        this.bindHost = b.host;
        this.bindPort = b.port;
        this.path = b.path;
        this.maxMessageSize = b.maxMessageSize();
        this.sendQueueMessages = b.sendQueueMessages;
        this.sendQueueBytes = b.sendQueueBytes;
        this.overflowPolicy = b.overflowPolicy;
        this.heartbeatIntervalNanos = Checks.saturatedNanos(b.heartbeatInterval);
        this.heartbeatTimeoutNanos = Checks.saturatedNanos(b.heartbeatTimeout);
        this.inboundRate = b.inboundRate;
        this.inboundBurst = b.inboundBurst();
        this.maxRateLimitedInRow = b.maxRateLimitedInRow;
        this.maxDecodeErrors = b.maxDecodeErrors;
        this.compression = b.compression;
        this.compressionThreshold = b.compressionThreshold;
        this.resumeGraceNanos = Checks.saturatedNanos(b.resumeGrace);
        this.resumable = resumeGraceNanos > 0;
        this.replayBufferMessages = b.replayBufferMessages();
        String id = b.instanceId;
        this.instanceId = id == null ? UUID.randomUUID().toString() : id;
        this.eventLoopThreads = b.eventLoopThreads;
        this.handshakeTimeoutNanos = Checks.saturatedNanos(b.handshakeTimeout);
        this.closeTimeoutNanos = Checks.saturatedNanos(b.closeTimeout);
        this.codec = b.codec;
        this.handler = b.handler;
        this.authenticator = b.authenticator;
        RoomBus given = b.roomBus;
        this.ownsBus = given == null;
        this.bus = given == null ? new LocalRoomBus() : given;
        this.listener = b.listener;
        this.ticker = b.ticker;
        for (OverflowPolicy p : OverflowPolicy.values()) {
            dropped.put(p, new LongAdder());
        }
        this.limiter = new ConnectionLimiter(b.maxConnections, b.maxConnectionsPerIp(), () -> {
            if (closed.get()) {
                synchronized (zeroConnections) {
                    zeroConnections.notifyAll();
                }
            }
        });
        WebSocketDecoderConfig decoder = WebSocketDecoderConfig.newBuilder()
                .maxFramePayloadLength(b.maxFrameSize)
                .allowExtensions(compression)
                .closeOnProtocolViolation(true)
                .withUTF8Validator(true)
                .build();
        this.handshakerFactory = new WebSocketServerHandshakerFactory(path, WsServer.BATCH_SUBPROTOCOL, decoder);
    }

    // ---------------------------------------------------------------- API

    @Override
    public String name() {
        return name;
    }

    @Override
    public String instanceId() {
        return instanceId;
    }

    @Override
    public WsServer<M> start() {
        if (closed.get()) {
            throw new WsException(component + ": cannot start: closed");
        }
        if (!started.compareAndSet(false, true)) {
            throw new WsException(component + ": already started");
        }
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        EventLoopGroup workers = io.hal9.ws.netty.WsEventLoops.group(eventLoopThreads, component + "-ws");
        bossGroup = boss;
        workerGroup = workers;
        ServerBootstrap b = new ServerBootstrap()
                .group(boss, workers)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .handler(AcceptErrorHandler.of(this))
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        initPipeline(ch, null);
                    }
                });
        // Not syncUninterruptibly(): it rethrows the bind's java.net.BindException, a checked exception the
        // signature does not declare, which would pass by a catch of RuntimeException.
        Throwable failure;
        try {
            ChannelFuture bound = b.bind(bindHost, bindPort).awaitUninterruptibly();
            failure = bound.cause();
            if (failure == null) {
                serverChannel = bound.channel();
            }
        } catch (RuntimeException e) {
            failure = e;
        }
        if (failure != null) {
            // The event loops started for the bind end before the caller hears of the failure (close() waits
            // for their termination), so that a process whose server could not start can exit.
            close();
            throw new WsException(
                    component + ": cannot bind " + address(bindHost, bindPort) + ": " + describe(failure), failure);
        }
        LOG.info("{}: listening on {}{}", component, serverChannel().localAddress(), path);
        return this;
    }

    /** {@code host:port}, with an IPv6 literal in brackets. */
    private static String address(String host, int port) {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /** The failure's message, or its class when it has none (an unresolved address has none). */
    private static String describe(Throwable t) {
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    }

    private Channel serverChannel() {
        return Objects.requireNonNull(serverChannel, "serverChannel");
    }

    /** See {@link WsPipeline#initPipeline}. */
    @Override
    public void initPipeline(Channel ch, @Nullable HostHttp host) {
        ch.config().setWriteBufferWaterMark(new WriteBufferWaterMark(32 * 1024, 64 * 1024));
        ChannelPipeline p = ch.pipeline();
        if (host == null) {
            p.addLast(HostHttp.CODEC, new HttpServerCodec(4096, 8192, 8192));
        } else {
            p.addLast(HostHttp.CODEC, new HttpServerCodec(host.maxInitialLineLength(), host.maxHeaderSize(), 8192));
            p.addLast(HostRouter.NAME, new HostRouter(this, host));
        }
        p.addLast(HostRouter.UPGRADE, new HttpObjectAggregator(8192));
        if (compression) {
            p.addLast(HostRouter.DEFLATE, Compression.handler(compressionThreshold, maxMessageSize));
        }
        long firstDeadline =
                host == null ? handshakeTimeoutNanos : host.headerTimeout().toNanos();
        p.addLast(HostRouter.HANDSHAKE, new HandshakeHandler(this, firstDeadline));
    }

    /**
     * A connection became the host's (see {@link HostHttp}): it keeps its slot until it closes, and {@link
     * #close()} closes it.
     */
    void hostConnection(Channel ch, InetAddress ip) {
        hostConnections.add(ch);
        ch.closeFuture().addListener(f -> {
            hostConnections.remove(ch);
            connectionClosed(ip, false);
        });
        if (closed.get()) {
            ch.close(); // close() may have passed over the set before this connection joined it
        }
    }

    @Override
    public io.netty.channel.ChannelHandler acceptErrorHandler() {
        return AcceptErrorHandler.of(this);
    }

    @Override
    public int port() {
        Channel ch = serverChannel;
        return ch == null ? -1 : ((InetSocketAddress) ch.localAddress()).getPort();
    }

    @Override
    public Room<M> room(String roomId) {
        Objects.requireNonNull(roomId, "roomId");
        if (closed.get()) {
            throw new WsException(component + ": closed, cannot open room '" + roomId + "'");
        }
        RoomImpl<M> open = rooms.get(roomId);
        // no open room: a detached one, which its first join or hold opens (registers and subscribes)
        return open != null ? open : new RoomImpl<>(this, roomId);
    }

    /**
     * Makes {@code room} the open room of its id, unless another one is; called under {@code room}'s monitor.
     *
     * @return {@code room} if it is registered now, the room registered for its id if another is, or null if the
     *     server is closed
     */
    @Nullable
    RoomImpl<M> registerRoom(RoomImpl<M> room) {
        if (closed.get()) {
            return null;
        }
        RoomImpl<M> open = rooms.putIfAbsent(room.id(), room);
        if (open != null) {
            return open;
        }
        // close() sets closed before it walks the registry, and this reads closed after the put: either close()
        // sees this room and closes it, or this sees closed and takes the room out again
        if (closed.get()) {
            rooms.remove(room.id(), room);
            return null;
        }
        return room;
    }

    /** Subscribes a room that was just opened; never throws (a refusal is a failed stage). */
    CompletionStage<Void> subscribeRoom(RoomImpl<M> room) {
        try {
            return bus.subscribe(room.id(), room);
        } catch (RuntimeException e) {
            LOG.debug("{}: the room bus refused the subscription of a room", component, e);
            return CompletableFuture.failedStage(e);
        }
    }

    /** Unsubscribes a room and then takes it out of the registry; called under the room's monitor. */
    void unregisterRoom(RoomImpl<M> room) {
        try {
            bus.unsubscribe(room.id(), room);
        } catch (RuntimeException e) {
            LOG.debug("{}: the room bus failed to unsubscribe a room", component, e);
        }
        rooms.remove(room.id(), room);
    }

    /** The open room of this id, or null. */
    @Nullable
    RoomImpl<M> liveRoom(String roomId) {
        return rooms.get(roomId);
    }

    @Override
    public int sessionCount() {
        return open.get();
    }

    @Override
    public boolean isClosed() {
        return closed.get();
    }

    @Override
    public WsServer.Stats stats() {
        Map<Integer, Long> byCode = new TreeMap<>();
        closedByCode.forEach((k, v) -> byCode.put(k, v.sum()));
        Map<OverflowPolicy, Long> drops = new EnumMap<>(OverflowPolicy.class);
        dropped.forEach((k, v) -> drops.put(k, v.sum()));
        Map<String, Long> rej = new TreeMap<>();
        rejections.forEach((k, v) -> rej.put(k, v.sum()));
        int openNow = open.get();
        return new WsServer.Stats(
                openNow,
                Math.max(0, limiter.total() - openNow - hostConnections.size()),
                detached.get(),
                openedTotal.sum(),
                resumedTotal.sum(),
                closedTotal.sum(),
                byCode,
                messagesIn.sum(),
                bytesIn.sum(),
                messagesOut.sum(),
                bytesOut.sum(),
                drops,
                slowConsumers.sum(),
                queuedMessages.sum(),
                queuedBytes.sum(),
                rej,
                decodeErrors.sum(),
                rateLimited.sum(),
                acceptErrors.sum(),
                handlerErrors.sum(),
                heartbeatTimeouts.sum(),
                rateLimitDisconnects.sum(),
                controlFramesIn.sum(),
                pongsCoalesced.sum(),
                rooms.size());
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        long deadline = System.nanoTime() + closeTimeoutNanos;
        Channel sc = serverChannel;
        if (sc != null) {
            sc.close().awaitUninterruptibly(closeTimeoutNanos, TimeUnit.NANOSECONDS);
        }
        for (Channel host : hostConnections) {
            host.close(); // the host's plain HTTP connections hold slots too
        }
        for (LoopState loop : loops.values()) {
            runOn(loop, () -> {
                for (SessionImpl<?> s : loop.snapshot()) {
                    s.closeFromServer(1001, "server shutdown", true);
                }
            });
        }
        boolean interrupted = false;
        synchronized (zeroConnections) {
            while (limiter.total() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(zeroConnections, left);
                } catch (InterruptedException e) {
                    interrupted = true;
                    break;
                }
            }
        }
        if (limiter.total() > 0) {
            LOG.info("{}: {} connections still open after the close timeout, closing them", component, limiter.total());
            CountDownLatch forced = new CountDownLatch(loops.size());
            for (LoopState loop : loops.values()) {
                runOn(loop, () -> {
                    try {
                        for (SessionImpl<?> s : loop.snapshot()) {
                            s.closeFromServer(1001, "server shutdown", false);
                        }
                    } finally {
                        forced.countDown();
                    }
                });
            }
            try {
                forced.await(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        for (RoomImpl<M> r : new ArrayList<>(rooms.values())) {
            r.close();
        }
        if (ownsBus) {
            bus.close();
        }
        List<Future<?>> shutdowns = new ArrayList<>(2);
        EventLoopGroup boss = bossGroup;
        EventLoopGroup workers = workerGroup;
        if (boss != null) {
            shutdowns.add(boss.shutdownGracefully(0, 1, TimeUnit.SECONDS));
        }
        if (workers != null) {
            shutdowns.add(workers.shutdownGracefully(0, 1, TimeUnit.SECONDS));
        }
        for (Future<?> f : shutdowns) {
            f.awaitUninterruptibly(3, TimeUnit.SECONDS);
        }
        LOG.info("{}: closed", component);
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static void runOn(LoopState loop, Runnable task) {
        try {
            loop.executor.execute(task);
        } catch (RuntimeException shutDown) {
            // the host's loop is gone: its channels are closed with it
        }
    }

    // ---------------------------------------------------------------- internals used by sessions and handlers

    SessionImpl<M> newSession(Channel ch, InetAddress ip, boolean batching, Map<String, Object> attributes) {
        SessionImpl<M> s = new SessionImpl<>(this, sessionIds.incrementAndGet(), ch, ip, batching);
        if (!attributes.isEmpty()) {
            s.attributes().putAll(attributes);
        }
        return s;
    }

    String newResumeToken() {
        byte[] bytes = new byte[18];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    LoopState loopState(EventExecutor executor) {
        return loops.computeIfAbsent(executor, e -> new LoopState(e, this));
    }

    long sweepPeriodNanos() {
        long shortest = Math.min(heartbeatIntervalNanos, heartbeatTimeoutNanos);
        return Math.max(TimeUnit.MILLISECONDS.toNanos(5), shortest / 4);
    }

    void publish(String roomId, boolean binary, ByteBuf buf) {
        try {
            bus.publish(roomId, instanceId, binary, buf);
        } catch (RuntimeException e) {
            LOG.debug("{}: room bus publish failed for a room", component, e);
        }
    }

    void sessionOpened(SessionImpl<M> s) {
        open.incrementAndGet();
        openedTotal.increment();
        safe(listener::opened);
    }

    void registerResumable(String token, SessionImpl<M> s) {
        resumables.put(token, s);
    }

    void unregisterResumable(String token, SessionImpl<M> s) {
        resumables.remove(token, s);
    }

    @Nullable
    SessionImpl<M> resumable(String token) {
        return resumables.get(token);
    }

    void detachedAdd(int delta) {
        detached.addAndGet(delta);
    }

    void sessionResumed(SessionImpl<M> s) {
        open.incrementAndGet();
        resumedTotal.increment();
        safe(listener::resumed);
    }

    void sessionClosed(SessionImpl<M> s, int code) {
        closedTotal.increment();
        closedByCode.computeIfAbsent(code, k -> new LongAdder()).increment();
        safe(() -> listener.closed(code));
    }

    /** A connection that held a slot is gone; {@code wasOpen}: it had completed its handshake. */
    void connectionClosed(InetAddress ip, boolean wasOpen) {
        if (wasOpen) {
            open.decrementAndGet();
        }
        limiter.release(ip);
    }

    void handshakeRejected(String reason) {
        rejections.computeIfAbsent(reason, k -> new LongAdder()).increment();
        safe(() -> listener.handshakeRejected(reason));
    }

    void dropped(OverflowPolicy policy) {
        dropped.get(policy).increment();
        safe(() -> listener.dropped(policy));
    }

    void slowConsumerClosed() {
        slowConsumers.increment();
        safe(listener::slowConsumerClosed);
    }

    void queuedAdd(int messages, long bytes) {
        queuedMessages.add(messages);
        queuedBytes.add(bytes);
    }

    void wrote(int bytes, boolean data) {
        if (data) {
            messagesOut.increment();
        }
        bytesOut.add(bytes);
    }

    void batchedMessages(int count) {
        // each message of a batch was already counted when written as part of the batch frame
        messagesOut.add(count - 1L);
    }

    void received(int bytes) {
        messagesIn.increment();
        bytesIn.add(bytes);
    }

    void rateLimited() {
        rateLimited.increment();
        safe(listener::rateLimited);
    }

    void rateLimitClosed() {
        rateLimitDisconnects.increment();
    }

    void controlFrameIn() {
        controlFramesIn.increment();
    }

    void pongCoalesced() {
        pongsCoalesced.increment();
    }

    void decodeError() {
        decodeErrors.increment();
        safe(listener::decodeError);
    }

    void acceptError() {
        acceptErrors.increment();
        safe(listener::acceptError);
    }

    void heartbeatTimeout() {
        heartbeatTimeouts.increment();
    }

    void handlerError(SessionImpl<M> s, String callback, RuntimeException e) {
        handlerErrors.increment();
        LOG.debug("{}: handler {} failed for session {}", component, callback, s.id(), e);
    }

    void handlerError(String room, String callback, RuntimeException e) {
        handlerErrors.increment();
        LOG.debug("{}: handler {} failed for room {}", component, callback, room, e);
    }

    private void safe(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            LOG.debug("{}: listener failed", component, e);
        }
    }

    @Override
    public String toString() {
        return component + " (open=" + open.get() + ", port=" + port() + ")";
    }
}

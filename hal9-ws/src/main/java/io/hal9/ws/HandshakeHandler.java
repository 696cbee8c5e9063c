package io.hal9.ws;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.Utf8FrameValidator;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first HAL9 handler of a connection: takes a connection slot (global and per-IP limits) when the
 * connection becomes active (with a host's plain HTTP, the {@link HostRouter} in front may hand the connection
 * and its slot to the host after the first request head), answers the upgrade request (503 + Retry-After over a limit, 404 for another path,
 * 400 for a plain HTTP request, the authenticator's status on a rejection), performs the WebSocket handshake
 * and then replaces itself by the frame handlers and the session. Not {@code @Sharable}: one per connection,
 * discarded after the handshake.
 *
 * <p>Design / Concurrency / Invariants: every field is touched only on the connection's event loop (the
 * authenticator's stage completes anywhere and hops back with {@code execute}). The connection slot taken in
 * {@code channelActive} is released exactly once: here on {@code channelInactive} if no session took it over,
 * else by the session.
 *
 * <p>Not part of the API. Thread safety: confined to its event loop.
 */
final class HandshakeHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(HandshakeHandler.class);

    private final WsServerImpl<?> server;
    private @Nullable InetAddress ip;
    private @Nullable String refusedBy;
    private boolean slotTaken;
    private boolean handedOver;
    private boolean requestSeen;
    /** This connection is over a limit and counted in {@code server.refusing} until it closes. */
    private boolean countedRefusing;

    private @Nullable ScheduledFuture<?> timeout;
    private final long firstTimeoutNanos;
    private long activeNanos;

    /**
     * @param firstTimeoutNanos how long the connection has for its first request head (a host's header
     *     timeout) or, without a host, for the whole handshake
     */
    HandshakeHandler(WsServerImpl<?> server, long firstTimeoutNanos) {
        this.server = server;
        this.firstTimeoutNanos = firstTimeoutNanos;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ip = addressOf(ctx.channel());
        if (server.isClosed()) {
            refusedBy = "closing";
        } else {
            refusedBy = server.limiter.tryAcquire(ip);
            slotTaken = refusedBy == null;
        }
        activeNanos = System.nanoTime();
        if (refusedBy != null) {
            // over a limit: the connection may hold a descriptor only briefly, and only so many of them at once,
            // or a flood from one address could take every file descriptor of the process
            if (server.refusing.incrementAndGet() > WsServerImpl.MAX_REFUSING) {
                server.refusing.decrementAndGet();
                server.handshakeRejected(refusedBy);
                ctx.close();
                return;
            }
            countedRefusing = true;
            schedule(ctx, Math.min(spread(firstTimeoutNanos), WsServerImpl.REFUSAL_GRACE_NANOS));
        } else {
            schedule(ctx, spread(firstTimeoutNanos));
        }
        ctx.fireChannelActive();
    }

    /**
     * A timeout shortened by a random 0-20 %: connections that arrived together (a flood) then time out over a
     * span instead of in one burst that would hold the other sessions of their event loop. The configured
     * timeout stays the upper bound.
     */
    static long spread(long timeoutNanos) {
        return timeoutNanos - java.util.concurrent.ThreadLocalRandom.current().nextLong(timeoutNanos / 5 + 1);
    }

    private void schedule(ChannelHandlerContext ctx, long delayNanos) {
        timeout = ctx.executor()
                .schedule(
                        () -> {
                            if (ctx.channel().isActive() && !handedOver) {
                                // a connection over a limit is counted under that limit, whether told or not
                                String reason = refusedBy;
                                server.handshakeRejected(reason != null ? reason : "timeout");
                                ctx.close();
                            }
                        },
                        delayNanos,
                        TimeUnit.NANOSECONDS);
    }

    /** Whether this connection is refused (over a limit, or the server closing): HAL9 answers it 503. */
    boolean refusing() {
        return refusedBy != null || server.isClosed();
    }

    /**
     * The {@link HostRouter} found a WebSocket upgrade (or a refused connection): the handshake must now be done
     * within the server's handshake timeout, counted from the accept.
     */
    void routedToWebSocket(ChannelHandlerContext ctx) {
        cancelTimeout();
        long left = server.handshakeTimeoutNanos - (System.nanoTime() - activeNanos);
        schedule(ctx, Math.max(0, left));
    }

    /**
     * The {@link HostRouter} hands the connection to the host's plain HTTP: no handshake timeout any more, and
     * the slot is given back when the connection closes, whatever handlers the host puts in.
     */
    void handedToHost(ChannelHandlerContext ctx) {
        cancelTimeout();
        handedOver = true;
        if (slotTaken) {
            slotTaken = false;
            server.hostConnection(ctx.channel(), ip());
        }
    }

    private static InetAddress addressOf(Channel ch) {
        if (ch.remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null) {
            return a.getAddress();
        }
        return InetAddress.getLoopbackAddress();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelTimeout();
        if (countedRefusing) {
            countedRefusing = false;
            server.refusing.decrementAndGet();
        }
        if (slotTaken && !handedOver) {
            slotTaken = false;
            server.connectionClosed(ip(), false);
        }
        ctx.fireChannelInactive();
    }

    private InetAddress ip() {
        InetAddress a = ip;
        return a != null ? a : InetAddress.getLoopbackAddress();
    }

    private void cancelTimeout() {
        if (timeout != null) {
            timeout.cancel(false);
            timeout = null;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest req) || requestSeen) {
            ReferenceCountUtil.release(msg);
            return;
        }
        requestSeen = true;
        boolean passed = false;
        try {
            if (!req.decoderResult().isSuccess()) {
                reject(ctx, HttpResponseStatus.BAD_REQUEST, "bad-request", "malformed request");
                return;
            }
            if (refusedBy != null) {
                reject(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, refusedBy, "server busy: " + refusedBy);
                return;
            }
            if (server.isClosed()) {
                reject(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "closing", "server closing");
                return;
            }
            QueryStringDecoder query = new QueryStringDecoder(req.uri());
            if (!query.path().equals(server.path)) {
                reject(ctx, HttpResponseStatus.NOT_FOUND, "path", "no WebSocket endpoint at " + query.path());
                return;
            }
            if (!req.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)) {
                reject(ctx, HttpResponseStatus.BAD_REQUEST, "not-websocket", "expected a WebSocket upgrade");
                return;
            }
            passed = true;
        } finally {
            if (!passed) {
                req.release();
            }
        }
        authenticate(ctx, req, new QueryStringDecoder(req.uri()));
    }

    private void authenticate(ChannelHandlerContext ctx, FullHttpRequest req, QueryStringDecoder query) {
        Map<String, List<String>> headers = new HashMap<>();
        for (Map.Entry<String, String> h : req.headers()) {
            headers.computeIfAbsent(h.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>(1))
                    .add(h.getValue());
        }
        HandshakeRequest request = new HandshakeRequest(
                req.uri(),
                query.path(),
                query.parameters(),
                headers,
                ctx.channel().remoteAddress());
        CompletionStage<HandshakeDecision> stage;
        try {
            stage = server.authenticator.authenticate(request);
        } catch (RuntimeException e) {
            LOG.debug("{}: authenticator failed", server.component, e);
            req.release();
            reject(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "auth-error", "authentication failed");
            return;
        }
        stage.whenComplete((decision, error) -> {
            if (ctx.executor().inEventLoop()) {
                decided(ctx, req, query, decision, error);
            } else {
                try {
                    ctx.executor().execute(() -> decided(ctx, req, query, decision, error));
                } catch (RuntimeException shutDown) {
                    req.release();
                }
            }
        });
    }

    private void decided(
            ChannelHandlerContext ctx,
            FullHttpRequest req,
            QueryStringDecoder query,
            @Nullable HandshakeDecision decision,
            @Nullable Throwable error) {
        try {
            if (!ctx.channel().isActive()) {
                return;
            }
            if (error != null || decision == null) {
                LOG.debug("{}: authenticator failed", server.component, error);
                reject(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "auth-error", "authentication failed");
                return;
            }
            if (!decision.accepted()) {
                reject(
                        ctx,
                        HttpResponseStatus.valueOf(decision.status()),
                        "auth-" + decision.status(),
                        decision.reason());
                return;
            }
            handshake(ctx, req, query, decision);
        } finally {
            req.release();
        }
    }

    private void handshake(
            ChannelHandlerContext ctx, FullHttpRequest req, QueryStringDecoder query, HandshakeDecision decision) {
        String token = first(query, "resume");
        if (token == null || !server.resumable) {
            open(ctx, req, query, decision, null, -1, null);
            return;
        }
        SessionImpl<?> old = server.resumable(token);
        long lastSeq = parseSeq(first(query, "lastSeq"));
        if (old == null) {
            open(ctx, req, query, decision, null, lastSeq, "unknown or expired resume token");
            return;
        }
        if (!old.isConnected()) {
            open(ctx, req, query, decision, old, lastSeq, null);
            return;
        }
        // the old connection still looks alive: close it, wait until the session is detached, then resume
        req.retain();
        old.takeOver().whenComplete((detached, error) -> {
            Runnable resume = () -> {
                try {
                    if (ctx.channel().isActive()) {
                        open(ctx, req, query, decision, old, lastSeq, null);
                    }
                } finally {
                    req.release();
                }
            };
            try {
                ctx.executor().execute(resume);
            } catch (RuntimeException shutDown) {
                req.release();
            }
        });
    }

    private static @Nullable String first(QueryStringDecoder query, String name) {
        List<String> values = query.parameters().get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private static long parseSeq(@Nullable String s) {
        if (s == null) {
            return -1;
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Completes the handshake: resumes {@code old} if it can still be attached, else opens a new session (told
     * to resynchronise if the client asked for a resume that cannot be honoured).
     */
    private void open(
            ChannelHandlerContext ctx,
            FullHttpRequest req,
            QueryStringDecoder query,
            HandshakeDecision decision,
            @Nullable SessionImpl<?> old,
            long lastSeq,
            @Nullable String resyncReason) {
        WebSocketServerHandshaker handshaker = server.handshakerFactory.newHandshaker(req);
        if (handshaker == null) {
            server.handshakeRejected("not-websocket");
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel())
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        Channel ch = ctx.channel();
        SessionImpl<?> session;
        boolean resuming = old != null && old.attach(ch, ip());
        if (resuming) {
            session = old;
        } else {
            session = server.newSession(ch, ip(), requestsBatch(req, query), decision.attributes());
            if (old != null || resyncReason != null) {
                session.resyncOnOpen(resyncReason != null ? resyncReason : "resume grace expired");
            }
        }
        handedOver = true;
        cancelTimeout();
        ChannelPipeline p = ch.pipeline();
        String name = ctx.name();
        p.addBefore(name, "hal9-utf8", new Utf8FrameValidator(true));
        p.addBefore(name, "hal9-aggregator", new WebSocketFrameAggregator(server.maxMessageSize));
        p.replace(this, "hal9-session", session);
        ChannelFuture done;
        try {
            done = handshaker.handshake(ch, req, null, ch.newPromise());
        } catch (RuntimeException e) {
            // the handshaker refuses requests without the WebSocket headers it needs; the session handler,
            // now in the pipeline, sees the connection close (and releases the slot)
            LOG.debug("{}: handshake refused", server.component, e);
            server.handshakeRejected("not-websocket");
            ch.close();
            return;
        }
        done.addListener(f -> {
            if (!f.isSuccess()) {
                ch.close();
            } else if (resuming) {
                session.resumed(lastSeq);
            } else {
                session.opened();
            }
        });
    }

    private static boolean requestsBatch(FullHttpRequest req, QueryStringDecoder query) {
        String protocols = req.headers().get(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL);
        if (protocols != null) {
            for (String p : protocols.split(",")) {
                if (p.trim().equals(WsServer.BATCH_SUBPROTOCOL)) {
                    return true;
                }
            }
        }
        List<String> batch = query.parameters().get("batch");
        return batch != null && batch.contains("1");
    }

    private void reject(ChannelHandlerContext ctx, HttpResponseStatus status, String reason, String body) {
        server.handshakeRejected(reason);
        ByteBuf content = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes())
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        if (status.code() == 503) {
            response.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
        }
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.trace("{}: handshake failed", server.component, cause);
        ctx.close();
    }
}

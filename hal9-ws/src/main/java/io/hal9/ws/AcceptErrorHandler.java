package io.hal9.ws;

import io.hal9.core.Ticker;
import io.hal9.core.internal.RateLimitedLog;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sits on the listening channel and keeps the acceptor alive when {@code accept()} fails (EMFILE: out of file
 * descriptors, ENFILE, ENOBUFS). Netty keeps a server channel open on an accept {@code IOException}; this
 * handler counts the failure, logs at most one WARN per {@link #LOG_INTERVAL_NANOS}, pauses accepting (auto
 * read off) for {@link #PAUSE_MILLIS} so that the loop does not spin on a failing accept, and resumes: as soon
 * as descriptors are free again, new connections are accepted. It does not pass the exception on, so Netty's
 * one-second pause in its acceptor and its tail-of-pipeline WARN are not triggered.
 *
 * <p>Design / Concurrency / Invariants: one instance per listening channel; all fields are touched only on
 * that channel's event loop (exceptionCaught and the scheduled resume), except the counter, which the server
 * reads through its {@code LongAdder}.
 *
 * <p>Not part of the API. Thread safety: confined to the listening channel's event loop.
 */
final class AcceptErrorHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(AcceptErrorHandler.class);
    static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
    static final long PAUSE_MILLIS = 50;

    private final WsServerImpl<?> server;
    private final RateLimitedLog log = new RateLimitedLog(Ticker.system(), LOG_INTERVAL_NANOS);
    private boolean paused;

    AcceptErrorHandler(WsServerImpl<?> server) {
        this.server = server;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        server.acceptError();
        long heldBack = log.tryAcquire();
        if (heldBack != RateLimitedLog.HELD_BACK) {
            LOG.warn(
                    "{}: accept failed ({} more since the last report), pausing accepts for {}ms: {}",
                    server.component,
                    heldBack,
                    PAUSE_MILLIS,
                    cause.toString());
        }
        if (!paused && ctx.channel().config().isAutoRead()) {
            paused = true;
            ctx.channel().config().setAutoRead(false);
            ctx.executor()
                    .schedule(
                            () -> {
                                paused = false;
                                if (ctx.channel().isOpen()) {
                                    ctx.channel().config().setAutoRead(true);
                                }
                            },
                            PAUSE_MILLIS,
                            TimeUnit.MILLISECONDS);
        }
    }

    static ChannelHandler of(WsServerImpl<?> server) {
        return new AcceptErrorHandler(server);
    }
}

package io.hal9.examples.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP/1.1 connection of the {@link HttpApi}, hardened: it reads one request at a time (auto-read off,
 * behind a {@link FlowControlHandler}: the next request is read only once the previous answer is written, so
 * pipelined requests are answered in order and a client cannot queue work), and enforces, per connection on
 * its event loop's scheduler (no thread per connection):
 *
 * <ul>
 *   <li>header timeout: from a request's first byte (or, for a new connection, from the accept: hal9-ws's
 *       {@code HostHttp} header timeout) to its complete head; then the connection is closed without an
 *       answer (a slowloris never finishes a head to answer);
 *   <li>body timeout: from the head to the end of the body; then 408 {@code request_timeout} and close;
 *   <li>idle timeout: a keep-alive connection waiting for its next request, or an answer waiting for the
 *       client to take it; then the connection is closed;
 *   <li>a request line over the limit or a URL over {@code maxUrlLength}: 414 {@code uri_too_long}; a header
 *       block over {@code maxHeaderSize} or more than {@code maxHeaders} headers: 431 {@code
 *       headers_too_large}; a body over {@code maxBody} (announced by {@code Content-Length} or sent): 413
 *       {@code body_too_large}; an unparsable request: 400 {@code bad_request}; each answered, then closed
 *       with a lingering close (output shut, the rest of the request read and dropped for up to 2 s or 1 MiB)
 *       so that the client can read the answer;
 *   <li>{@code Connection: close} (and HTTP/1.0 without keep-alive) is honoured: closed after the answer.
 * </ul>
 *
 * <p>Handling: what needs only memory answers on the event loop ({@link HttpApi#handleInline}: the health routes,
 * a games list page the list cache holds); every other request runs on
 * the server's HTTP {@link Dispatcher} (a bounded task limiter on virtual threads) and its answer comes back to
 * the event loop; when the dispatcher is full the answer is 503 {@code overloaded} with {@code Retry-After}.
 * Answers of {@value HttpApi#GZIP_MIN} bytes or more are gzipped for clients that accept it, on the request's
 * virtual thread ({@link HttpApi#gzipped}), not on the event loop, which the WebSocket sessions share.
 *
 * <p>Not {@code @Sharable}: one per connection. Thread safety: confined to its channel's event loop; the
 * dispatched task only reads the immutable request and hands its answer back with {@code execute}.
 */
final class HttpConnection extends ChannelInboundHandlerAdapter {
    /*
     * Design / Concurrency / Invariants: every field is read and written on the channel's event loop only
     * (the handler methods, the timer's task, the byte watcher, and respond(), which a dispatched task
     * reaches through ctx.executor().execute). State machine: HEAD (a request has started or the connection
     * is new) -> BODY (head read) -> HANDLING (request complete, nothing read) -> WRITING (answer in the
     * socket) -> IDLE (keep-alive) -> HEAD...; an answer followed by a close goes WRITING -> LINGER (output
     * shut, input drained) -> CLOSED; CLOSED is final. At most one timer is armed at a time:
     * arming cancels the previous one; a timer that fires checks that it is still the armed one.
     */
    private static final Logger log = LoggerFactory.getLogger(HttpConnection.class);
    static final String BYTES = "http-bytes";
    static final String FLOW = "http-flow";
    static final String NAME = "http-connection";

    /** Runs a request's blocking work off the event loop; answers false when it cannot take it now. */
    @FunctionalInterface
    interface Dispatcher {
        boolean dispatch(Runnable task);
    }

    private enum State {
        HEAD,
        BODY,
        HANDLING,
        WRITING,
        IDLE,
        /** Answered and half-closed: what the client still sends is read and dropped until it closes. */
        LINGER,
        CLOSED
    }

    /** How long, and how many bytes, a lingering close reads before it closes anyway. */
    static final long LINGER_NANOS = TimeUnit.SECONDS.toNanos(2);

    static final long LINGER_BYTES = 1 << 20;

    private final HttpApi api;
    private final ServerConfig.HttpLimits limits;
    private final Dispatcher dispatcher;
    private final BooleanSupplier closing;
    private @Nullable ChannelHandlerContext ctx;
    private State state = State.HEAD;
    private @Nullable ScheduledFuture<?> timer;
    private @Nullable HttpRequest head;
    private byte[] body = new byte[0];
    private int bodyLength;
    private boolean keepAlive;
    private long startNanos = System.nanoTime();
    private long lingered;

    /**
     * @param closing true once the server shuts down: answers then say {@code Connection: close}
     */
    HttpConnection(HttpApi api, ServerConfig.HttpLimits limits, Dispatcher dispatcher, BooleanSupplier closing) {
        this.api = api;
        this.limits = limits;
        this.dispatcher = dispatcher;
        this.closing = closing;
    }

    /**
     * Adds this connection's handlers around the HTTP codec named {@code codec}: a byte watcher in front of it
     * (a request's first byte starts its header timeout), then the gzip encoder, the flow control and this
     * handler at the end of the pipeline.
     */
    void addTo(ChannelPipeline p, String codec) {
        p.addBefore(codec, BYTES, new ByteWatcher());
        p.addLast(FLOW, new FlowControlHandler());
        p.addLast(NAME, this);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext c) {
        ctx = c;
        c.channel().config().setAutoRead(false);
        startNanos = System.nanoTime();
        arm(limits.headerTimeout().toNanos(), State.HEAD);
        c.read();
    }

    @Override
    public void channelActive(ChannelHandlerContext c) {
        c.read();
        c.fireChannelActive();
    }

    /** The peer's address (loopback when the channel has none, e.g. an embedded channel in a test). */
    private InetAddress client() {
        if (ctx().channel().remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null) {
            return a.getAddress();
        }
        return InetAddress.getLoopbackAddress();
    }

    private ChannelHandlerContext ctx() {
        ChannelHandlerContext c = ctx;
        if (c == null) {
            throw new IllegalStateException("not in a pipeline");
        }
        return c;
    }

    /**
     * Schedules the timeout of {@code during}: when it fires in that state, the connection ends. The timeout is
     * shortened by a random 0-20 % (the configured value stays the upper bound), so that connections that
     * arrived together, as in a flood, time out over a span rather than in one burst on their event loop.
     */
    private void arm(long nanos, State during) {
        cancelTimer();
        ChannelHandlerContext c = ctx();
        ScheduledFuture<?>[] self = new ScheduledFuture<?>[1];
        long spread = nanos - ThreadLocalRandom.current().nextLong(nanos / 5 + 1);
        self[0] = c.executor().schedule(() -> expired(self[0], during), spread, TimeUnit.NANOSECONDS);
        timer = self[0];
    }

    private void cancelTimer() {
        ScheduledFuture<?> t = timer;
        if (t != null) {
            t.cancel(false);
            timer = null;
        }
    }

    private void expired(@Nullable ScheduledFuture<?> which, State during) {
        if (which != timer || state != during) {
            return; // re-armed or moved on in the meantime
        }
        timer = null;
        if (during == State.BODY) {
            HttpRequest h = head;
            refuse(h, 408, "request_timeout", "the request body did not arrive within " + limits.bodyTimeout());
        } else {
            // HEAD (a head not finished in time), IDLE, WRITING: nothing to answer, or no one reading;
            // LINGER: the client did not close its side in time
            closeNow();
        }
    }

    /** Sits in front of the codec: the first byte of a request on an idle connection starts its header timeout. */
    private final class ByteWatcher extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext c, Object msg) {
            if (state == State.IDLE) {
                state = State.HEAD;
                startNanos = System.nanoTime();
                arm(limits.headerTimeout().toNanos(), State.HEAD);
            }
            c.fireChannelRead(msg);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext c, Object msg) {
        try {
            if (state == State.LINGER) {
                if (msg instanceof HttpContent content) {
                    lingered += content.content().readableBytes();
                }
                if (lingered > LINGER_BYTES) {
                    closeNow();
                }
                return;
            }
            if (msg instanceof HttpRequest h && (state == State.HEAD || state == State.IDLE)) {
                if (!head(h)) {
                    return;
                }
            }
            if (msg instanceof HttpContent content && state == State.BODY) {
                content(content);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext c) {
        if (state == State.HEAD || state == State.BODY || state == State.IDLE || state == State.LINGER) {
            c.read(); // a request is incomplete (or awaited), or a lingering close drains: keep reading
        }
        c.fireChannelReadComplete();
    }

    /** Checks a request head; answers false when it was refused (the connection then closes). */
    private boolean head(HttpRequest h) {
        if (state == State.IDLE) {
            startNanos = System.nanoTime();
        }
        head = h;
        keepAlive = HttpUtil.isKeepAlive(h);
        if (!h.decoderResult().isSuccess()) {
            Throwable why = h.decoderResult().cause();
            if (why instanceof TooLongHttpLineException) {
                refuse(h, 414, "uri_too_long", "the request line is longer than the limit");
            } else if (why instanceof TooLongHttpHeaderException) {
                refuse(h, 431, "headers_too_large", "the headers are larger than " + limits.maxHeaderSize() + " bytes");
            } else {
                refuse(h, 400, "bad_request", "the request could not be parsed");
            }
            return false;
        }
        if (h.uri().length() > limits.maxUrlLength()) {
            refuse(h, 414, "uri_too_long", "URLs are limited to " + limits.maxUrlLength() + " characters");
            return false;
        }
        if (h.headers().size() > limits.maxHeaders()) {
            refuse(h, 431, "headers_too_large", "requests are limited to " + limits.maxHeaders() + " headers");
            return false;
        }
        long length = HttpUtil.getContentLength(h, -1L);
        if (length > limits.maxBody()) {
            refuse(h, 413, "body_too_large", "request bodies are limited to " + limits.maxBody() + " bytes");
            return false;
        }
        String expect = h.headers().get(HttpHeaderNames.EXPECT);
        if (expect != null) {
            if (!expect.equalsIgnoreCase(HttpHeaderValues.CONTINUE.toString())) {
                refuse(h, 417, "expectation_failed", "only Expect: 100-continue is supported");
                return false;
            }
            // an interim answer, before the final one
            ctx().writeAndFlush(new DefaultFullHttpResponse(
                    HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER));
        }
        body = new byte[(int) Math.max(0, Math.min(length, limits.maxBody()))];
        bodyLength = 0;
        state = State.BODY;
        arm(limits.bodyTimeout().toNanos(), State.BODY);
        return true;
    }

    private void content(HttpContent content) {
        ByteBuf b = content.content();
        int n = b.readableBytes();
        if (n > limits.maxBody() - bodyLength) {
            refuse(head, 413, "body_too_large", "request bodies are limited to " + limits.maxBody() + " bytes");
            return;
        }
        if (bodyLength + n > body.length) {
            body = Arrays.copyOf(body, Math.min(limits.maxBody(), Math.max(bodyLength + n, body.length * 2 + 64)));
        }
        b.readBytes(body, bodyLength, n);
        bodyLength += n;
        if (content instanceof LastHttpContent) {
            cancelTimer();
            state = State.HANDLING;
            dispatch(Arrays.copyOf(body, bodyLength));
            body = new byte[0];
        }
    }

    private void dispatch(byte[] requestBody) {
        HttpRequest h = head;
        if (h == null) {
            closeNow();
            return;
        }
        String uri = h.uri();
        String pathAndQuery = uri;
        int scheme = uri.indexOf("://");
        if (!uri.startsWith("/") && scheme > 0) {
            // absolute form (through a proxy): the path starts after the authority
            int slash = uri.indexOf('/', scheme + 3);
            pathAndQuery = slash < 0 ? "/" : uri.substring(slash);
        }
        int q = pathAndQuery.indexOf('?');
        String path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
        String query = q < 0 ? null : pathAndQuery.substring(q + 1);
        HttpHeaders headers = h.headers();
        HttpApi.Request req = new HttpApi.Request(h.method().name(), path, query, headers::get, requestBody, client());
        boolean gzip = HttpApi.acceptsGzip(headers.get(HttpHeaderNames.ACCEPT_ENCODING));
        HttpApi.Response inline = api.handleInline(req, gzip);
        if (inline != null) {
            respond(inline);
            return;
        }
        ChannelHandlerContext c = ctx();
        boolean taken = dispatcher.dispatch(() -> {
            // compressed here, on the request's virtual thread: the event loop only writes the bytes
            HttpApi.Response r = HttpApi.gzipped(api.handle(req), gzip);
            try {
                c.executor().execute(() -> respond(r));
            } catch (RejectedExecutionException shutDown) {
                // the event loop is gone, and the connection with it
            }
        });
        if (!taken) {
            respond(api.refuse(req.method(), path, 503, "overloaded", "the server is busy; retry shortly", startNanos));
        }
    }

    /** Refuses the request (or what there is of it) and closes the connection once the answer is written. */
    private void refuse(@Nullable HttpRequest h, int status, String error, String detail) {
        keepAlive = false;
        String method = h == null ? "UNKNOWN" : h.method().name();
        String path = "";
        if (h != null && h.decoderResult().isSuccess()) {
            int q = h.uri().indexOf('?');
            path = q < 0 ? h.uri() : h.uri().substring(0, q);
        }
        respond(api.refuse(method, path, status, error, detail, startNanos));
    }

    /** Writes an answer; then reads the next request, or closes. On the event loop. */
    private void respond(HttpApi.Response r) {
        if (state == State.CLOSED) {
            return;
        }
        ChannelHandlerContext c = ctx();
        HttpRequest h = head;
        HttpVersion version = h != null && h.protocolVersion().equals(HttpVersion.HTTP_1_0)
                ? HttpVersion.HTTP_1_0
                : HttpVersion.HTTP_1_1;
        FullHttpResponse res = new DefaultFullHttpResponse(
                version, HttpResponseStatus.valueOf(r.status()), Unpooled.wrappedBuffer(r.body()));
        HttpHeaders hs = res.headers();
        hs.set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
        hs.setInt(HttpHeaderNames.CONTENT_LENGTH, r.body().length);
        hs.set(HttpHeaderNames.VARY, HttpHeaderNames.ACCEPT_ENCODING);
        for (Map.Entry<String, String> e : r.headers().entrySet()) {
            hs.set(e.getKey(), e.getValue());
        }
        boolean close = !keepAlive || closing.getAsBoolean();
        if (close) {
            hs.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (version.equals(HttpVersion.HTTP_1_0)) {
            hs.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        state = State.WRITING;
        arm(limits.idleTimeout().toNanos(), State.WRITING);
        head = null;
        c.writeAndFlush(res).addListener(f -> {
            if (!f.isSuccess()) {
                closeNow();
            } else if (close) {
                lingeringClose(c);
            } else if (state == State.WRITING) {
                state = State.IDLE;
                arm(limits.idleTimeout().toNanos(), State.IDLE);
                c.read();
            }
        });
    }

    /**
     * Closes after an answer the way a client can read it: the output is shut (FIN after the answer), and
     * what the client is still sending (the rest of a refused body, a pipelined request) is read and dropped
     * until it closes its side, for at most {@link #LINGER_NANOS} and {@link #LINGER_BYTES}. A plain close
     * with unread bytes in the socket makes the kernel answer with a reset, which can destroy the answer
     * before the client read it (a 413 seen as "no bytes received").
     */
    private void lingeringClose(ChannelHandlerContext c) {
        if (state == State.CLOSED) {
            return;
        }
        if (!(c.channel() instanceof io.netty.channel.socket.DuplexChannel d)) {
            closeNow();
            return;
        }
        state = State.LINGER;
        lingered = 0;
        arm(LINGER_NANOS, State.LINGER);
        d.shutdownOutput().addListener(f -> {
            if (!f.isSuccess()) {
                closeNow();
            } else if (state == State.LINGER) {
                c.read();
            }
        });
    }

    private void closeNow() {
        state = State.CLOSED;
        cancelTimer();
        ChannelHandlerContext c = ctx;
        if (c != null) {
            c.close();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext c) {
        state = State.CLOSED;
        cancelTimer();
        body = new byte[0];
        c.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
        log.trace("HTTP connection failed: {}", cause.toString());
        closeNow();
    }

    @Override
    public String toString() {
        return "HttpConnection[" + state + "]";
    }
}

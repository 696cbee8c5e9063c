package io.hal9.ws;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
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
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.handler.codec.http.websocketx.extensions.compression.WebSocketClientCompressionHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small real WebSocket client for tests, on Netty's client handshaker: records what it receives, can stop
 * reading (a slow or silent client), send raw frames (oversized, fragmented, invalid UTF-8) and report the
 * close code it got.
 */
final class TestClient implements AutoCloseable {
    /** One group of 2 threads for every client of the test JVM. */
    static final EventLoopGroup GROUP = new MultiThreadIoEventLoopGroup(
            2, new DefaultThreadFactory("test-client", true), NioIoHandler.newFactory());

    /** The upgrade was refused with an HTTP status. */
    static final class Rejected extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int status;
        final String body;
        final transient HttpHeaders headers;

        Rejected(int status, String body, HttpHeaders headers) {
            super("upgrade refused: " + status + " " + body);
            this.status = status;
            this.body = body;
            this.headers = headers;
        }
    }

    /** Options of one connection. */
    record Options(String query, String subprotocol, boolean compression, HttpHeaders headers, int receiveBuffer) {
        static Options defaults() {
            return new Options("", "", false, new DefaultHttpHeaders(), 0);
        }

        Options withQuery(String q) {
            return new Options(q, subprotocol, compression, headers, receiveBuffer);
        }

        Options withSubprotocol(String p) {
            return new Options(query, p, compression, headers, receiveBuffer);
        }

        Options withCompression() {
            return new Options(query, subprotocol, true, headers, receiveBuffer);
        }

        /** A small socket receive buffer, so that a stalled reader backs up into the server quickly. */
        Options withReceiveBuffer(int bytes) {
            return new Options(query, subprotocol, compression, headers, bytes);
        }
    }

    final Channel channel;
    final LinkedBlockingQueue<String> texts = new LinkedBlockingQueue<>();
    final LinkedBlockingQueue<byte[]> binaries = new LinkedBlockingQueue<>();
    final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
    volatile String closeReason = "";
    final AtomicInteger frames = new AtomicInteger();
    final AtomicInteger pings = new AtomicInteger();
    final LinkedBlockingQueue<String> pongs = new LinkedBlockingQueue<>();
    final AtomicLong compressedFrames = new AtomicLong();
    final String selectedSubprotocol;
    volatile boolean answerPings = true;

    private TestClient(Channel channel, String selectedSubprotocol) {
        this.channel = channel;
        this.selectedSubprotocol = selectedSubprotocol;
    }

    static TestClient connect(int port) {
        return connect(port, "/ws", Options.defaults());
    }

    static TestClient connect(int port, String path, Options options) {
        try {
            return connectAsync(port, path, options).get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException | TimeoutException e) {
            throw new IllegalStateException(e);
        }
    }

    static CompletableFuture<TestClient> connectAsync(int port, String path, Options options) {
        URI uri =
                URI.create("ws://127.0.0.1:" + port + path + (options.query().isEmpty() ? "" : "?" + options.query()));
        WebSocketClientHandshaker handshaker = WebSocketClientHandshakerFactory.newHandshaker(
                uri,
                WebSocketVersion.V13,
                options.subprotocol().isEmpty() ? null : options.subprotocol(),
                true,
                options.headers(),
                1024 * 1024);
        CompletableFuture<TestClient> result = new CompletableFuture<>();
        Handler handler = new Handler(handshaker, result);
        Bootstrap b = new Bootstrap()
                .group(GROUP)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(65536));
                        if (options.compression()) {
                            ch.pipeline().addLast(new WebSocketClientCompressionHandler(0));
                        }
                        ch.pipeline().addLast(handler);
                    }
                });
        if (options.receiveBuffer() > 0) {
            b.option(ChannelOption.SO_RCVBUF, options.receiveBuffer());
        }
        b.connect("127.0.0.1", port).addListener(f -> {
            if (!f.isSuccess()) {
                result.completeExceptionally(f.cause());
            }
        });
        return result;
    }

    private static final class Handler extends SimpleChannelInboundHandler<Object> {
        private final WebSocketClientHandshaker handshaker;
        private final CompletableFuture<TestClient> result;
        private TestClient client;

        Handler(WebSocketClientHandshaker handshaker, CompletableFuture<TestClient> result) {
            this.handshaker = handshaker;
            this.result = result;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            handshaker.handshake(ctx.channel());
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (client != null) {
                client.closeCode.complete(1006);
            } else {
                result.completeExceptionally(new IllegalStateException("connection closed during the handshake"));
            }
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
            if (client == null) {
                FullHttpResponse response = (FullHttpResponse) msg;
                if (response.status().code() != 101) {
                    result.completeExceptionally(new Rejected(
                            response.status().code(),
                            response.content().toString(StandardCharsets.UTF_8),
                            response.headers().copy()));
                    ctx.close();
                    return;
                }
                handshaker.finishHandshake(ctx.channel(), response);
                // counts the frames that arrive compressed (RSV1), before the deflate decoder clears the bit
                ctx.pipeline().addAfter("ws-decoder", "rsv-spy", new io.netty.channel.ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext c, Object m) {
                        if (m instanceof WebSocketFrame f && (f.rsv() & 4) != 0) {
                            client.compressedFrames.incrementAndGet();
                        }
                        c.fireChannelRead(m);
                    }
                });
                String sub = handshaker.actualSubprotocol();
                client = new TestClient(ctx.channel(), sub == null ? "" : sub);
                result.complete(client);
                return;
            }
            WebSocketFrame frame = (WebSocketFrame) msg;
            client.frames.incrementAndGet();
            if (frame instanceof TextWebSocketFrame t) {
                client.texts.add(t.text());
            } else if (frame instanceof BinaryWebSocketFrame b) {
                client.binaries.add(ByteBufUtil.getBytes(b.content()));
            } else if (frame instanceof PingWebSocketFrame p) {
                client.pings.incrementAndGet();
                if (client.answerPings) {
                    ctx.writeAndFlush(new PongWebSocketFrame(p.content().retain()));
                }
            } else if (frame instanceof PongWebSocketFrame p) {
                client.pongs.add(p.content().toString(StandardCharsets.UTF_8));
            } else if (frame instanceof CloseWebSocketFrame c) {
                client.closeReason = c.reasonText();
                client.closeCode.complete(c.statusCode());
                ctx.close();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!result.isDone()) {
                result.completeExceptionally(cause);
            }
            ctx.close();
        }
    }

    // ---------------------------------------------------------------- actions

    void sendText(String text) {
        channel.writeAndFlush(new TextWebSocketFrame(text)).syncUninterruptibly();
    }

    /** Sends without waiting for the write (the server may close the connection meanwhile). */
    void sendTextNoWait(String text) {
        channel.writeAndFlush(new TextWebSocketFrame(text));
    }

    void sendBinary(byte[] bytes) {
        channel.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(bytes)))
                .syncUninterruptibly();
    }

    /** Sends raw bytes as a text frame (e.g. invalid UTF-8). */
    void sendRawText(byte[] bytes) {
        channel.writeAndFlush(new TextWebSocketFrame(Unpooled.wrappedBuffer(bytes)))
                .syncUninterruptibly();
    }

    /** Sends one message as several fragments of {@code fragmentSize} bytes. */
    void sendFragmentedText(String text, int fragmentSize) {
        byte[] all = text.getBytes(StandardCharsets.UTF_8);
        List<WebSocketFrame> parts = new ArrayList<>();
        for (int off = 0; off < all.length; off += fragmentSize) {
            int len = Math.min(fragmentSize, all.length - off);
            boolean last = off + len >= all.length;
            ByteBuf part = Unpooled.wrappedBuffer(all, off, len);
            parts.add(off == 0 ? new TextWebSocketFrame(last, 0, part) : new ContinuationWebSocketFrame(last, 0, part));
        }
        for (WebSocketFrame f : parts) {
            channel.write(f);
        }
        channel.flush();
    }

    void sendPing(String payload) {
        channel.writeAndFlush(new PingWebSocketFrame(Unpooled.copiedBuffer(payload, StandardCharsets.UTF_8)))
                .syncUninterruptibly();
    }

    /** The payload of the next pong, waiting up to 5 s; fails if none comes. */
    String nextPong() {
        try {
            String p = pongs.poll(5, TimeUnit.SECONDS);
            if (p == null) {
                throw new AssertionError("no pong within 5 s");
            }
            return p;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    void sendClose(int code, String reason) {
        channel.writeAndFlush(new CloseWebSocketFrame(code, reason)).syncUninterruptibly();
    }

    /** Stops (false) or resumes (true) reading from the socket: a client that stalls. */
    void reading(boolean on) {
        channel.eventLoop().execute(() -> channel.config().setAutoRead(on));
    }

    /** Resumes reading after {@code pause}, scheduled on the client's event loop (no sleeping). */
    void resumeReadingAfter(Duration pause) {
        channel.eventLoop().schedule(() -> channel.config().setAutoRead(true), pause.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** The next text frame, waiting up to 5 s; fails if none comes. */
    String nextText() {
        try {
            String t = texts.poll(5, TimeUnit.SECONDS);
            if (t == null) {
                throw new AssertionError("no text frame within 5 s");
            }
            return t;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The next text frame that is not a HAL9 control message. */
    String nextData() {
        while (true) {
            String t = nextText();
            if (!t.startsWith("{\"hal9\"")) {
                return t;
            }
        }
    }

    /** The close code the server sent (or 1006 if the connection dropped), waiting up to {@code within}. */
    int awaitClose(Duration within) {
        try {
            return closeCode.get(within.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new AssertionError("not closed within " + within, e);
        }
    }

    boolean isOpen() {
        return channel.isActive();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }
}

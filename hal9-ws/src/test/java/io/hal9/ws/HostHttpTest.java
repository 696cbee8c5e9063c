package io.hal9.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.hal9.ws.netty.HostHttp;
import io.hal9.ws.netty.WsChannelInitializer;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** One port for WebSocket sessions and a host's plain HTTP ({@link HostHttp}), over loopback. */
@Timeout(30)
class HostHttpTest extends WsTestSupport {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());

    /** The host's HTTP: answers "hello <uri>", 414/431 for heads that failed to decode; keeps connections alive. */
    private static final class Hello extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            HttpResponseStatus status = HttpResponseStatus.OK;
            String text = "hello " + req.uri();
            if (!req.decoderResult().isSuccess()) {
                status = req.decoderResult().cause() instanceof TooLongFrameException
                        ? HttpResponseStatus.REQUEST_URI_TOO_LONG
                        : HttpResponseStatus.BAD_REQUEST;
                text = "refused";
            }
            ByteBuf body = Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
            r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
            boolean keepAlive = req.decoderResult().isSuccess() && HttpUtil.isKeepAlive(req);
            HttpUtil.setKeepAlive(r, keepAlive);
            var f = ctx.writeAndFlush(r);
            if (!keepAlive) {
                f.addListener(ChannelFutureListener.CLOSE);
            }
        }
    }

    private static final HostHttp.Installer HELLO =
            ch -> ch.pipeline().addLast("agg", new HttpObjectAggregator(4096)).addLast("hello", new Hello());

    private record Hosted(WsServer<Msg> ws, int port) {}

    private Hosted host(UnaryOperator<WsServer.Builder<Msg>> options, HostHttp http) {
        WsServer<Msg> ws =
                options.apply(WsServer.builder("hosted", codec, handler)).build();
        handler.server = ws;
        toClose.add(ws);
        Channel listening = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .handler(WsChannelInitializer.acceptErrorHandler(ws))
                .childHandler(new WsChannelInitializer(ws, http))
                .bind("127.0.0.1", 0)
                .syncUninterruptibly()
                .channel();
        toClose.add(() -> listening.close().syncUninterruptibly());
        toClose.add(() -> group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly());
        return new Hosted(ws, ((InetSocketAddress) listening.localAddress()).getPort());
    }

    @Test
    void plainHttpAndWebSocketUpgradesShareOnePort() throws IOException {
        Hosted h = host(b -> b, HostHttp.builder(HELLO).build());
        TestClient player = track(TestClient.connect(h.port()));
        handler.nextOpened();
        player.sendText(json(new Msg("echo", "one port", 1)));
        assertThat(parse(player.nextData()).text()).isEqualTo("one port");

        try (Http http = new Http(h.port())) {
            // keep-alive: two requests on one connection, then a plain GET at the WebSocket path
            assertThat(http.get("/api/x")).isEqualTo(new Reply(200, "hello /api/x"));
            assertThat(http.get("/api/y?z=1")).isEqualTo(new Reply(200, "hello /api/y?z=1"));
            assertThat(http.get("/ws")).isEqualTo(new Reply(200, "hello /ws"));
            WsServer.Stats s = h.ws().stats();
            assertThat(s.openConnections()).isEqualTo(1);
            assertThat(s.pendingConnections())
                    .as("a host connection is not a handshake")
                    .isZero();
        }
        // the session was not disturbed by the HTTP traffic beside it
        player.sendText(json(new Msg("echo", "still here", 2)));
        assertThat(parse(player.nextData()).text()).isEqualTo("still here");
    }

    @Test
    void theGlobalLimitCountsHttpAndWebSocketConnectionsAlike() throws IOException {
        Hosted h = host(b -> b.maxConnections(2), HostHttp.builder(HELLO).build());
        track(TestClient.connect(h.port()));
        handler.nextOpened();
        try (Http held = new Http(h.port())) {
            assertThat(held.get("/a").status()).isEqualTo(200);
            try (Http third = new Http(h.port())) {
                Reply refused = third.get("/b");
                assertThat(refused.status()).isEqualTo(503);
                assertThat(refused.headers()).containsEntry("retry-after", "1");
                assertThat(third.closedByServer()).isTrue();
            }
            assertThatThrownBy(() -> TestClient.connect(h.port()))
                    .isInstanceOfSatisfying(
                            TestClient.Rejected.class, r -> assertThat(r.status).isEqualTo(503));
        }
        // the HTTP connection's slot comes back when it closes
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            try (Http again = new Http(h.port())) {
                assertThat(again.get("/c").status()).isEqualTo(200);
            }
        });
        assertThat(h.ws().stats().handshakeRejections()).containsKey("connection-limit");
    }

    @Test
    void thePerAddressLimitCountsHttpConnectionsToo() throws IOException {
        Hosted h = host(
                b -> b.maxConnections(10).maxConnectionsPerIp(1),
                HostHttp.builder(HELLO).build());
        try (Http held = new Http(h.port())) {
            assertThat(held.get("/a").status()).isEqualTo(200);
            assertThatThrownBy(() -> TestClient.connect(h.port()))
                    .isInstanceOfSatisfying(
                            TestClient.Rejected.class, r -> assertThat(r.status).isEqualTo(503));
            try (Http second = new Http(h.port())) {
                assertThat(second.get("/b").status()).isEqualTo(503);
            }
        }
        assertThat(h.ws().stats().handshakeRejections()).containsKey("per-ip-limit");
    }

    @Test
    void aConnectionWithoutACompleteHeadIsClosedAtTheHeaderTimeoutAndGivesItsSlotBack() throws IOException {
        Hosted h = host(
                b -> b.maxConnections(1),
                HostHttp.builder(HELLO).headerTimeout(Duration.ofMillis(300)).build());
        try (Http slow = new Http(h.port())) {
            long start = System.nanoTime();
            slow.out.write("GET /slow HTT".getBytes(StandardCharsets.US_ASCII));
            slow.out.flush();
            assertThat(slow.closedByServer()).isTrue();
            // the timeout is spread over its last fifth (240-300 ms), counted from the accept, a little before start
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
        }
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(
                        () -> assertThat(h.ws().stats().pendingConnections()).isZero());
        try (Http next = new Http(h.port())) {
            assertThat(next.get("/next")).isEqualTo(new Reply(200, "hello /next"));
        }
    }

    @Test
    void aRequestLineOverTheLimitGoesToTheHostWithItsDecoderFailure() throws IOException {
        Hosted h =
                host(b -> b, HostHttp.builder(HELLO).maxInitialLineLength(128).build());
        try (Http http = new Http(h.port())) {
            assertThat(http.get("/" + "a".repeat(200)).status()).isEqualTo(414);
        }
        try (Http http = new Http(h.port())) {
            assertThat(http.get("/" + "a".repeat(100)).status()).isEqualTo(200);
        }
    }

    @Test
    void closingTheServerClosesTheHostsConnections() throws IOException {
        Hosted h = host(
                b -> b.closeTimeout(Duration.ofSeconds(5)),
                HostHttp.builder(HELLO).build());
        try (Http idle = new Http(h.port())) {
            assertThat(idle.get("/a").status()).isEqualTo(200);
            long start = System.nanoTime();
            h.ws().close();
            assertThat(Duration.ofNanos(System.nanoTime() - start))
                    .as("close() does not wait out its timeout for a keep-alive connection")
                    .isLessThan(Duration.ofSeconds(4));
            assertThat(idle.closedByServer()).isTrue();
        }
    }

    @Test
    void theOptionsAreChecked() {
        assertThatThrownBy(() -> HostHttp.builder(HELLO).maxInitialLineLength(10))
                .hasMessage("host http: maxInitialLineLength must be in [64, 65536], was 10");
        assertThatThrownBy(() -> HostHttp.builder(HELLO).maxHeaderSize(1 << 20))
                .hasMessage("host http: maxHeaderSize must be in [256, 262144], was 1048576");
        assertThatThrownBy(() -> HostHttp.builder(HELLO).headerTimeout(Duration.ZERO))
                .hasMessage("host http: headerTimeout must be in [PT0.01S, PT10M], was PT0S");
        assertThatThrownBy(() -> HostHttp.builder(HELLO).maxHeaderSize(512).maxHeaderSize(512))
                .hasMessage("host http: maxHeaderSize was already set");
    }

    record Reply(int status, String body, Map<String, String> headers) {
        Reply(int status, String body) {
            this(status, body, Map.of());
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Reply r && r.status == status && r.body.equals(body);
        }

        @Override
        public int hashCode() {
            return status * 31 + body.hashCode();
        }
    }

    /** A raw HTTP/1.1 client on one socket: requests in sequence on the same connection. */
    static final class Http implements AutoCloseable {
        final Socket socket;
        final OutputStream out;
        final InputStream in;

        Http(int port) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(10_000);
            out = socket.getOutputStream();
            in = socket.getInputStream();
        }

        Reply get(String uri) throws IOException {
            out.write(("GET " + uri + " HTTP/1.1\r\nHost: test\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return read();
        }

        Reply read() throws IOException {
            String statusLine = line();
            Map<String, String> headers = new LinkedHashMap<>();
            for (String l = line(); !l.isEmpty(); l = line()) {
                int c = l.indexOf(':');
                headers.put(
                        l.substring(0, c).trim().toLowerCase(Locale.ROOT),
                        l.substring(c + 1).trim());
            }
            int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
            byte[] body = in.readNBytes(length);
            return new Reply(
                    Integer.parseInt(statusLine.split(" ")[1]), new String(body, StandardCharsets.UTF_8), headers);
        }

        private String line() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) != '\n') {
                if (c < 0) {
                    throw new IOException("connection closed in a response head");
                }
                if (c != '\r') {
                    b.write(c);
                }
            }
            return b.toString(StandardCharsets.US_ASCII);
        }

        /** Whether the server closes the connection (EOF or reset) within the socket's read timeout. */
        boolean closedByServer() throws IOException {
            try {
                return in.read() < 0;
            } catch (SocketTimeoutException e) {
                return false;
            } catch (IOException reset) {
                return true;
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}

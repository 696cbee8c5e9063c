package io.hal9.examples.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The public port's HTTP hardening with a real client on loopback (raw sockets, so that the test controls
 * every byte): slow heads and bodies, oversized requests, pipelining, keep-alive, {@code Connection: close},
 * gzip, and the API's answers to control characters and long input. One server with short timeouts
 * (header and body 1 s, idle 2 s) on the embedded database.
 */
@Timeout(60)
class HttpHardeningTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static GameServer server;
    private static int port;

    @BeforeAll
    static void start() {
        server = GameServer.start(
                "harden",
                ServerConfig.parse(
                        new String[] {
                            "--port", "0",
                            "--http-header-timeout", "1s",
                            "--http-body-timeout", "1s",
                            "--http-idle-timeout", "2s"
                        },
                        Map.of()));
        port = URI.create(server.baseUrl()).getPort();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void slowlorisHeadsAreClosedAtTheHeaderTimeoutWhileOthersAreServedAtOnce() throws Exception {
        List<SocketChannel> slow = new ArrayList<>();
        try {
            for (int i = 0; i < 200; i++) {
                SocketChannel ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
                ch.configureBlocking(false);
                slow.add(ch);
            }
            byte[] head = "GET /api/games HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII);
            long start = System.nanoTime();
            Map<SocketChannel, Long> closedAfterMillis = new HashMap<>();
            List<Long> normalMillis = new ArrayList<>();
            ByteBuffer sink = ByteBuffer.allocate(1024);
            // the attacker's pace: one byte per connection every 100 ms, and a normal request each round
            for (int b = 0; b < head.length && closedAfterMillis.size() < slow.size(); b++) {
                long round = System.nanoTime();
                for (SocketChannel ch : slow) {
                    if (closedAfterMillis.containsKey(ch)) {
                        continue;
                    }
                    boolean closed;
                    try {
                        ch.write(ByteBuffer.wrap(head, b, 1));
                        sink.clear();
                        closed = ch.read(sink) < 0;
                    } catch (IOException reset) {
                        closed = true;
                    }
                    if (closed) {
                        closedAfterMillis.put(ch, (System.nanoTime() - start) / 1_000_000);
                    }
                }
                long t = System.nanoTime();
                try (Http normal = new Http(port)) {
                    assertThat(normal.request("GET /api/games HTTP/1.1\r\nHost: x\r\n\r\n")
                                    .status())
                            .isEqualTo(200);
                }
                normalMillis.add((System.nanoTime() - t) / 1_000_000);
                long left = 100 - (System.nanoTime() - round) / 1_000_000;
                if (left > 0) {
                    Thread.sleep(left); // pacing: the normal client's one request per 100 ms, not a wait for a state
                }
            }
            assertThat(closedAfterMillis)
                    .as("every slow connection is closed by the server")
                    .hasSize(200);
            assertThat(closedAfterMillis.values())
                    .allSatisfy(ms -> assertThat(ms).isBetween(750L, 3_000L));
            assertThat(normalMillis)
                    .as("normal requests during the attack (ms)")
                    .allSatisfy(ms -> assertThat(ms).isLessThan(1_000L));
            assertThat(server.stats().ws().handshakeRejections()).containsKey("timeout");
        } finally {
            for (SocketChannel ch : slow) {
                ch.close();
            }
        }
    }

    @Test
    void aSlowHeadOnAKeptAliveConnectionIsClosedAtTheHeaderTimeoutNotTheIdleTimeout() throws Exception {
        try (Http h = new Http(port)) {
            assertThat(h.request("GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n").status())
                    .isEqualTo(200);
            long start = System.nanoTime();
            h.write("GET /api/ga");
            assertThat(h.closedByServer()).isTrue();
            // header timeout 1 s, idle timeout 2 s: the first byte of the request started the header timeout
            // (each timeout fires at a random point of its last fifth: 0.8-1 s)
            assertThat(Duration.ofNanos(System.nanoTime() - start))
                    .isBetween(Duration.ofMillis(750), Duration.ofMillis(1_900));
        }
    }

    @Test
    void aBodyThatDoesNotArriveIsAnswered408AtTheBodyTimeout() throws Exception {
        try (Http h = new Http(port)) {
            long start = System.nanoTime();
            h.write("POST /api/games HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 40\r\n\r\n{\"rounds\":");
            Reply r = h.read();
            assertThat(r.status()).isEqualTo(408);
            assertThat(r.json().get("error").asText()).isEqualTo("request_timeout");
            assertThat(Duration.ofNanos(System.nanoTime() - start))
                    .isBetween(Duration.ofMillis(750), Duration.ofSeconds(4));
            assertThat(h.closedByServer()).isTrue();
        }
    }

    @Test
    void oversizedRequestsAreAnsweredWithTheirStatusAndClosed() throws Exception {
        expectRefused("GET /api/games?x=" + "a".repeat(5_000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414, "uri_too_long");
        expectRefused(
                "GET /api/games HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(9_000) + "\r\n\r\n",
                431,
                "headers_too_large");
        StringBuilder many = new StringBuilder("GET /api/games HTTP/1.1\r\nHost: x\r\n");
        for (int i = 0; i < 70; i++) {
            many.append("X-H").append(i).append(": v\r\n");
        }
        expectRefused(many + "\r\n", 431, "headers_too_large");
        expectRefused("POST /api/games HTTP/1.1\r\nHost: x\r\nContent-Length: 20000\r\n\r\n", 413, "body_too_large");
        // a chunked body that grows past the limit
        String chunk = Integer.toHexString(10_000) + "\r\n" + "c".repeat(10_000) + "\r\n";
        expectRefused(
                "POST /api/games HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk + chunk,
                413,
                "body_too_large");
    }

    @Test
    void aRefusedBodyStillInFlightDoesNotDestroyTheAnswer() throws Exception {
        // An HTTP client sends its whole body and reads the answer after: the server refuses at the head and,
        // closed at once, would reset the connection under the client's still-running write, which then
        // fails the exchange ("received no bytes") instead of showing the 413. A lingering close reads and
        // drops the rest of the body, so that the client's write completes and it reads the answer.
        byte[] body = new byte[1 << 20];
        Arrays.fill(body, (byte) 'd');
        try (java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_1_1)
                .build()) {
            for (int i = 0; i < 10; i++) {
                java.net.http.HttpResponse<String> r = client.send(
                        java.net.http.HttpRequest.newBuilder(
                                        java.net.URI.create("http://127.0.0.1:" + port + "/api/games"))
                                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body))
                                .build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as("attempt %d", i).isEqualTo(413);
                assertThat(r.body()).contains("body_too_large");
            }
        }
    }

    private static void expectRefused(String request, int status, String error) throws IOException {
        try (Http h = new Http(port)) {
            Reply r = h.request(request);
            assertThat(r.status()).as(error).isEqualTo(status);
            assertThat(r.json().get("error").asText()).isEqualTo(error);
            assertThat(r.headers()).containsEntry("connection", "close");
            assertThat(h.closedByServer()).isTrue();
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrderOnOneKeptAliveConnection() throws Exception {
        try (Http h = new Http(port)) {
            // a route answered on the event loop between two answered on threads: the order still holds
            h.write("GET /api/games/abc HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "POST /api/games HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n\r\n{\"rounds\":1}");
            assertThat(h.read().json().get("error").asText()).isEqualTo("bad_game_id");
            assertThat(h.read().json().get("status").asText()).isEqualTo("live");
            assertThat(h.read().json().get("error").asText()).isEqualTo("unknown_route");
            Reply created = h.read();
            assertThat(created.status()).isEqualTo(201);
            // and the connection is still open for more
            assertThat(h.request("GET /health/ready HTTP/1.1\r\nHost: x\r\n\r\n")
                            .status())
                    .isEqualTo(200);
        }
    }

    @Test
    void connectionCloseIsHonouredAndAnIdleKeepAliveConnectionIsClosedAtTheIdleTimeout() throws Exception {
        try (Http h = new Http(port)) {
            Reply r = h.request("GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.headers()).containsEntry("connection", "close");
            assertThat(h.closedByServer()).isTrue();
        }
        try (Http h = new Http(port)) {
            assertThat(h.request("GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n").status())
                    .isEqualTo(200);
            long start = System.nanoTime();
            assertThat(h.closedByServer()).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start))
                    .isBetween(Duration.ofMillis(1_500), Duration.ofSeconds(5));
        }
    }

    @Test
    void answersAreGzippedForClientsThatAcceptIt() throws Exception {
        ApiClient api = new ApiClient(server.baseUrl());
        for (int i = 0; i < 5; i++) {
            api.createGame(2, 1);
        }
        try (Http h = new Http(port)) {
            Reply zipped = h.request("GET /api/games?size=50 HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n");
            assertThat(zipped.headers()).containsEntry("content-encoding", "gzip");
            byte[] plain = new GZIPInputStream(new java.io.ByteArrayInputStream(zipped.body())).readAllBytes();
            assertThat(JSON.readTree(plain).get("games").size()).isGreaterThanOrEqualTo(5);
            Reply small = h.request("GET /health/live HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n");
            assertThat(small.headers()).as("below the threshold").doesNotContainKey("content-encoding");
        }
    }

    @Test
    void aControlCharacterInANameIsABadFieldAndDetailsQuoteAtMost100Characters() throws Exception {
        ApiClient api = new ApiClient(server.baseUrl());
        long id = api.createGame(2, 1);
        ApiClient.Reply nul = api.post("/api/games/" + id + "/join", "{\"name\":\"ann\\u0000\"}");
        assertThat(nul.status()).isEqualTo(400);
        assertThat(nul.error()).isEqualTo("bad_field");
        ApiClient.Reply bell = api.post("/api/games/" + id + "/join", "{\"name\":\"a\\u0007b\"}");
        assertThat(bell.error()).isEqualTo("bad_field");

        String a = api.join(id, "ann");
        api.join(id, "bob");
        String huge = "x".repeat(10_000);
        ApiClient.Reply move = api.post("/api/games/" + id + "/moves", "{\"move\":\"" + huge + "\"}", a);
        assertThat(move.error()).isEqualTo("bad_move");
        String detail = move.body().get("detail").asText();
        assertThat(detail).contains("x".repeat(100)).doesNotContain("x".repeat(101));
        assertThat(detail.length()).isLessThan(200);
        ApiClient.Reply page = api.get("/api/games?page=" + "9".repeat(3_000));
        assertThat(page.error()).isEqualTo("bad_paging");
        assertThat(page.body().get("detail").asText()).doesNotContain("9".repeat(101));
    }

    record Reply(int status, Map<String, String> headers, byte[] body) {
        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }
    }

    /** A raw HTTP/1.1 client on one socket. */
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

        void write(String s) throws IOException {
            out.write(s.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }

        Reply request(String raw) throws IOException {
            write(raw);
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
            byte[] body;
            if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                for (int n = Integer.parseInt(line().trim(), 16); n > 0; n = Integer.parseInt(line().trim(), 16)) {
                    b.write(in.readNBytes(n));
                    line();
                }
                line();
                body = b.toByteArray();
            } else {
                body = in.readNBytes(Integer.parseInt(headers.getOrDefault("content-length", "0")));
            }
            return new Reply(Integer.parseInt(statusLine.split(" ")[1]), headers, body);
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
            return b.toString(StandardCharsets.ISO_8859_1);
        }

        /** Whether the server has closed the connection (EOF or reset) within the socket's read timeout. */
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

package io.hal9.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A flood of connections from one address past its limit: the ones over the limit must not hold file
 * descriptors for the handshake timeout (10 s), or one client could exhaust the process's descriptors.
 */
@Timeout(60)
class RefusalFloodTest extends WsTestSupport {

    @Test
    void connectionsOverTheLimitAreClosedWithinASecondAndAtMost1024WaitAtOnce() throws IOException {
        WsServer<Msg> server = start(b -> b.maxConnections(10_000).maxConnectionsPerIp(1));
        List<Socket> sockets = new ArrayList<>();
        try {
            long start = System.nanoTime();
            for (int i = 0; i < 1_200; i++) {
                Socket s = new Socket();
                s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5_000);
                sockets.add(s);
            }
            // beyond the 1 that took the place and the 1,024 that may wait for their 503, the rest are closed at
            // once: counted at accept, before any waiting one's second is up
            await().atMost(Duration.ofMillis(900))
                    .untilAsserted(() -> assertThat(server.stats().handshakeRejections())
                            .containsKey("per-ip-limit")
                            .extractingByKey("per-ip-limit")
                            .satisfies(n -> assertThat(n).isGreaterThanOrEqualTo(1_200L - 1 - 1_024)));
            // the ones that wait get 1 s to send a request; the one with the place keeps it (10 s)
            await().atMost(Duration.ofSeconds(5))
                    .untilAsserted(() -> assertThat(closed(sockets)).isEqualTo(1_200 - 1));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(6));
            assertThat(server.stats().handshakeRejections().get("per-ip-limit")).isGreaterThanOrEqualTo(1_199);
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    @Test
    void aConnectionOverTheLimitThatSendsItsRequestIsStillTold503() throws IOException {
        WsServer<Msg> server = start(b -> b.maxConnectionsPerIp(1));
        try (Socket first = new Socket("127.0.0.1", server.port())) {
            // the first holds the address's one place before the second arrives (they may land on two loops)
            await().atMost(Duration.ofSeconds(5))
                    .untilAsserted(() ->
                            assertThat(server.stats().pendingConnections()).isEqualTo(1));
            refusedAfterRequest(server);
            assertThat(first.isClosed()).isFalse();
        }
    }

    private static void refusedAfterRequest(WsServer<Msg> server) throws IOException {
        try (Socket second = new Socket("127.0.0.1", server.port())) {
            OutputStream out = second.getOutputStream();
            out.write(("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            second.setSoTimeout(5_000);
            String status = new String(second.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            assertThat(status).isEqualTo("HTTP/1.1 503");
        }
    }

    private static int closed(List<Socket> sockets) throws IOException {
        int closed = 0;
        for (Socket s : sockets) {
            if (s.isClosed()) {
                closed++;
                continue;
            }
            s.setSoTimeout(1);
            try {
                InputStream in = s.getInputStream();
                if (in.read() < 0) {
                    s.close(); // seen closed: counted from now on without reading
                    closed++;
                }
            } catch (SocketTimeoutException e) {
                // still open
            } catch (IOException e) {
                s.close();
                closed++;
            }
        }
        return closed;
    }
}

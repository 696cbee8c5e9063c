package io.hal9.metrics.ws;

import static io.hal9.metrics.Scrapes.require;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hal9.metrics.PrometheusBinaries;
import io.hal9.metrics.Scrapes;
import io.hal9.ws.Codecs;
import io.hal9.ws.Room;
import io.hal9.ws.Session;
import io.hal9.ws.WsHandler;
import io.hal9.ws.WsServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class WsServerMetricsTest {
    public record Chat(String text) {}

    private final PrometheusMeterRegistry registry = Scrapes.registry();

    @Test
    void wsServerExposesConnectionsMessagesBytesAndClosesByCode() throws Exception {
        WsHandler<Chat> echo = new WsHandler<>() {
            @Override
            public void onMessage(Session<Chat> session, Chat message) {
                session.trySend(new Chat("echo " + message.text()));
            }
        };
        try (WsServer<Chat> server = WsServer.builder("game", Codecs.json(Chat.class), echo)
                        .host("127.0.0.1")
                        .port(0)
                        .path("/ws")
                        .build()
                        .start();
                HttpClient client = HttpClient.newHttpClient()) {
            assertThat(WsServerMetrics.monitor(registry, server)).isSameAs(server);
            CountDownLatch echoed = new CountDownLatch(1);
            WebSocket ws = client.newWebSocketBuilder()
                    .buildAsync(URI.create("ws://127.0.0.1:" + server.port() + "/ws"), new WebSocket.Listener() {
                        @Override
                        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                            echoed.countDown();
                            return WebSocket.Listener.super.onText(webSocket, data, last);
                        }
                    })
                    .get(10, TimeUnit.SECONDS);
            await().until(() -> server.stats().openConnections() == 1);
            assertThat(require(registry.scrape(), "hal9_ws_connections", "name", "game"))
                    .isEqualTo(1.0);
            Room.Hold lobby = server.room("lobby").hold();
            assertThat(require(registry.scrape(), "hal9_ws_rooms", "name", "game"))
                    .isEqualTo(1.0);
            lobby.close();
            assertThat(require(registry.scrape(), "hal9_ws_rooms", "name", "game"))
                    .isEqualTo(0.0);

            ws.sendText("{\"text\":\"hello\"}", true).get(10, TimeUnit.SECONDS);
            assertThat(echoed.await(10, TimeUnit.SECONDS)).isTrue();
            ws.sendPing(ByteBuffer.wrap(new byte[] {1, 2, 3})).get(10, TimeUnit.SECONDS);
            await().until(() -> server.stats().controlFramesIn() == 1);
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
            await().until(() -> server.stats().closedTotal() == 1);

            String scrape = registry.scrape();
            assertThat(require(scrape, "hal9_ws_connections", "name", "game")).isEqualTo(0.0);
            assertThat(require(scrape, "hal9_ws_connections_opened_total", "name", "game"))
                    .isEqualTo(1.0);
            assertThat(require(scrape, "hal9_ws_connections_closed_total", "name", "game", "code", "1000"))
                    .isEqualTo(1.0);
            assertThat(require(scrape, "hal9_ws_connections_closed_total", "name", "game", "code", "other"))
                    .isEqualTo(0.0);
            assertThat(require(scrape, "hal9_ws_messages_total", "name", "game", "direction", "in"))
                    .isEqualTo(1.0);
            assertThat(require(scrape, "hal9_ws_messages_total", "name", "game", "direction", "out"))
                    .isGreaterThanOrEqualTo(1.0);
            assertThat(require(scrape, "hal9_ws_bytes_total", "name", "game", "direction", "in"))
                    .isGreaterThan(0.0);
            assertThat(require(scrape, "hal9_ws_messages_dropped_total", "name", "game", "policy", "drop_newest"))
                    .isEqualTo(0.0);
            assertThat(require(scrape, "hal9_ws_send_queue_bytes", "name", "game"))
                    .isEqualTo(0.0);
            assertThat(require(scrape, "hal9_ws_handshake_rejections_total", "name", "game"))
                    .isEqualTo(0.0);
            assertThat(require(scrape, "hal9_ws_control_frames_total", "name", "game", "direction", "in"))
                    .isEqualTo(1.0);
            assertThat(require(scrape, "hal9_ws_pongs_coalesced_total", "name", "game"))
                    .isEqualTo(0.0);
            assertThat(require(scrape, "hal9_ws_rate_limit_disconnects_total", "name", "game"))
                    .isEqualTo(0.0);
            PrometheusBinaries.Check check = PrometheusBinaries.checkMetrics(scrape);
            assertThat(check.exitCode())
                    .as("promtool check metrics said:\n%s", check.output())
                    .isZero();
        }
    }
}

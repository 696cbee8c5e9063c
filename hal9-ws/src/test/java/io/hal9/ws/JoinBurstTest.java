package io.hal9.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(90)
class JoinBurstTest extends WsTestSupport {

    @Test
    void aThousandClientsConnectingAtTheSameInstantAllSucceed() throws Exception {
        int n = 1000;
        WsServer<Msg> server = start(b -> b.maxConnections(n).maxConnectionsPerIp(n));
        List<CompletableFuture<TestClient>> connects = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            connects.add(TestClient.connectAsync(server.port(), "/ws", TestClient.Options.defaults()));
        }
        List<TestClient> clients = new ArrayList<>(n);
        List<Throwable> failures = new ArrayList<>();
        for (CompletableFuture<TestClient> f : connects) {
            try {
                clients.add(track(f.get(60, TimeUnit.SECONDS)));
            } catch (Exception e) {
                failures.add(e);
            }
        }
        assertThat(failures).isEmpty();
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(
                        () -> assertThat(server.stats().openConnections()).isEqualTo(n));
        WsServer.Stats st = server.stats();
        assertThat(st.openedTotal()).isEqualTo(n);
        assertThat(st.handshakeRejections()).isEmpty();
        // every one of them is usable
        server.room("all");
        for (int i = 0; i < n; i++) {
            server.room("all").join(handler.nextOpened());
        }
        assertThat(server.room("all").broadcast(Msg.of("hello", 1))).isEqualTo(n);
        for (TestClient c : clients) {
            assertThat(parse(c.nextData()).type()).isEqualTo("hello");
        }
    }
}

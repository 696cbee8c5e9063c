package io.hal9.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.hal9.core.Admission;
import io.hal9.core.RejectedException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class WsServerTest extends WsTestSupport {

    @Test
    void echoesAMessageAndCountsItBothWays() {
        WsServer<Msg> server = start(b -> b);
        TestClient c = client(server);
        Session<Msg> s = handler.nextOpened();
        c.sendText(json(new Msg("echo", "hello", 7)));
        assertThat(parse(c.nextData())).isEqualTo(new Msg("echo", "hello", 7));
        assertThat(s.isOpen()).isTrue();
        assertThat(s.isConnected()).isTrue();
        assertThat(s.remoteAddress().toString()).contains("127.0.0.1");
        WsServer.Stats st = server.stats();
        assertThat(st.openConnections()).isEqualTo(1);
        assertThat(st.openedTotal()).isEqualTo(1);
        assertThat(st.messagesIn()).isEqualTo(1);
        assertThat(st.messagesOut()).isEqualTo(1);
        assertThat(st.bytesOut()).isPositive();
        assertThat(server.sessionCount()).isEqualTo(1);
    }

    @Test
    void aClientCloseReachesTheHandlerWithItsCodeAndIsCounted() {
        WsServer<Msg> server = start(b -> b);
        TestClient c = client(server);
        Session<Msg> s = handler.nextOpened();
        c.sendClose(1000, "bye");
        assertThat(handler.closeCodeOf(s)).isEqualTo(1000);
        assertThat(c.awaitClose(Duration.ofSeconds(5))).isEqualTo(1000);
        await().untilAsserted(() -> assertThat(server.stats().closedByCode()).containsEntry(1000, 1L));
        assertThat(s.isOpen()).isFalse();
        assertThat(s.trySend(Msg.of("late", 1))).isEqualTo(Admission.CLOSED);
        await().untilAsserted(() -> assertThat(server.sessionCount()).isZero());
    }

    @Test
    void aDroppedConnectionIsCountedAs1006() {
        WsServer<Msg> server = start(b -> b);
        TestClient c = client(server);
        Session<Msg> s = handler.nextOpened();
        c.close();
        assertThat(handler.closeCodeOf(s)).isEqualTo(WsCloseCodes.ABNORMAL);
        await().untilAsserted(() -> assertThat(server.stats().closedByCode()).containsEntry(1006, 1L));
    }

    @Test
    void sessionCloseSendsTheCodeAndReasonAfterQueuedMessages() {
        WsServer<Msg> server = start(b -> b);
        TestClient c = client(server);
        Session<Msg> s = handler.nextOpened();
        s.trySend(Msg.of("first", 1));
        s.close(4001, "game over");
        assertThat(parse(c.nextData()).type()).isEqualTo("first");
        assertThat(c.awaitClose(Duration.ofSeconds(5))).isEqualTo(4001);
        assertThat(c.closeReason).isEqualTo("game over");
        assertThat(handler.closeCodeOf(s)).isEqualTo(4001);
    }

    @Test
    void sessionCloseRefusesCodesOutsideTheApplicationRange() {
        start(b -> b);
        client(handler.server);
        Session<Msg> s = handler.nextOpened();
        assertThatThrownBy(() -> s.close(1009, "x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("close code must be 1000 or in [3000, 4999], was 1009");
    }

    @Test
    void sendCompletesWhenWrittenAndFailsOnceClosed() throws Exception {
        WsServer<Msg> server = start(b -> b);
        TestClient c = client(server);
        Session<Msg> s = handler.nextOpened();
        s.send(Msg.of("sent", 1)).toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(parse(c.nextData()).type()).isEqualTo("sent");
        c.sendClose(1000, "");
        handler.closeCodeOf(s);
        CompletableFuture<Void> late = s.send(Msg.of("late", 2)).toCompletableFuture();
        assertThatThrownBy(() -> late.get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(RejectedException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void theAuthenticatorCanRejectWithAStatusAndReasonOrAttachAttributes() {
        WsServer<Msg> server = start(b -> b.authenticator(req -> {
            String token = req.queryParameter("token");
            return CompletableFuture.supplyAsync(() -> "good".equals(token)
                    ? HandshakeDecision.accept(Map.of("player", "arthur"))
                    : HandshakeDecision.reject(401, "bad token"));
        }));
        assertThatThrownBy(() -> TestClient.connect(
                        server.port(), "/ws", TestClient.Options.defaults().withQuery("token=bad")))
                .isInstanceOfSatisfying(TestClient.Rejected.class, r -> {
                    assertThat(r.status).isEqualTo(401);
                    assertThat(r.body).isEqualTo("bad token");
                });
        client(server, TestClient.Options.defaults().withQuery("token=good"));
        Session<Msg> s = handler.nextOpened();
        assertThat(s.attributes()).containsEntry("player", "arthur");
        assertThat(server.stats().handshakeRejections()).containsEntry("auth-401", 1L);
    }

    @Test
    void anotherPathIsAnswered404() {
        WsServer<Msg> server = start(b -> b);
        assertThatThrownBy(() -> TestClient.connect(server.port(), "/other", TestClient.Options.defaults()))
                .isInstanceOfSatisfying(
                        TestClient.Rejected.class, r -> assertThat(r.status).isEqualTo(404));
        assertThat(server.stats().handshakeRejections()).containsEntry("path", 1L);
    }

    @Test
    void closingTheServerSends1001ToEveryClientAndRefusesSendsAfterwards() {
        WsServer<Msg> server = start(b -> b);
        TestClient a = client(server);
        TestClient b2 = client(server);
        Session<Msg> s1 = handler.nextOpened();
        handler.nextOpened();
        server.close();
        assertThat(a.awaitClose(Duration.ofSeconds(5))).isEqualTo(1001);
        assertThat(b2.awaitClose(Duration.ofSeconds(5))).isEqualTo(1001);
        assertThat(s1.trySend(Msg.of("late", 1))).isEqualTo(Admission.CLOSED);
        assertThat(server.isClosed()).isTrue();
        server.close(); // idempotent
    }
}

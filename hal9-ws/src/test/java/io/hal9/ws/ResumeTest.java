package io.hal9.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.hal9.testkit.ManualClock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class ResumeTest extends WsTestSupport {

    private static JsonNode control(TestClient c, String kind) {
        while (true) {
            String t = c.nextText();
            if (t.startsWith("{\"hal9\":\"" + kind + "\"")) {
                try {
                    return JSON.readTree(t);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    private TestClient resume(WsServer<Msg> server, String token, long lastSeq) {
        return client(server, TestClient.Options.defaults().withQuery("resume=" + token + "&lastSeq=" + lastSeq));
    }

    private static Session<Msg> poll(java.util.concurrent.BlockingQueue<Session<Msg>> q) throws InterruptedException {
        Session<Msg> s = q.poll(5, TimeUnit.SECONDS);
        assertThat(s).as("callback within 5 s").isNotNull();
        return s;
    }

    @Test
    void aDroppedClientResumesItsSessionAndGetsWhatItMissedInOrderWithoutDuplicates() throws Exception {
        WsServer<Msg> server = start(b -> b.resumeGrace(Duration.ofSeconds(10)).replayBufferMessages(100));
        TestClient first = client(server);
        Session<Msg> s = handler.nextOpened();
        String token = control(first, "session").get("resumeToken").asText();
        assertThat(token).isEqualTo(s.resumeToken());
        s.attributes().put("player", "arthur");
        server.room("g").join(s);
        for (int i = 1; i <= 5; i++) {
            s.trySend(Msg.of("m", i));
        }
        for (int i = 1; i <= 5; i++) {
            assertThat(parse(first.nextData()).n()).isEqualTo(i);
        }
        // two more are written to the socket but never read by the client, then the connection drops
        first.reading(false);
        s.send(Msg.of("m", 6)).toCompletableFuture().get(5, TimeUnit.SECONDS);
        s.send(Msg.of("m", 7)).toCompletableFuture().get(5, TimeUnit.SECONDS);
        first.close();
        assertThat(poll(handler.detached)).isSameAs(s);
        assertThat(s.isOpen()).isTrue();
        assertThat(s.isConnected()).isFalse();
        assertThat(server.stats().detachedSessions()).isEqualTo(1);
        // sent while away: queued
        s.trySend(Msg.of("m", 8));
        server.room("g").broadcast(Msg.of("m", 9));

        TestClient second = resume(server, token, 5);
        JsonNode resumed = control(second, "resumed");
        assertThat(resumed.get("seq").asLong()).isEqualTo(5);
        assertThat(resumed.get("replayed").asLong()).isEqualTo(2);
        for (int i = 6; i <= 9; i++) {
            assertThat(parse(second.nextData()).n()).isEqualTo(i);
        }
        assertThat(poll(handler.resumed)).isSameAs(s);
        assertThat(s.attributes()).containsEntry("player", "arthur");
        assertThat(handler.opened).isEmpty(); // same session, not a new one
        s.trySend(Msg.of("m", 10));
        assertThat(parse(second.nextData()).n()).isEqualTo(10);
        WsServer.Stats st = server.stats();
        assertThat(st.resumedTotal()).isEqualTo(1);
        assertThat(st.detachedSessions()).isZero();
        assertThat(st.openedTotal()).isEqualTo(1);
        await().untilAsserted(() -> assertThat(server.stats().openConnections()).isEqualTo(1));
    }

    @Test
    void aGapLargerThanTheReplayBufferTellsTheClientToResynchronise() throws Exception {
        WsServer<Msg> server = start(b -> b.resumeGrace(Duration.ofSeconds(10)).replayBufferMessages(2));
        TestClient first = client(server);
        Session<Msg> s = handler.nextOpened();
        String token = control(first, "session").get("resumeToken").asText();
        s.trySend(Msg.of("m", 1));
        assertThat(parse(first.nextData()).n()).isEqualTo(1);
        first.reading(false);
        for (int i = 2; i <= 6; i++) {
            s.send(Msg.of("m", i)).toCompletableFuture().get(5, TimeUnit.SECONDS);
        }
        first.close();
        poll(handler.detached);
        TestClient second = resume(server, token, 1);
        JsonNode resync = control(second, "resync");
        assertThat(resync.get("reason").asText()).isEqualTo("gap");
        assertThat(resync.get("seq").asLong()).isEqualTo(6);
        s.trySend(Msg.of("m", 7));
        assertThat(parse(second.nextData()).n()).isEqualTo(7);
        assertThat(poll(handler.resumed)).isSameAs(s);
    }

    @Test
    void anUnknownTokenOpensANewSessionThatIsToldToResynchronise() {
        WsServer<Msg> server = start(b -> b.resumeGrace(Duration.ofSeconds(10)));
        TestClient c = resume(server, "no-such-token", 3);
        assertThat(control(c, "resync").get("reason").asText()).isEqualTo("unknown or expired resume token");
        assertThat(control(c, "session").get("resumeToken").asText()).isNotEmpty();
        assertThat(handler.nextOpened().isOpen()).isTrue();
        assertThat(server.stats().resumedTotal()).isZero();
    }

    @Test
    void aSessionNotResumedWithinTheGraceIsClosedForGood() throws Exception {
        ManualClock ticker = new ManualClock();
        WsServer<Msg> server = start(b -> b.ticker(ticker::read)
                .resumeGrace(Duration.ofSeconds(30))
                .heartbeatInterval(Duration.ofMillis(40))
                .heartbeatTimeout(Duration.ofMillis(40)));
        TestClient c = client(server);
        Session<Msg> s = handler.nextOpened();
        server.room("g").join(s);
        c.close();
        poll(handler.detached);
        ticker.advance(Duration.ofSeconds(29));
        assertThat(s.isOpen()).isTrue();
        ticker.advance(Duration.ofSeconds(2));
        assertThat(handler.closeCodeOf(s)).isEqualTo(1006);
        assertThat(s.isOpen()).isFalse();
        assertThat(server.room("g").size()).isZero();
        assertThat(server.stats().detachedSessions()).isZero();
    }

    @Test
    void aClientThatReconnectsBeforeTheServerNoticedTheDropTakesItsSessionOver() throws Exception {
        WsServer<Msg> server = start(b -> b.resumeGrace(Duration.ofSeconds(10)));
        TestClient first = client(server);
        Session<Msg> s = handler.nextOpened();
        String token = control(first, "session").get("resumeToken").asText();
        s.trySend(Msg.of("m", 1));
        assertThat(parse(first.nextData()).n()).isEqualTo(1);
        TestClient second = resume(server, token, 1);
        assertThat(control(second, "resumed").get("replayed").asLong()).isZero();
        first.awaitClose(Duration.ofSeconds(5));
        assertThat(poll(handler.resumed)).isSameAs(s);
        s.trySend(Msg.of("m", 2));
        assertThat(parse(second.nextData()).n()).isEqualTo(2);
        assertThat(handler.opened).isEmpty();
    }

    @Test
    void closingTheServerEndsADetachedSessionForGood() throws Exception {
        WsServer<Msg> server = start(b -> b.resumeGrace(Duration.ofSeconds(30)));
        TestClient c = client(server);
        Session<Msg> s = handler.nextOpened();
        c.close();
        poll(handler.detached);
        assertThat(server.stats().detachedSessions()).isEqualTo(1);
        server.close();
        assertThat(handler.closeCodeOf(s)).isEqualTo(1001);
        assertThat(s.isOpen()).isFalse();
        assertThat(server.stats().detachedSessions()).isZero();
    }

    @Test
    void withoutResumptionADroppedSessionClosesAt1006() {
        start(b -> b);
        TestClient c = client(handler.server);
        Session<Msg> s = handler.nextOpened();
        assertThat(s.resumeToken()).isNull();
        c.close();
        assertThat(handler.closeCodeOf(s)).isEqualTo(1006);
    }
}

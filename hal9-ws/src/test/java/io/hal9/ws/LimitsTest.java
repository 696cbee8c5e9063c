package io.hal9.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.hal9.testkit.ManualClock;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class LimitsTest extends WsTestSupport {

    @Test
    void overTheGlobalLimitTheUpgradeIsAnswered503WithRetryAfter() {
        WsServer<Msg> server = start(b -> b.maxConnections(2));
        TestClient a = client(server);
        client(server);
        assertThatThrownBy(() -> client(server)).isInstanceOfSatisfying(TestClient.Rejected.class, r -> {
            assertThat(r.status).isEqualTo(503);
            assertThat(r.headers.get("Retry-After")).isEqualTo("1");
        });
        assertThat(server.stats().handshakeRejections()).containsEntry("connection-limit", 1L);
        a.close();
        await().untilAsserted(() -> assertThat(server.stats().openConnections()).isEqualTo(1));
        client(server); // a slot is free again
        await().untilAsserted(() -> assertThat(server.stats().openConnections()).isEqualTo(2));
    }

    @Test
    void overThePerIpLimitTheUpgradeIsAnswered503() {
        WsServer<Msg> server = start(b -> b.maxConnections(10).maxConnectionsPerIp(1));
        client(server);
        assertThatThrownBy(() -> client(server))
                .isInstanceOfSatisfying(
                        TestClient.Rejected.class, r -> assertThat(r.status).isEqualTo(503));
        assertThat(server.stats().handshakeRejections()).containsEntry("per-ip-limit", 1L);
        assertThat(server.stats().openConnections()).isEqualTo(1);
    }

    @Test
    void aFrameOverMaxFrameSizeIsClosedWith1009() {
        WsServer<Msg> server = start(b -> b.maxFrameSize(1024).maxMessageSize(4096));
        TestClient c = client(server);
        Session<Msg> s = handler.nextOpened();
        c.sendText("x".repeat(2000));
        assertThat(c.awaitClose(Duration.ofSeconds(5))).isEqualTo(1009);
        assertThat(handler.closeCodeOf(s)).isEqualTo(1009);
        await().untilAsserted(() -> assertThat(server.stats().closedByCode()).containsEntry(1009, 1L));
    }

    @Test
    void aFragmentedMessageOverMaxMessageSizeIsClosedWith1009() {
        start(b -> b.maxFrameSize(1024).maxMessageSize(2048));
        TestClient c = client(handler.server);
        Session<Msg> s = handler.nextOpened();
        c.sendFragmentedText("y".repeat(5000), 1000);
        assertThat(c.awaitClose(Duration.ofSeconds(5))).isEqualTo(1009);
        assertThat(handler.closeCodeOf(s)).isEqualTo(1009);
    }

    @Test
    void aFragmentedMessageUnderTheLimitIsJoined() {
        start(b -> b.maxFrameSize(1024).maxMessageSize(8192));
        TestClient c = client(handler.server);
        handler.nextOpened();
        String text = "z".repeat(3000);
        c.sendFragmentedText(json(new Msg("echo", text, 1)), 1000);
        assertThat(parse(c.nextData()).text()).isEqualTo(text);
    }

    @Test
    void invalidUtf8InATextFrameIsClosedWith1007() {
        start(b -> b);
        TestClient c = client(handler.server);
        Session<Msg> s = handler.nextOpened();
        c.sendRawText(new byte[] {'{', (byte) 0xC3, (byte) 0x28, '}'});
        assertThat(c.awaitClose(Duration.ofSeconds(5))).isEqualTo(1007);
        assertThat(handler.closeCodeOf(s)).isEqualTo(1007);
    }

    @Test
    void anUndecodableMessageIsAnsweredAndTheSessionClosesWith1003AfterMaxDecodeErrorsInARow() {
        WsServer<Msg> server = start(b -> b.maxDecodeErrors(3));
        TestClient c = client(server);
        Session<Msg> s = handler.nextOpened();
        c.sendText("not json");
        assertThat(c.nextText()).startsWith("{\"hal9\":\"error\",\"reason\":\"decode\"");
        c.sendText(json(new Msg("echo", "still here", 1))); // a good one resets the run
        assertThat(parse(c.nextData()).text()).isEqualTo("still here");
        c.sendText("bad 1");
        c.sendText("bad 2");
        assertThat(s.isOpen()).isTrue();
        c.sendText("bad 3");
        assertThat(c.awaitClose(Duration.ofSeconds(5))).isEqualTo(1003);
        assertThat(handler.closeCodeOf(s)).isEqualTo(1003);
        assertThat(handler.decodeErrors).hasSize(4);
        assertThat(server.stats().decodeErrors()).isEqualTo(4);
    }

    @Test
    void theHostEncodesItsOwnRefusalsAndFallsBackToTheControlMessageIfItFails() {
        ManualClock ticker = new ManualClock();
        handler.refusals = (reason, detail) -> new Msg("refused", reason, detail.length());
        WsServer<Msg> server = start(b -> b.ticker(ticker::read).inboundRate(10).inboundBurst(3));
        TestClient c = client(server);
        Session<Msg> s = handler.nextOpened();
        c.sendText("not json");
        Msg decode = parse(c.nextText()); // a data message of the host's protocol, not {"hal9":"error",...}
        assertThat(decode.type()).isEqualTo("refused");
        assertThat(decode.text()).isEqualTo("decode");
        assertThat(decode.n()).isPositive().isLessThanOrEqualTo(200);
        assertThat(handler.decodeErrors).hasSize(1);
        c.sendText(json(Msg.of("count", 1)));
        c.sendText(json(Msg.of("count", 2)));
        c.sendText(json(Msg.of("count", 3))); // over the burst
        Msg limited = parse(c.nextText());
        assertThat(limited.type()).isEqualTo("refused");
        assertThat(limited.text()).isEqualTo("rate-limited");
        assertThat(server.stats().rateLimited()).isEqualTo(1);

        // a refusal the host cannot encode: HAL9's control message goes instead, counted as a handler error
        handler.refusals = (reason, detail) -> {
            throw new IllegalStateException("no refusal for you");
        };
        ticker.advance(Duration.ofSeconds(1));
        c.sendText("still not json");
        assertThat(c.nextText()).startsWith("{\"hal9\":\"error\",\"reason\":\"decode\"");
        assertThat(server.stats().handlerErrors()).isEqualTo(1);
        assertThat(s.isOpen()).isTrue();
    }

    @Test
    void messagesOverTheRateAreRefusedWithAnErrorAndPersistentAbuseCloses1008() {
        ManualClock ticker = new ManualClock();
        WsServer<Msg> server = start(
                b -> b.ticker(ticker::read).inboundRate(10).inboundBurst(5).maxRateLimitedInRow(20));
        TestClient c = client(server);
        Session<Msg> s = handler.nextOpened();
        for (int i = 0; i < 8; i++) {
            c.sendText(json(Msg.of("count", i)));
        }
        assertThat(c.nextText()).contains("\"reason\":\"rate-limited\"");
        await().untilAsserted(() -> assertThat(server.stats().rateLimited()).isEqualTo(3));
        assertThat(handler.received).hasSize(5);
        ticker.advance(Duration.ofMillis(200)); // two tokens back
        c.sendText(json(Msg.of("count", 100)));
        await().untilAsserted(() -> assertThat(handler.received).hasSize(6));
        for (int i = 0; i < 30; i++) {
            c.sendTextNoWait(json(Msg.of("flood", i))); // the server closes the connection mid-flood
        }
        // the server closes at once after its close frame: with the client's frames still arriving, its reset
        // may overtake the close frame (the client then sees 1006); the session's code is the server's
        assertThat(c.awaitClose(Duration.ofSeconds(5))).isIn(1008, 1006);
        assertThat(handler.closeCodeOf(s)).isEqualTo(1008);
        // the 200 ms gave two tokens: "count 100" took one, the first flood message the other
        assertThat(handler.received.stream().filter(m -> m.type().equals("flood")))
                .extracting(Msg::n)
                .containsExactly(0L);
    }

    @Test
    void pingsAreAnsweredWithTheirPayloadAndTakeTokensOfTheInboundRate() {
        ManualClock ticker = new ManualClock();
        WsServer<Msg> server = start(
                b -> b.ticker(ticker::read).inboundRate(10).inboundBurst(3).maxRateLimitedInRow(5));
        TestClient c = client(server);
        Session<Msg> s = handler.nextOpened();
        c.sendPing("one");
        assertThat(c.nextPong()).isEqualTo("one");
        c.sendText(json(Msg.of("count", 1)));
        c.sendPing("two");
        assertThat(c.nextPong()).isEqualTo("two");
        // the bucket is empty: this ping is refused (no pong) and answered with the rate-limited error
        c.sendPing("three");
        assertThat(c.nextText()).contains("\"reason\":\"rate-limited\"");
        assertThat(c.pongs).isEmpty();
        assertThat(server.stats().controlFramesIn()).isEqualTo(3);
        assertThat(server.stats().rateLimited()).isEqualTo(1);
        // four more refusals in the same run (no time passes): 1008
        for (int i = 0; i < 4; i++) {
            c.sendPing("flood " + i);
        }
        assertThat(c.awaitClose(Duration.ofSeconds(5))).isEqualTo(1008);
        assertThat(handler.closeCodeOf(s)).isEqualTo(1008);
        assertThat(server.stats().rateLimitDisconnects()).isEqualTo(1);
        assertThat(c.pongs).isEmpty();
    }

    @Test
    void aRunOfRefusalsGoesOnWhileTheClientStaysOverTheRateAndEndsAfterASecondWithout() {
        ManualClock ticker = new ManualClock();
        WsServer<Msg> server = start(
                b -> b.ticker(ticker::read).inboundRate(10).inboundBurst(1).maxRateLimitedInRow(4));
        TestClient c = client(server);
        Session<Msg> s = handler.nextOpened();
        // at twice the rate: each refill admits one message, the other is refused; the run does not end
        for (int i = 0; i < 3; i++) {
            c.sendText(json(Msg.of("count", i)));
            c.sendText(json(Msg.of("over", i)));
            long refused = i + 1;
            await().untilAsserted(() -> assertThat(server.stats().rateLimited()).isEqualTo(refused));
            ticker.advance(Duration.ofMillis(100)); // one token back
        }
        assertThat(s.isOpen()).isTrue();
        // a second without a refusal ends the run: three more refusals do not close
        ticker.advance(Duration.ofSeconds(1));
        c.sendText(json(Msg.of("count", 10)));
        for (int i = 0; i < 3; i++) {
            c.sendText(json(Msg.of("over", 10 + i)));
        }
        await().untilAsserted(() -> assertThat(server.stats().rateLimited()).isEqualTo(6));
        assertThat(s.isOpen()).isTrue();
        // the fourth of this run closes
        c.sendText(json(Msg.of("over", 20)));
        assertThat(c.awaitClose(Duration.ofSeconds(5))).isEqualTo(1008);
        assertThat(server.stats().rateLimitDisconnects()).isEqualTo(1);
        assertThat(handler.received).extracting(Msg::type).containsOnly("count");
    }

    @Test
    void aClientThatStopsAnsweringPingsIsClosedWith1001AndALiveOneIsKept() {
        WsServer<Msg> server =
                start(b -> b.heartbeatInterval(Duration.ofMillis(100)).heartbeatTimeout(Duration.ofMillis(200)));
        TestClient live = client(server);
        Session<Msg> liveSession = handler.nextOpened();
        TestClient silent = client(server);
        Session<Msg> silentSession = handler.nextOpened();
        silent.answerPings = false;
        assertThat(silent.awaitClose(Duration.ofSeconds(5))).isEqualTo(1001);
        assertThat(silent.closeReason).isEqualTo("heartbeat timeout");
        assertThat(handler.closeCodeOf(silentSession)).isEqualTo(1001);
        assertThat(silent.pings.get()).isPositive();
        await().untilAsserted(
                        () -> assertThat(server.stats().heartbeatTimeouts()).isEqualTo(1));
        await().until(() -> live.pings.get() >= 3); // several intervals later the live one is still open
        assertThat(live.isOpen()).isTrue();
        assertThat(liveSession.isOpen()).isTrue();
    }

    @Test
    void theBuilderRefusesBadValuesAtOnceNamingTheOption() {
        WsServer.Builder<Msg> b = WsServer.builder("game", Codecs.json(Msg.class), handler);
        assertThatThrownBy(() -> b.maxConnections(0))
                .hasMessage("ws server 'game': maxConnections must be in [1, 10000000], was 0");
        assertThatThrownBy(() -> b.path("ws")).hasMessageContaining("path must start with '/'");
        assertThatThrownBy(() -> b.heartbeatInterval(Duration.ofMillis(1)))
                .hasMessageContaining("heartbeatInterval must be in");
        b.port(0);
        assertThatThrownBy(() -> b.port(1)).hasMessage("ws server 'game': port was already set");
        assertThatThrownBy(() -> WsServer.builder("game", Codecs.json(Msg.class), handler)
                        .maxConnections(5)
                        .maxConnectionsPerIp(6)
                        .build())
                .hasMessage("ws server 'game': maxConnectionsPerIp must be <= maxConnections (5), was 6");
        assertThatThrownBy(() -> WsServer.builder("game", Codecs.json(Msg.class), handler)
                        .maxFrameSize(4096)
                        .maxMessageSize(1024)
                        .build())
                .hasMessage("ws server 'game': maxMessageSize must be >= maxFrameSize (4096), was 1024");
        assertThatThrownBy(() -> WsServer.builder(" ", Codecs.json(Msg.class), handler))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(Arrays.asList(OverflowPolicy.values())).hasSize(3);
    }
}

package io.hal9.ws;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class CompressionTest extends WsTestSupport {

    @Test
    void messagesOverTheThresholdAreDeflatedAndSmallOnesAreNot() {
        WsServer<Msg> server = start(b -> b.compression(true).compressionThreshold(256));
        TestClient c = client(server, TestClient.Options.defaults().withCompression());
        Session<Msg> s = handler.nextOpened();
        s.trySend(Msg.of("small", 1));
        assertThat(parse(c.nextData()).type()).isEqualTo("small");
        assertThat(c.compressedFrames.get()).isZero();
        String big = "all work and no play makes jack a dull boy ".repeat(40);
        s.trySend(new Msg("big", big, 2));
        assertThat(parse(c.nextData()).text()).isEqualTo(big);
        assertThat(c.compressedFrames.get()).isEqualTo(1);
        // and the client's compressed messages are inflated on the way in
        c.sendText(json(new Msg("echo", big, 3)));
        assertThat(parse(c.nextData()).text()).isEqualTo(big);
        assertThat(c.compressedFrames.get()).isEqualTo(2);
    }

    @Test
    void withoutCompressionOnTheServerAClientThatOffersItGetsPlainFrames() {
        WsServer<Msg> server = start(b -> b);
        TestClient c = client(server, TestClient.Options.defaults().withCompression());
        Session<Msg> s = handler.nextOpened();
        String big = "x".repeat(4000);
        s.trySend(new Msg("big", big, 1));
        assertThat(parse(c.nextData()).text()).isEqualTo(big);
        assertThat(c.compressedFrames.get()).isZero();
    }
}

package io.hal9.ws;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;

/** Starts servers on loopback with an ephemeral port and closes them (and clients) after each test. */
abstract class WsTestSupport {
    static final JsonMapper JSON = JsonMapper.builder().build();

    final List<AutoCloseable> toClose = new ArrayList<>();
    final TestHandler handler = new TestHandler();
    final TrackingCodec<Msg> codec = new TrackingCodec<>(Codecs.json(Msg.class));

    WsServer<Msg> start(UnaryOperator<WsServer.Builder<Msg>> options) {
        return start(handler, options);
    }

    WsServer<Msg> start(TestHandler h, UnaryOperator<WsServer.Builder<Msg>> options) {
        WsServer.Builder<Msg> b =
                WsServer.builder("test", codec, h).host("127.0.0.1").eventLoopThreads(2);
        WsServer<Msg> server = options.apply(b).build();
        h.server = server;
        toClose.add(server);
        server.start();
        return server;
    }

    TestClient client(WsServer<Msg> server) {
        return track(TestClient.connect(server.port()));
    }

    TestClient client(WsServer<Msg> server, TestClient.Options options) {
        return track(TestClient.connect(server.port(), "/ws", options));
    }

    TestClient track(TestClient c) {
        toClose.add(0, c);
        return c;
    }

    static String json(Msg m) {
        try {
            return JSON.writeValueAsString(m);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static Msg parse(String s) {
        try {
            return JSON.readValue(s, Msg.class);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
        toClose.clear();
        assertThat(codec.live())
                .as("encoded buffers still referenced after close")
                .isZero();
        assertThat(LeakRecorder.collect()).as("Netty leak reports").isEmpty();
    }
}

package io.hal9.ws;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class BatchingTest extends WsTestSupport {

    @Test
    void aClientThatAsksForBatchesGetsTheMessagesOfOneTurnInOneFrame() throws Exception {
        WsServer<Msg> server = start(b -> b);
        TestClient c = client(server, TestClient.Options.defaults().withSubprotocol(WsServer.BATCH_SUBPROTOCOL));
        assertThat(c.selectedSubprotocol).isEqualTo(WsServer.BATCH_SUBPROTOCOL);
        Session<Msg> s = handler.nextOpened();
        assertThat(s.batching()).isTrue();
        c.sendText(json(Msg.of("burst", 10))); // the handler sends 10 messages on the event loop, in one turn
        String frame = c.nextData();
        List<Msg> batch = JSON.readerForListOf(Msg.class).readValue(frame);
        assertThat(batch).extracting(Msg::n).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
        assertThat(server.stats().messagesOut()).isEqualTo(10);
    }

    @Test
    void theQueryParameterAlsoAsksForBatchesAndASingleMessageIsABatchOfOne() throws Exception {
        start(b -> b);
        TestClient c = client(handler.server, TestClient.Options.defaults().withQuery("batch=1"));
        Session<Msg> s = handler.nextOpened();
        s.trySend(Msg.of("one", 1));
        List<Msg> batch = JSON.readerForListOf(Msg.class).readValue(c.nextData());
        assertThat(batch).containsExactly(Msg.of("one", 1));
    }

    @Test
    void withoutBatchingEachMessageIsItsOwnFrame() {
        start(b -> b);
        TestClient c = client(handler.server);
        handler.nextOpened();
        c.sendText(json(Msg.of("burst", 3)));
        assertThat(parse(c.nextData()).n()).isEqualTo(0);
        assertThat(parse(c.nextData()).n()).isEqualTo(1);
        assertThat(parse(c.nextData()).n()).isEqualTo(2);
    }
}

package io.hal9.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class RoomTest extends WsTestSupport {

    private record Player(TestClient client, Session<Msg> session) {}

    private Player join(WsServer<Msg> server, String room) {
        TestClient c = client(server);
        Session<Msg> s = handler.nextOpened();
        server.room(room).join(s);
        return new Player(c, s);
    }

    @Test
    void aBroadcastReachesEveryMemberOnceAndIsEncodedOnce() {
        WsServer<Msg> server = start(b -> b);
        List<Player> players = List.of(join(server, "g"), join(server, "g"), join(server, "g"));
        Player outsider = join(server, "other");
        Room<Msg> room = server.room("g");
        assertThat(room.size()).isEqualTo(3);

        int before = codec.encodings.get();
        assertThat(room.broadcast(new Msg("news", "all", 1))).isEqualTo(3);
        assertThat(codec.encodings.get() - before).isEqualTo(1);

        for (Player p : players) {
            assertThat(parse(p.client().nextData())).isEqualTo(new Msg("news", "all", 1));
        }
        // exactly once: the next thing each receives is a marker sent after the broadcast
        for (Player p : players) {
            p.session().trySend(Msg.of("marker", 2));
            assertThat(parse(p.client().nextData()).type()).isEqualTo("marker");
        }
        outsider.session().trySend(Msg.of("marker", 3));
        assertThat(parse(outsider.client().nextData()).type()).isEqualTo("marker");
        await().untilAsserted(() -> assertThat(codec.live()).isZero());
    }

    @Test
    void broadcastExceptSkipsTheSender() {
        WsServer<Msg> server = start(b -> b);
        Player a = join(server, "g");
        Player b = join(server, "g");
        Player c = join(server, "g");
        a.client().sendText(json(new Msg("say", "g", 9)));
        assertThat(parse(b.client().nextData())).isEqualTo(new Msg("say", "g", 9));
        assertThat(parse(c.client().nextData())).isEqualTo(new Msg("say", "g", 9));
        a.session().trySend(Msg.of("marker", 1));
        assertThat(parse(a.client().nextData()).type()).isEqualTo("marker");
    }

    @Test
    void aClosedSessionLeavesItsRoomsAndAClosedRoomRefusesJoins() {
        WsServer<Msg> server = start(b -> b);
        Player a = join(server, "g");
        Player b = join(server, "g");
        server.room("h").join(a.session());
        a.client().close();
        await().untilAsserted(() -> assertThat(server.room("g").size()).isEqualTo(1));
        assertThat(server.room("h").size()).isZero();
        Room<Msg> g = server.room("g");
        g.close();
        assertThat(g.isClosed()).isTrue();
        assertThat(g.join(b.session())).isFalse();
        assertThat(g.broadcast(Msg.of("x", 1))).isZero();
        assertThat(server.room("g")).isNotSameAs(g);
    }

    @Test
    void aHandlerBuiltBeforeItsServerReachesTheServerAndItsRoomsThroughTheSession() {
        java.util.concurrent.LinkedBlockingQueue<WsServer<Msg>> seen = new java.util.concurrent.LinkedBlockingQueue<>();
        // no field, no setter: the handler exists before the server and is never told about it
        WsHandler<Msg> lobby = new WsHandler<>() {
            @Override
            public void onOpen(Session<Msg> session) {
                seen.add(session.server());
                session.server().room("lobby").join(session);
            }

            @Override
            public void onMessage(Session<Msg> session, Msg message) {
                Room<Msg> room = session.server().room("lobby");
                seen.add(room.server());
                room.broadcastExcept(message, session);
            }
        };
        WsServer<Msg> server = WsServer.builder("lobby", codec, lobby)
                .host("127.0.0.1")
                .eventLoopThreads(1)
                .build();
        toClose.add(server);
        server.start();
        TestClient a = client(server);
        TestClient b = client(server);
        await().untilAsserted(() -> assertThat(server.room("lobby").size()).isEqualTo(2));

        a.sendText(json(new Msg("hi", "lobby", 1)));
        assertThat(parse(b.nextData())).isEqualTo(new Msg("hi", "lobby", 1));
        assertThat(seen).hasSize(3).allSatisfy(s -> assertThat(s).isSameAs(server));
    }

    @Test
    void aSessionOfAnotherServerIsRefused() {
        WsServer<Msg> one = start(b -> b);
        TestHandler otherHandler = new TestHandler();
        WsServer<Msg> two = start(otherHandler, b -> b);
        track(TestClient.connect(two.port()));
        Session<Msg> foreign = otherHandler.nextOpened();
        assertThatThrownBy(() -> one.room("g").join(foreign))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("belongs to another server");
    }

    @Test
    void twoServersOnOneLocalBusDeliverEachOthersBroadcastsWithoutReencoding() {
        RoomBus bus = RoomBus.local();
        toClose.add(bus);
        WsServer<Msg> a = start(b -> b.roomBus(bus).instanceId("a"));
        TestHandler handlerB = new TestHandler();
        TrackingCodec<Msg> codecB = new TrackingCodec<>(Codecs.json(Msg.class));
        WsServer<Msg> b = WsServer.builder("test-b", codecB, handlerB)
                .host("127.0.0.1")
                .eventLoopThreads(1)
                .roomBus(bus)
                .instanceId("b")
                .build();
        toClose.add(b);
        b.start();

        Player onA = join(a, "g");
        TestClient clientB = track(TestClient.connect(b.port()));
        Session<Msg> onB = handlerB.nextOpened();
        b.room("g").join(onB);

        int encodingsOnA = codec.encodings.get();
        clientB.sendText(json(new Msg("shout", "g", 5)));
        assertThat(parse(onA.client().nextData())).isEqualTo(new Msg("shout", "g", 5));
        assertThat(parse(clientB.nextData())).isEqualTo(new Msg("shout", "g", 5));
        assertThat(codec.encodings.get()).isEqualTo(encodingsOnA);
        assertThat(codecB.encodings.get()).isEqualTo(1);
        // and not twice on B (its own publication is ignored)
        onB.trySend(Msg.of("marker", 1));
        assertThat(parse(clientB.nextData()).type()).isEqualTo("marker");
        // a local-only broadcast stays on its server
        b.room("g").broadcastLocal(Msg.of("local", 7));
        assertThat(parse(clientB.nextData()).type()).isEqualTo("local");
        a.room("g").broadcast(Msg.of("after", 8));
        assertThat(parse(onA.client().nextData()).type()).isEqualTo("after"); // not "local"
        assertThat(parse(clientB.nextData()).type()).isEqualTo("after");
        await().untilAsserted(() -> assertThat(codecB.live()).isZero());
    }
}

package io.hal9.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** When a room opens, when it is reclaimed, and that nothing lands in a reclaimed room. */
@Timeout(60)
class RoomLifetimeTest extends WsTestSupport {

    /** A local bus that counts each room's live subscriptions and remembers the most ever live at once. */
    static final class CountingBus implements RoomBus {
        final RoomBus delegate = RoomBus.local();
        final Map<String, AtomicInteger> live = new ConcurrentHashMap<>();
        final Map<String, AtomicInteger> most = new ConcurrentHashMap<>();
        final AtomicInteger subscribes = new AtomicInteger();

        @Override
        public void publish(String roomId, String originInstance, boolean binary, ByteBuf payload) {
            delegate.publish(roomId, originInstance, binary, payload);
        }

        @Override
        public CompletionStage<Void> subscribe(String roomId, Subscriber subscriber) {
            subscribes.incrementAndGet();
            int now = live.computeIfAbsent(roomId, k -> new AtomicInteger()).incrementAndGet();
            most.computeIfAbsent(roomId, k -> new AtomicInteger()).accumulateAndGet(now, Math::max);
            return delegate.subscribe(roomId, subscriber);
        }

        @Override
        public void unsubscribe(String roomId, Subscriber subscriber) {
            live.computeIfAbsent(roomId, k -> new AtomicInteger()).decrementAndGet();
            delegate.unsubscribe(roomId, subscriber);
        }

        int live(String roomId) {
            AtomicInteger n = live.get(roomId);
            return n == null ? 0 : n.get();
        }

        int most(String roomId) {
            AtomicInteger n = most.get(roomId);
            return n == null ? 0 : n.get();
        }

        @Override
        public void close() {
            delegate.close();
        }
    }

    private final CountingBus bus = new CountingBus();

    private WsServer<Msg> server() {
        toClose.add(bus);
        return start(b -> b.roomBus(bus).instanceId("a"));
    }

    private Session<Msg> connect(WsServer<Msg> server) {
        client(server);
        return handler.nextOpened();
    }

    @Test
    void theLastMemberLeavingReclaimsTheRoomAndReleasesItsBusSubscription() {
        WsServer<Msg> server = server();
        Session<Msg> a = connect(server);
        Session<Msg> b = connect(server);
        Room<Msg> room = server.room("game-1");
        assertThat(server.stats().openRooms()).isZero();
        assertThat(bus.live("game-1"))
                .as("not subscribed before the first join")
                .isZero();

        assertThat(room.join(a)).isTrue();
        assertThat(room.join(b)).isTrue();
        assertThat(server.stats().openRooms()).isEqualTo(1);
        assertThat(bus.live("game-1")).isEqualTo(1);
        assertThat(room.subscribed()).isCompleted();

        assertThat(room.leave(a)).isTrue();
        assertThat(server.stats().openRooms()).isEqualTo(1);
        assertThat(room.leave(b)).isTrue();

        assertThat(server.stats().openRooms()).isZero();
        assertThat(bus.live("game-1")).isZero();
        assertThat(room.isClosed()).as("reclaimed, not closed").isFalse();
        assertThat(room.size()).isZero();
        assertThat(room.subscribed()).isCompletedExceptionally();
        assertThat(server.room("game-1")).as("a new room object for the id").isNotSameAs(room);
    }

    @Test
    void aSessionClosingForGoodReclaimsTheRoomsItWasTheLastMemberOf() {
        WsServer<Msg> server = server();
        TestClient client = client(server);
        Session<Msg> s = handler.nextOpened();
        server.room("a").join(s);
        server.room("b").join(s);
        assertThat(server.stats().openRooms()).isEqualTo(2);

        client.close();

        await().untilAsserted(() -> assertThat(server.stats().openRooms()).isZero());
        assertThat(bus.live("a")).isZero();
        assertThat(bus.live("b")).isZero();
    }

    @Test
    void aHeldRoomStaysOpenWithoutMembersUntilItsLastHoldIsReleased() {
        WsServer<Msg> server = server();
        Session<Msg> s = connect(server);
        Room.Hold first = server.room("lobby").hold();
        Room.Hold second = server.room("lobby").hold();
        assertThat(server.stats().openRooms()).as("a hold opens the room").isEqualTo(1);
        assertThat(bus.live("lobby")).isEqualTo(1);

        server.room("lobby").join(s);
        server.room("lobby").leave(s);
        assertThat(server.stats().openRooms()).as("held: kept without members").isEqualTo(1);

        first.close();
        first.close(); // idempotent: does not release the second hold
        assertThat(server.stats().openRooms()).isEqualTo(1);
        second.close();
        assertThat(server.stats().openRooms()).isZero();
        assertThat(bus.live("lobby")).isZero();
    }

    @Test
    void aRoomObjectWhoseRoomWasReclaimedOpensItAgainAndActsOnTheOpenRoom() {
        WsServer<Msg> server = server();
        Session<Msg> a = connect(server);
        Session<Msg> b = connect(server);
        TestClient clientC = client(server);
        Session<Msg> c = handler.nextOpened();
        Room<Msg> stale = server.room("g");
        stale.join(a);
        stale.leave(a); // reclaimed
        Room<Msg> other = server.room("g");
        other.join(b); // another object opened the id meanwhile

        assertThat(stale.size()).isEqualTo(1);
        assertThat(stale.join(c)).as("joins the room open for the id").isTrue();
        assertThat(other.size()).isEqualTo(2);
        assertThat(bus.live("g")).isEqualTo(1);
        assertThat(stale.broadcastExcept(Msg.of("hi", 1), b)).isEqualTo(1);
        assertThat(parse(clientC.nextData()).type()).isEqualTo("hi");
        assertThat(stale.leave(b)).as("leaves the room open for the id").isTrue();
        assertThat(other.size()).isEqualTo(1);
        assertThat(bus.most("g")).as("never two subscriptions of one room").isEqualTo(1);
    }

    @Test
    void aBroadcastToARoomThatIsNotOpenIsPublishedForTheOtherInstancesWithoutOpeningIt() {
        WsServer<Msg> a = server();
        TestHandler handlerB = new TestHandler();
        WsServer<Msg> b = start(handlerB, o -> o.roomBus(bus).instanceId("b"));
        TestClient onB = client(b);
        b.room("g").join(handlerB.nextOpened());

        assertThat(a.room("g").broadcast(Msg.of("result", 3))).isZero();

        assertThat(parse(onB.nextData()).type()).isEqualTo("result");
        assertThat(a.stats().openRooms()).isZero();
        assertThat(bus.subscribes).as("only b's room subscribed").hasValue(1);
    }

    @Test
    void aClosedRoomRefusesJoinsAndHoldsAndAClosedServerItsRooms() {
        WsServer<Msg> server = server();
        Session<Msg> s = connect(server);
        Room<Msg> room = server.room("g");
        room.join(s);
        Room.Hold hold = room.hold();
        room.close();
        assertThat(server.stats().openRooms()).isZero();
        assertThat(bus.live("g")).isZero();
        assertThat(room.join(s)).isFalse();
        assertThatThrownBy(room::hold)
                .isInstanceOf(WsException.class)
                .hasMessage("ws server 'test': room 'g' is closed; cannot hold room 'g'");
        hold.close(); // releasing a hold of a closed room is harmless
        assertThat(server.room("g").join(s)).as("a new room for the id").isTrue();

        Room<Msg> detached = server.room("h");
        server.close();
        assertThat(detached.join(s)).isFalse();
        assertThatThrownBy(detached::hold).hasMessage("ws server 'test': closed; cannot hold room 'h'");
    }

    /**
     * Many threads join and leave a few rooms through fresh and stale room objects, and hold and release them:
     * every join and leave answers what the thread's own bookkeeping expects, a room is open exactly while it
     * has a member or a hold, and a room never has two bus subscriptions at once.
     */
    @Test
    void joinsAndLeavesRacingWithReclaimsNeverLandInAReclaimedRoom() throws Exception {
        int threads = 8;
        int sessionsPerThread = 3;
        int operations = 4_000;
        List<String> ids = List.of("r0", "r1", "r2");
        long seed = System.nanoTime();
        WsServer<Msg> server = server();
        List<List<Session<Msg>>> owned = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            List<Session<Msg>> mine = new ArrayList<>();
            for (int i = 0; i < sessionsPerThread; i++) {
                mine.add(connect(server));
            }
            owned.add(mine);
        }
        // per session (each owned by one thread): the rooms it is in
        Map<Session<Msg>, Set<String>> expected = new ConcurrentHashMap<>();
        List<String> failures = new CopyOnWriteArrayList<>();
        CyclicBarrier go = new CyclicBarrier(threads);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            List<Session<Msg>> mine = owned.get(t);
            Random random = new Random(seed + t);
            workers.add(Thread.ofPlatform().start(() -> {
                List<Room<Msg>> stale = new ArrayList<>();
                for (String id : ids) {
                    stale.add(server.room(id));
                }
                try {
                    go.await(10, TimeUnit.SECONDS);
                } catch (Exception e) {
                    failures.add("barrier: " + e);
                    return;
                }
                for (int op = 0; op < operations; op++) {
                    Session<Msg> s = mine.get(random.nextInt(mine.size()));
                    int r = random.nextInt(ids.size());
                    String id = ids.get(r);
                    Room<Msg> room = random.nextBoolean() ? server.room(id) : stale.get(r);
                    Set<String> in = expected.computeIfAbsent(s, k -> new HashSet<>());
                    int what = random.nextInt(10);
                    if (what < 5) {
                        boolean joined = room.join(s);
                        if (joined == in.contains(id)) {
                            failures.add(
                                    "join of " + id + " answered " + joined + " (member: " + in.contains(id) + ")");
                        }
                        in.add(id);
                    } else if (what < 9) {
                        boolean left = room.leave(s);
                        if (left != in.contains(id)) {
                            failures.add("leave of " + id + " answered " + left + " (member: " + in.contains(id) + ")");
                        }
                        in.remove(id);
                    } else {
                        Room.Hold h = room.hold();
                        // held: the room of the id is open (subscribed: a local bus confirms at once)
                        if (!server.room(id).subscribed().toCompletableFuture().isDone()
                                || server.room(id)
                                        .subscribed()
                                        .toCompletableFuture()
                                        .isCompletedExceptionally()) {
                            failures.add("a held room " + id + " is not open");
                        }
                        h.close();
                    }
                }
            }));
        }
        for (Thread w : workers) {
            w.join();
        }
        assertThat(failures).as("seed %d", seed).isEmpty();

        int open = 0;
        for (String id : ids) {
            int members = (int)
                    expected.values().stream().filter(in -> in.contains(id)).count();
            assertThat(server.room(id).size())
                    .as("seed %d: members of %s", seed, id)
                    .isEqualTo(members);
            assertThat(server.room(id).broadcastLocal(Msg.of("count", 0)))
                    .as("seed %d: a broadcast reaches every member of %s", seed, id)
                    .isEqualTo(members);
            assertThat(bus.live(id))
                    .as("seed %d: subscriptions of %s", seed, id)
                    .isEqualTo(members > 0 ? 1 : 0);
            assertThat(bus.most(id))
                    .as("seed %d: never two subscriptions of %s", seed, id)
                    .isLessThanOrEqualTo(1);
            open += members > 0 ? 1 : 0;
        }
        assertThat(server.stats().openRooms()).as("seed %d", seed).isEqualTo(open);

        for (Map.Entry<Session<Msg>, Set<String>> e : expected.entrySet()) {
            for (String id : e.getValue()) {
                assertThat(server.room(id).leave(e.getKey())).isTrue();
            }
        }
        assertThat(server.stats().openRooms()).isZero();
        for (String id : ids) {
            assertThat(bus.live(id)).isZero();
        }
    }
}

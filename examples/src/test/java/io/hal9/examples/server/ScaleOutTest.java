package io.hal9.examples.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.hal9.testkit.FaultProxy;
import io.hal9.testkit.PostgresService;
import io.hal9.testkit.RedisService;
import io.hal9.testkit.RequiresPostgres;
import io.hal9.testkit.RequiresRedis;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Scale-out (issue 17, items 1 and 2): instance A as a process of its own, instance B in this JVM, on one
 * PostgreSQL and one Redis, with a short lease. A's death (SIGKILL) and a pause of A beyond its lease
 * (SIGSTOP) hand its games to B; requests sent to the instance that does not own a game are forwarded to
 * the one that does.
 */
@RequiresPostgres
@RequiresRedis
@Timeout(180)
class ScaleOutTest {
    private static final Duration LEASE = Duration.ofSeconds(2);
    private static final String SECRET = "shared-secret-of-both-instances";
    private static final int ROUNDS = 150;

    /** The options of an instance: short lease, the shared journal root (a folder per instance under it). */
    private static List<String> args(PostgresService pg, RedisService redis, String name, Path journals) {
        return args(pg.jdbcUrl(), redis, name, journals);
    }

    private static List<String> args(String jdbcUrl, RedisService redis, String name, Path journals) {
        return SharedServices.postgresArgs(
                jdbcUrl,
                4,
                journals.toString(),
                "--instance-name",
                name,
                "--redis-uri",
                redis.uri(),
                "--redis-prefix",
                redis.keyPrefix(),
                "--token-secret",
                SECRET,
                "--lease",
                LEASE.toMillis() + "ms",
                "--lease-renew-interval",
                "250ms",
                "--round-timeout",
                "3s");
    }

    @Test
    void whenTheOwnerIsKilledMidGameAnotherInstanceTakesItsGamesOverAndNoAcknowledgedMoveIsLost(
            PostgresService pg, RedisService redis) throws Exception {
        Path dir = Files.createTempDirectory("hal9-scale-out-");
        Path journals = Files.createDirectories(dir.resolve("journal"));
        try (ServerProcess a = ServerProcess.start(dir.resolve("a.log"), args(pg, redis, "a", journals));
                GameServer b = GameServer.start("b", SharedServices.parse(args(pg, redis, "b", journals)));
                ApiClient apiA = a.api();
                ApiClient apiB = new ApiClient(b.baseUrl())) {
            // 6 games created on A; in each, one player joins and plays through A, the other through B
            // (B forwards both the join and the moves to A, the owner)
            Players players = new Players();
            List<Long> games = new ArrayList<>();
            List<String> onB = new ArrayList<>();
            for (int g = 0; g < 6; g++) {
                long id = apiA.createGame(2, ROUNDS);
                games.add(id);
                players.add(id, apiA.join(id, "on-a" + g), List.of(apiA, apiB));
                onB.add(apiB.join(id, "on-b" + g));
                players.add(id, onB.get(g), List.of(apiB, apiA));
            }
            assertThat(hostsOf(pg, games)).containsOnly("a");
            // a WebSocket session on B of the first game's player there (who moves over HTTP): it hears who
            // hosts the game after the takeover
            WsClient watcher = WsClient.connect(b.wsUrl() + "?token=" + onB.get(0));
            watcher.next("welcome");
            players.start();
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(5))
                    .until(() -> players.acked.size() >= 60);

            a.kill(); // mid-game: about 5 of 150 rounds played in each game
            long killed = System.nanoTime();
            await().atMost(LEASE.plusSeconds(5))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> !liveHostsOf(pg, games).contains("a"));
            long takeoverMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
            assertThat(b.gameService().takenOver()).isPositive();
            JsonNode host = watcher.next("host");
            assertThat(host.get("instance").asText()).isEqualTo("b");
            assertThat(host.get("gameId").asLong()).isEqualTo(games.get(0));

            // every game finishes, played on by the players of A (who reconnect to B) and of B
            players.awaitDone(Duration.ofSeconds(90));
            await().atMost(Duration.ofSeconds(10)) // the final rows are written just after the last result
                    .until(() -> statusesOf(pg, games).stream().allMatch("finished"::equals));
            await().atMost(Duration.ofSeconds(10)).until(() -> b.pendingActions() == 0);
            assertThat(players.unexpected()).isEmpty();
            assertThat(players.switched.sum()).isPositive(); // A's players did reconnect elsewhere

            // every acknowledged move is stored, A's included (B replayed A's journal before the takeover)
            try (Connection c = pg.open()) {
                List<MovePlayers.Ack> stored = MovePlayers.storedActions(c);
                assertThat(new HashSet<>(stored)).hasSize(stored.size()); // no duplicate
                assertThat(new HashSet<>(stored)).containsAll(players.acked);
            }
            System.out.printf(
                    "scale-out: %d acknowledged moves, takeover %d ms after SIGKILL (lease %d ms)%n",
                    players.acked.size(), takeoverMs, LEASE.toMillis());
        }
    }

    @Test
    void anOwnerPausedBeyondItsLeaseIsFencedAndGivesTheGameUp(PostgresService pg, RedisService redis) throws Exception {
        Path dir = Files.createTempDirectory("hal9-scale-out-");
        Path journals = Files.createDirectories(dir.resolve("journal"));
        try (ServerProcess a = ServerProcess.start(dir.resolve("a.log"), args(pg, redis, "a", journals));
                GameServer b = GameServer.start("b", SharedServices.parse(args(pg, redis, "b", journals)));
                ApiClient apiA = a.api();
                ApiClient apiB = new ApiClient(b.baseUrl())) {
            long id = apiA.createGame(2, 50);
            String ann = apiA.join(id, "ann");
            String bob = apiA.join(id, "bob");
            for (int round = 1; round <= 3; round++) {
                playRound(apiA, id, ann, bob, round);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> actionCount(pg, id) == 6);
            // ann also has a WebSocket session on A, which A must close when it gives the game up
            WsClient annWs = WsClient.connect(a.baseUrl().replace("http://", "ws://") + "/ws?token=" + ann);
            annWs.next("welcome");

            a.pause(); // SIGSTOP: no renewal, no ownership check, nothing written
            await().atMost(LEASE.plusSeconds(5))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> b.gameService().hosts(id)); // claimed and rebuilt
            assertThat(hostsOf(pg, List.of(id))).containsExactly("b");
            assertThat(epochOf(pg, id)).isEqualTo(1);
            for (int round = 4; round <= 5; round++) {
                playRound(apiB, id, ann, bob, round); // B owns it now and plays on
            }

            a.resume(); // A runs on, believing for a moment that it owns the game
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> a.log()
                            .contains("game " + id + " is owned by another"
                                    + " instance now (epoch 0 is stale): dropped here"));
            assertThat(annWs.awaitClose()).isEqualTo(WsGateway.MOVED); // reconnect, anywhere
            // whatever A wrote after it woke up changed nothing: the game is B's, at B's round
            assertThat(hostsOf(pg, List.of(id))).containsExactly("b");
            assertThat(epochOf(pg, id)).isEqualTo(1);
            // a move sent to A now is forwarded to B, the owner, and counts there
            playRound(apiA, id, ann, bob, 6);
            assertThat(apiB.get("/api/games/" + id).body().get("round").asInt()).isEqualTo(7);
            await().atMost(Duration.ofSeconds(10)).until(() -> actionCount(pg, id) == 12);
        }
    }

    /**
     * Two survivors may find a dead owner's games in the same tick: the one replaying the owner's journal
     * holds the takeover lock beside it, and the other must not rebuild any of those games until the replay is
     * over (else the game is rebuilt without the moves the owner acknowledged, and the round they completed is
     * played again: a second, different result). Here the test is the replaying peer: while it holds the lock
     * (and the journal), B takes nothing; once it lets go, B replays the journal itself and the game resumes at
     * the round after the acknowledged ones.
     */
    @Test
    void aTakeoverWaitsWhileAnotherInstanceReplaysTheDeadOwnersJournal(PostgresService pg, RedisService redis)
            throws Exception {
        Path dir = Files.createTempDirectory("hal9-scale-out-");
        Path journals = Files.createDirectories(dir.resolve("journal"));
        try (FaultProxy db = FaultProxy.startForJdbcUrl(pg.jdbcUrl());
                ServerProcess a = ServerProcess.start(
                        dir.resolve("a.log"), args(db.jdbcUrlThrough(pg.jdbcUrl()), redis, "a", journals));
                GameServer b = GameServer.start("b", SharedServices.parse(args(pg, redis, "b", journals)));
                ApiClient apiA = a.api();
                ApiClient apiB = new ApiClient(b.baseUrl())) {
            long id = apiA.createGame(2, 50);
            String ann = apiA.join(id, "ann");
            String bob = apiA.join(id, "bob");
            playRound(apiA, id, ann, bob, 1);
            playRound(apiA, id, ann, bob, 2);
            await().atMost(Duration.ofSeconds(10)).until(() -> actionCount(pg, id) == 4);

            db.stall(); // A's writes wait from here: round 3's moves are acknowledged from its journal only
            playRound(apiA, id, ann, bob, 3);
            a.kill();

            Path lockFile = journals.resolve("a" + Ownership.TAKEOVER_LOCK_SUFFIX);
            // the test plays the peer replaying A's journal: it holds the takeover lock and the journal
            java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(
                    lockFile, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
            java.nio.channels.FileLock lock = channel.lock();
            io.hal9.core.ActionJournal<GameStore.ActionRow> held = io.hal9.core.ActionJournal.builder(
                            "peer-replay-a", journals.resolve("a"), GameStore.ACTION_CODEC)
                    .build();
            try {
                // A's lease lapses, and B ticks several times meanwhile: it must leave the game alone
                await().atMost(LEASE.plusSeconds(5))
                        .pollInterval(Duration.ofMillis(50))
                        .until(() -> leaseLapsed(pg, "a"));
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(1); // 4 of B's ticks
                while (System.nanoTime() - until < 0) {
                    assertThat(b.gameService().hosts(id))
                            .as("B took the game over while the dead owner's journal was being replayed")
                            .isFalse();
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // watching B over its ticks
                }
            } finally {
                held.close();
                lock.release();
                channel.close();
            }
            // the peer let go without replaying: B replays A's journal, then rebuilds the game with round 3
            await().atMost(Duration.ofSeconds(10)).until(() -> b.gameService().hosts(id));
            assertThat(apiB.get("/api/games/" + id).body().get("round").asInt())
                    .as("the game resumes after the rounds A acknowledged")
                    .isEqualTo(4);
            assertThat(actionCount(pg, id)).isEqualTo(6);
        }
    }

    /**
     * A database outage lets every lease lapse at once without any instance dying. The instance whose
     * database comes back first must not take the games of one that comes back a moment later: it would
     * rebuild them without the moves their owner acknowledged during the outage and has not written yet, and
     * play those rounds again. It gives the others a whole lease from its own recovery.
     */
    @Test
    void afterADatabaseOutageTheFirstInstanceBackLeavesTheGamesOfTheOthersAlone(PostgresService pg, RedisService redis)
            throws Exception {
        Path journals = Files.createTempDirectory("hal9-scale-out-");
        try (FaultProxy dbA = FaultProxy.startForJdbcUrl(pg.jdbcUrl());
                FaultProxy dbB = FaultProxy.startForJdbcUrl(pg.jdbcUrl());
                GameServer a = GameServer.start(
                        "a", SharedServices.parse(args(dbA.jdbcUrlThrough(pg.jdbcUrl()), redis, "a", journals)));
                GameServer b = GameServer.start(
                        "b", SharedServices.parse(args(dbB.jdbcUrlThrough(pg.jdbcUrl()), redis, "b", journals)));
                ApiClient apiA = new ApiClient(a.baseUrl())) {
            long id = apiA.createGame(2, 50);
            String ann = apiA.join(id, "ann");
            String bob = apiA.join(id, "bob");
            playRound(apiA, id, ann, bob, 1);

            dbA.refuse(); // the database goes away for both
            dbB.refuse();
            await().atMost(LEASE.plusSeconds(5))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> leaseLapsed(pg, "a") && leaseLapsed(pg, "b"));
            dbB.pass(); // B is back first ...
            await().atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> !leaseLapsed(pg, "b"));
            dbA.pass(); // ... A a moment later: its pool reconnects on its own schedule (a second or two)
            await().atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> !leaseLapsed(pg, "a"));
            assertNotTakenOver(b, id, LEASE); // B's next ticks see A's lease current
            assertThat(hostsOf(pg, List.of(id))).containsExactly("a");
            assertThat(epochOf(pg, id)).isZero();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> apiA.get("/health/ready").status() == 200);
            // A plays on (round 2 timed out meanwhile: the round after it is open)
            for (String token : List.of(ann, bob)) {
                ApiClient.Reply r = apiA.post("/api/games/" + id + "/moves", "{\"move\":\"rock\"}", token);
                assertThat(r.status()).as("%s", r.body()).isEqualTo(202);
            }
        }
    }

    /** Watches {@code b} over several of its ticks: it must not host game {@code id}. */
    private static void assertNotTakenOver(GameServer b, long id, Duration during) {
        long until = System.nanoTime() + during.toNanos();
        while (System.nanoTime() - until < 0) {
            assertThat(b.gameService().hosts(id))
                    .as("B took over the game of an instance that was coming back from the same outage")
                    .isFalse();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // watching B over its ticks
        }
    }

    private static boolean leaseLapsed(PostgresService pg, String instance) throws SQLException {
        try (Connection c = pg.open();
                PreparedStatement ps = c.prepareStatement("SELECT lease_until < now() FROM instances WHERE name = ?")) {
            ps.setString(1, instance);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    @Test
    void anyInstanceServesAnyGameOverHttpAndWebSocket(PostgresService pg, RedisService redis) throws Exception {
        Path journals = Files.createTempDirectory("hal9-scale-out-");
        try (GameServer a = GameServer.start("a", SharedServices.parse(args(pg, redis, "a", journals)));
                GameServer b = GameServer.start("b", SharedServices.parse(args(pg, redis, "b", journals)));
                ApiClient apiA = new ApiClient(a.baseUrl());
                ApiClient apiB = new ApiClient(b.baseUrl())) {
            long id = apiA.createGame(2, 2);
            // joins and moves sent to B, which does not own the game, are answered by A through B
            String ann = apiB.join(id, "ann");
            String bob = apiB.join(id, "bob");
            playRound(apiB, id, ann, bob, 1);

            // WebSocket moves on B go to A's own channel only
            WsClient annWs = WsClient.connect(b.wsUrl() + "?token=" + ann);
            WsClient bobWs = WsClient.connect(b.wsUrl() + "?token=" + bob);
            annWs.next("welcome");
            bobWs.next("welcome");
            annWs.send("{\"type\":\"move\",\"round\":2,\"move\":\"spock\"}");
            bobWs.send("{\"type\":\"move\",\"round\":2,\"move\":\"rock\"}");
            JsonNode result = annWs.next("result");
            assertThat(result.get("round").asInt()).isEqualTo(2);
            assertThat(result.get("status").asText()).isEqualTo("finished");

            // a leave sent to B
            long other = apiA.createGame(3, 2);
            String cid = apiB.join(other, "cid");
            ApiClient.Reply left = apiB.post("/api/games/" + other + "/leave", "{}", cid);
            assertThat(left.status()).isEqualTo(200);
            assertThat(left.body().get("left").asBoolean()).isTrue();
            assertThat(apiA.get("/api/games/" + other).body().get("playerCount").asInt())
                    .isZero();

            assertThat(hostsOf(pg, List.of(id, other))).containsOnly("a"); // nothing moved: forwarded only
            String metricsA = new ApiClient(a.adminUrl()).text("/metrics");
            String metricsB = new ApiClient(b.adminUrl()).text("/metrics");
            assertThat(Scrapes.sample(metricsB, "hal9_http_forwarded_total{instance=\"b\",result=\"answered\"}"))
                    .isEqualTo(6.0); // 3 joins, 2 moves and 1 leave
            assertThat(Scrapes.sample(metricsB, "hal9_move_forwarder_forwarded_total{name=\"b-moves\"}"))
                    .isEqualTo(2.0);
            assertThat(Scrapes.sample(metricsA, "hal9_move_forwarder_received_total{name=\"a-moves\"}"))
                    .isEqualTo(2.0);
            assertThat(Scrapes.sample(metricsB, "hal9_move_forwarder_lost_total{name=\"b-moves\"}"))
                    .isZero();
            await().atMost(Duration.ofSeconds(10)).until(() -> actionCount(pg, id) == 4);
        }
    }

    /** Both players move in {@code round} through {@code api}; both moves must be acknowledged. */
    private static void playRound(ApiClient api, long id, String ann, String bob, int round) {
        for (String token : List.of(ann, bob)) {
            ApiClient.Reply r = api.post("/api/games/" + id + "/moves", "{\"move\":\"rock\"}", token);
            assertThat(r.status()).as("round %d: %s", round, r.body()).isEqualTo(202);
            assertThat(r.body().get("round").asInt()).isEqualTo(round);
        }
    }

    private static List<String> hostsOf(PostgresService pg, List<Long> games) throws SQLException {
        return column(pg, "SELECT host FROM games WHERE id = ANY(?) ORDER BY id", games);
    }

    private static List<String> liveHostsOf(PostgresService pg, List<Long> games) throws SQLException {
        return column(
                pg, "SELECT host FROM games WHERE id = ANY(?) AND status IN ('waiting', 'running') ORDER BY id", games);
    }

    private static List<String> statusesOf(PostgresService pg, List<Long> games) throws SQLException {
        return column(pg, "SELECT status FROM games WHERE id = ANY(?) ORDER BY id", games);
    }

    private static long epochOf(PostgresService pg, long id) throws SQLException {
        return Long.parseLong(column(pg, "SELECT epoch::text FROM games WHERE id = ANY(?)", List.of(id))
                .get(0));
    }

    private static long actionCount(PostgresService pg, long id) throws SQLException {
        return Long.parseLong(column(pg, "SELECT count(*)::text FROM actions WHERE game_id = ANY(?)", List.of(id))
                .get(0));
    }

    private static List<String> column(PostgresService pg, String sql, List<Long> ids) throws SQLException {
        try (Connection c = pg.open();
                PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setArray(1, c.createArrayOf("bigint", ids.toArray()));
            List<String> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        }
    }

    /**
     * Players that move over HTTP as fast as they are answered until their game is finished, each through
     * its first instance, and through the next one when that one cannot be reached (what a client behind a
     * load balancer sees when an instance dies: its next request lands elsewhere).
     */
    private static final class Players {
        private static final String[] MOVES = {"rock", "paper", "scissors", "lizard", "spock"};
        private static final Set<String> RETRIED = Set.of(
                "503 game_moving",
                "503 owner_unavailable",
                "503 lease_lapsed",
                "409 game_on_other_instance",
                "409 game_moved",
                "503 overloaded");

        private record Seat(long game, long player, String token, List<ApiClient> apis) {}

        final Set<MovePlayers.Ack> acked = ConcurrentHashMap.newKeySet();
        final Map<String, LongAdder> refusals = new ConcurrentHashMap<>();
        final LongAdder switched = new LongAdder();
        private final List<Seat> seats = new ArrayList<>();
        private final List<CompletableFuture<Void>> running = new ArrayList<>();
        private final AtomicBoolean stop = new AtomicBoolean();

        void add(long game, String token, List<ApiClient> apis) {
            seats.add(new Seat(game, Long.parseLong(token.split("\\.")[1]), token, apis));
        }

        void start() {
            for (Seat s : seats) {
                running.add(CompletableFuture.runAsync(
                        () -> play(s), c -> Thread.ofVirtual().start(c)));
            }
        }

        private void play(Seat s) {
            int at = 0;
            int i = (int) s.player();
            while (!stop.get()) {
                ApiClient.Reply r;
                try {
                    r = s.apis()
                            .get(at)
                            .post(
                                    "/api/games/" + s.game() + "/moves",
                                    "{\"move\":\"" + MOVES[i % 5] + "\"}",
                                    s.token());
                } catch (RuntimeException e) {
                    at = (at + 1) % s.apis().size(); // that instance is gone: the next one
                    switched.increment();
                    continue;
                }
                String key = r.status() + " " + r.error();
                if (r.status() == 202) {
                    acked.add(new MovePlayers.Ack(
                            s.game(), s.player(), r.body().get("round").asInt()));
                    i++;
                } else if (key.equals("409 already_moved")) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1)); // pacing: the other player's turn
                } else if (key.equals("409 game_finished")) {
                    return;
                } else {
                    refusals.computeIfAbsent(key, k -> new LongAdder()).increment();
                    if (!RETRIED.contains(key)) {
                        return;
                    }
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // pacing the retries
                }
            }
        }

        /** Refusals a player did not expect (it stopped at them). */
        Map<String, Long> unexpected() {
            Map<String, Long> out = new java.util.TreeMap<>();
            refusals.forEach((k, v) -> {
                if (!RETRIED.contains(k)) {
                    out.put(k, v.sum());
                }
            });
            return out;
        }

        void awaitDone(Duration timeout) {
            try {
                CompletableFuture.allOf(running.toArray(CompletableFuture[]::new))
                        .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                        .join();
            } finally {
                stop.set(true);
            }
        }
    }
}

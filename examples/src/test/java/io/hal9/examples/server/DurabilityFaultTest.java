package io.hal9.examples.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hal9.testkit.FaultProxy;
import io.hal9.testkit.PostgresService;
import io.hal9.testkit.RequiresPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The faults of issue 15, on the reference server as a process of its own with its action journal on:
 * each test counts the moves the server acknowledged (202) against the rows in {@code actions} and
 * asserts that none is lost and none is written twice. Outages are made with a {@link FaultProxy}
 * between the server and PostgreSQL, never by touching the shared database.
 *
 * <p>The outage lasts {@code hal9.fault.outage} (default 15 s, a duration such as {@code PT3M});
 * {@code ./mvnw -pl examples verify -Pfaults-long} runs the 3-minute form.
 */
@RequiresPostgres
@Timeout(600)
class DurabilityFaultTest {
    private static final Duration OUTAGE = Duration.parse(System.getProperty("hal9.fault.outage", "PT15S"));
    private static final int GAMES = 6;

    private static List<String> args(String dbUrl, Path dir, String... more) {
        List<String> a =
                SharedServices.postgresArgs(dbUrl, 4, dir.resolve("journal").toString(), "--round-timeout", "60s");
        a.addAll(List.of(more));
        return a;
    }

    /** Every acknowledged move is stored exactly once, and nothing else but moves in flight at the fault. */
    private static void assertExactlyTheAcknowledgedMoves(String fault, PostgresService pg, MovePlayers players)
            throws Exception {
        List<MovePlayers.Ack> rows;
        try (Connection c = pg.open()) {
            rows = MovePlayers.storedActions(c);
        }
        Set<MovePlayers.Ack> stored = new HashSet<>(rows);
        assertThat(rows).as("rows of actions, each move once").hasSameSizeAs(stored);
        Set<MovePlayers.Ack> lost = new HashSet<>(players.acked());
        lost.removeAll(stored);
        assertThat(lost).as("acknowledged moves missing from the database").isEmpty();
        // a move in flight when the fault struck may be stored without its 202 having arrived
        assertThat(stored.size()).isLessThanOrEqualTo(players.acked().size() + players.playerCount());
        // the figures the README quotes
        System.out.printf(
                "DurabilityFaultTest %s: acknowledged %d, stored %d (each once), lost %d, refusals %s%n",
                fault, players.acked().size(), stored.size(), lost.size(), players.refusals());
    }

    @Test
    void aSigkillUnderLoadLosesNoAcknowledgedMove(
            PostgresService pg, @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
        Path log = dir.resolve("server.log");
        MovePlayers players;
        try (ServerProcess server = ServerProcess.start(log, args(pg.jdbcUrl(), dir))) {
            players = MovePlayers.start(server.api(), GAMES, false);
            await().atMost(Duration.ofSeconds(60)).until(() -> players.acked().size() >= 500);
            server.kill();
            players.close();
        }
        assertThat(players.acked()).hasSizeGreaterThanOrEqualTo(500);
        try (ServerProcess restarted = ServerProcess.start(log, args(pg.jdbcUrl(), dir))) {
            // the restart replays the journal before it prints its URL
            assertExactlyTheAcknowledgedMoves("SIGKILL under load", pg, players);
            assertGamesPlayOn(restarted, players);
            assertThat(restarted.term(Duration.ofSeconds(60))).isTrue();
        }
    }

    /**
     * No game was left orphaned: the restarted server recovered every one, and its players go on with
     * the tokens they hold (no token secret is configured: the stored one is used).
     */
    private static void assertGamesPlayOn(ServerProcess restarted, MovePlayers before) {
        try (MovePlayers after = before.playOn(restarted.api())) {
            await().atMost(Duration.ofSeconds(60)).until(() -> after.acked().size() >= 100);
            assertThat(after.refusals()).as("refusals after the restart").isEmpty();
        }
    }

    @Test
    void aSigtermDuringADatabaseOutageLosesNoAcknowledgedMove(
            PostgresService pg, @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
        Path log = dir.resolve("server.log");
        MovePlayers players;
        try (FaultProxy proxy = FaultProxy.startForJdbcUrl(pg.jdbcUrl())) {
            List<String> args = args(proxy.jdbcUrlThrough(pg.jdbcUrl()), dir, "--shutdown-timeout", "2s");
            try (ServerProcess server = ServerProcess.start(log, args)) {
                players = MovePlayers.start(server.api(), GAMES, false);
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> players.acked().size() >= 200);
                proxy.refuse();
                int atOutage = players.acked().size();
                // the journal keeps acknowledging while the database is away
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> players.acked().size() >= atOutage + 200);
                assertThat(server.term(Duration.ofSeconds(60)))
                        .as("exited after SIGTERM")
                        .isTrue();
                players.close();
                assertThat(server.log()).contains("left in the journal");
            }
            proxy.pass();
            try (ServerProcess restarted = ServerProcess.start(log, args)) {
                assertExactlyTheAcknowledgedMoves("SIGTERM during an outage", pg, players);
                assertThat(restarted.log()).containsPattern("replayed \\d+ actions from the journal");
                assertGamesPlayOn(restarted, players);
                assertThat(restarted.term(Duration.ofSeconds(60))).isTrue();
            }
        }
    }

    enum Outage {
        /** Connections are reset and new ones refused: the database host is down. */
        REFUSED,
        /** Connections hang without an answer: a partition, a stalled host. */
        HANGING
    }

    @ParameterizedTest
    @EnumSource(Outage.class)
    void anOutageUnderLoadBecomesBackpressureAndEveryAcknowledgedMoveIsWrittenAfterIt(
            Outage kind, PostgresService pg, @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
        Path log = dir.resolve("server.log");
        // hanging connections fail after the driver's socketTimeout (5 s here, 30 s by default), so even
        // the short outage goes through the timeout, the broken connection and the retry on a new one
        try (FaultProxy proxy = FaultProxy.startForJdbcUrl(pg.jdbcUrl());
                ServerProcess server = ServerProcess.start(
                        log,
                        args(
                                proxy.jdbcUrlThrough(pg.jdbcUrl()) + "&socketTimeout=5",
                                dir,
                                "--max-pending-actions",
                                "2000"))) {
            MovePlayers players = MovePlayers.start(server.api(), GAMES, true);
            await().atMost(Duration.ofSeconds(60)).until(() -> players.acked().size() >= 200);
            if (kind == Outage.REFUSED) {
                proxy.refuse();
            } else {
                proxy.stall();
            }
            // the outage lasts OUTAGE; the server must stay up all through it
            await().during(OUTAGE).atMost(OUTAGE.plusSeconds(10)).until(server::isAlive);
            assertThat(players.refusals())
                    .as("a full queue answers 503 overloaded while the database is away")
                    .containsKey("503 overloaded");
            proxy.pass();
            int afterOutage = players.acked().size();
            await().atMost(Duration.ofSeconds(60)).until(() -> players.acked().size() >= afterOutage + 200);
            players.close();
            await().atMost(Duration.ofSeconds(60))
                    .untilAsserted(() -> assertExactlyTheAcknowledgedMoves(
                            "outage of " + OUTAGE.toSeconds() + " s, " + kind, pg, players));
            assertThat(server.log()).contains("the sink works again").doesNotContain("dead-lettered");
            assertThat(server.term(Duration.ofSeconds(60))).isTrue();
        }
    }

    /**
     * The "primary down, 2 instances" row: two instances on one Redis and one database (through
     * the proxy) each host their own games under load; the database goes away for the outage. Both stay
     * live and turn not ready at once, their health answering from the probe (the old /health waited
     * 30 s for a connection, and a load balancer marked every instance down); every move either
     * acknowledged is stored once it is back.
     */
    @Test
    @io.hal9.testkit.RequiresRedis
    void twoInstancesThroughAnOutageStayLiveAnswerHealthAtOnceAndLoseNoAcknowledgedMove(
            PostgresService pg, io.hal9.testkit.RedisService redis, @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir)
            throws Exception {
        try (FaultProxy proxy = FaultProxy.startForJdbcUrl(pg.jdbcUrl())) {
            List<ServerProcess> servers = new ArrayList<>();
            List<MovePlayers> players = new ArrayList<>();
            try {
                for (String name : List.of("a", "b")) {
                    servers.add(ServerProcess.start(
                            dir.resolve("server-" + name + ".log"),
                            args(
                                    proxy.jdbcUrlThrough(pg.jdbcUrl()),
                                    dir.resolve(name),
                                    "--instance-name",
                                    name,
                                    "--redis-uri",
                                    redis.uri(),
                                    "--redis-prefix",
                                    redis.keyPrefix(),
                                    "--token-secret",
                                    "shared-secret-of-both-instances",
                                    "--max-pending-actions",
                                    "2000")));
                }
                for (ServerProcess server : servers) {
                    players.add(MovePlayers.start(server.api(), GAMES / 2, true));
                }
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> players.stream().allMatch(p -> p.acked().size() >= 100));
                proxy.refuse();
                for (ServerProcess server : servers) {
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> server.api().get("/health/ready").status() == 503);
                    long start = System.nanoTime();
                    assertThat(server.api().get("/health/live").status()).isEqualTo(200);
                    assertThat(server.api().get("/health/ready").status()).isEqualTo(503);
                    assertThat(Duration.ofNanos(System.nanoTime() - start))
                            .as("two health answers during the outage")
                            .isLessThan(Duration.ofSeconds(1));
                }
                await().during(OUTAGE)
                        .atMost(OUTAGE.plusSeconds(10))
                        .until(() -> servers.stream().allMatch(ServerProcess::isAlive));
                proxy.pass();
                for (ServerProcess server : servers) {
                    await().atMost(Duration.ofSeconds(30))
                            .until(() -> server.api().get("/health/ready").status() == 200);
                }
                List<Integer> before =
                        players.stream().map(p -> p.acked().size()).toList();
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> players.get(0).acked().size() >= before.get(0) + 100
                                && players.get(1).acked().size() >= before.get(1) + 100);
            } finally {
                players.forEach(MovePlayers::close);
            }
            MovePlayers all = MovePlayers.union(players);
            await().atMost(Duration.ofSeconds(60))
                    .untilAsserted(() -> assertExactlyTheAcknowledgedMoves(
                            "two instances, outage of " + OUTAGE.toSeconds() + " s", pg, all));
            for (ServerProcess server : servers) {
                assertThat(server.term(Duration.ofSeconds(60))).isTrue();
                server.close();
            }
        }
    }
}

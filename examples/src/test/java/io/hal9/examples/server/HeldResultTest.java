package io.hal9.examples.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hal9.examples.game.Game;
import io.hal9.examples.game.GameStatus;
import io.hal9.testkit.PostgresService;
import io.hal9.testkit.RequiresPostgres;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An owner acknowledges a round (sends its result) only while its lease is known current: a result whose
 * move became durable after the lease stopped being known current waits for the next ownership check, which
 * sends it if the game is still this instance's and drops it if another instance claimed the game meanwhile
 * (that one rebuilt the round without the move, so the held result would contradict its own).
 */
@RequiresPostgres
@Timeout(60)
class HeldResultTest {
    @Test
    void aResultResolvedAfterTheLeaseLapsedWaitsForTheOwnershipCheck(PostgresService pg) {
        List<Game.RoundResult> sent = new CopyOnWriteArrayList<>();
        GameEvents recorder = new GameEvents() {
            @Override
            public void gameStarted(long gameId, List<Game.PlayerView> players) {}

            @Override
            public void roundResolved(Game.RoundResult result) {
                sent.add(result);
            }

            @Override
            public void gameEnded(long gameId, GameStatus status, String detail) {}
        };
        // a long lease and renewal interval: no ownership tick of the server's own during the test
        ServerConfig config = SharedServices.parse(SharedServices.postgresArgs(
                pg.jdbcUrl(),
                3,
                SharedServices.journalDir(),
                "--lease",
                "60s",
                "--lease-renew-interval",
                "30s",
                "--round-timeout",
                "30s"));
        try (GameServer server = GameServer.start("held-results", config, recorder);
                ApiClient api = new ApiClient(server.baseUrl())) {
            GameService games = server.gameService();
            AtomicInteger validChecks = new AtomicInteger();
            // the lease is current for the two moves' checks, and not any more when the round's result is due
            games.leaseValidityForTest(() -> validChecks.getAndDecrement() > 0);

            long kept = playOneRound(api, validChecks);
            await().atMost(Duration.ofSeconds(10)).until(() -> games.heldResults() == 1);
            assertThat(sent).isEmpty();
            games.dropLost(Set.of(kept), Map.of(kept, 0L)); // still this instance's, at its epoch
            assertThat(sent).extracting(Game.RoundResult::gameId).containsExactly(kept);
            assertThat(games.heldResults()).isZero();

            long claimed = playOneRound(api, validChecks);
            await().atMost(Duration.ofSeconds(10)).until(() -> games.heldResults() == 1);
            games.dropLost(Set.of(claimed), Map.of()); // another instance claimed it meanwhile
            assertThat(sent).extracting(Game.RoundResult::gameId).containsExactly(kept);
            assertThat(games.withheldResults()).isEqualTo(1);
            assertThat(games.hosts(claimed)).isFalse();
        }
    }

    /** A game of two players and their moves of round 1, both accepted (202). */
    private static long playOneRound(ApiClient api, AtomicInteger validChecks) {
        long id = api.createGame(2, 3);
        String ann = api.join(id, "ann");
        String bob = api.join(id, "bob");
        validChecks.set(2);
        assertThat(api.post("/api/games/" + id + "/moves", "{\"move\":\"rock\"}", ann)
                        .status())
                .isEqualTo(202);
        assertThat(api.post("/api/games/" + id + "/moves", "{\"move\":\"paper\"}", bob)
                        .status())
                .isEqualTo(202);
        return id;
    }
}

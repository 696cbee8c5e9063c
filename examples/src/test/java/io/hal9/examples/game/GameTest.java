package io.hal9.examples.game;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hal9.core.Ticker;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class GameTest {
    private final AtomicLong now = new AtomicLong(1_000);
    private final Ticker ticker = now::get;

    private Game game(int players, int rounds) {
        return new Game(ticker).init(7, Instant.EPOCH, new Game.Settings(players, rounds, Duration.ofSeconds(10)));
    }

    @Test
    void everyMoveBeatsExactlyTwoOthersAndLosesToTwo() {
        for (Move a : Move.values()) {
            int wins = 0;
            int losses = 0;
            for (Move b : Move.values()) {
                if (a.beats(b)) {
                    wins++;
                }
                if (b.beats(a)) {
                    losses++;
                }
                assertThat(a.beats(b) && b.beats(a)).isFalse();
            }
            assertThat(wins).as(a + " wins").isEqualTo(2);
            assertThat(losses).as(a + " losses").isEqualTo(2);
        }
        assertThat(Move.SPOCK.beats(Move.ROCK)).isTrue();
        assertThat(Move.LIZARD.beats(Move.SPOCK)).isTrue();
        assertThat(Move.parse("Spock")).isEqualTo(Move.SPOCK);
        assertThat(Move.parse("dynamite")).isNull();
    }

    @Test
    void gameStartsWhenTheLastSeatIsTakenAndRefusesFurtherJoins() {
        Game g = game(3, 2);
        assertThat(g.join(1, "a").outcome()).isEqualTo(Game.Outcome.ACCEPTED);
        assertThat(g.join(1, "a").outcome()).isEqualTo(Game.Outcome.ALREADY_JOINED);
        assertThat(g.join(2, "b").outcome()).isEqualTo(Game.Outcome.ACCEPTED);
        assertThat(g.status()).isEqualTo(GameStatus.WAITING);
        assertThat(g.move(1, Move.ROCK).outcome()).isEqualTo(Game.Outcome.NOT_RUNNING);
        assertThat(g.join(3, "c").outcome()).isEqualTo(Game.Outcome.ACCEPTED);
        assertThat(g.status()).isEqualTo(GameStatus.RUNNING);
        assertThat(g.round()).isEqualTo(1);
        assertThat(g.join(4, "d").outcome()).isEqualTo(Game.Outcome.FULL);
    }

    @Test
    void theLastMoveResolvesTheRoundAndScoresEveryPairing() {
        Game g = game(3, 2);
        g.join(1, "a");
        g.join(2, "b");
        g.join(3, "c");
        assertThat(g.move(1, Move.ROCK).outcome()).isEqualTo(Game.Outcome.ACCEPTED);
        assertThat(g.move(1, Move.PAPER).outcome()).isEqualTo(Game.Outcome.ALREADY_MOVED);
        assertThat(g.move(2, Move.SCISSORS).outcome()).isEqualTo(Game.Outcome.ACCEPTED);
        Game.Result r = g.move(3, Move.LIZARD);
        assertThat(r.outcome()).isEqualTo(Game.Outcome.RESOLVED);
        Game.RoundResult res = r.resolved();
        assertThat(res).isNotNull();
        // rock beats scissors and lizard; scissors beats lizard; lizard beats neither
        assertThat(res.players()).extracting(Game.PlayerResult::points).containsExactly(2, 1, 0);
        assertThat(res.timedOut()).isFalse();
        assertThat(res.status()).isEqualTo(GameStatus.RUNNING);
        assertThat(res.nextRound()).isEqualTo(2);
        assertThat(g.round()).isEqualTo(2);
        assertThat(g.canMove(1)).isEqualTo(Game.Outcome.ACCEPTED);
    }

    @Test
    void aRoundTimesOutOnTheTickerAndTheSilentPlayerForfeits() {
        Game g = game(2, 3);
        g.join(1, "a");
        g.join(2, "b");
        g.move(1, Move.ROCK);
        now.addAndGet(Duration.ofSeconds(10).toNanos() - 1);
        assertThat(g.resolveIfExpired()).isNull();
        now.addAndGet(1);
        Game.RoundResult res = g.resolveIfExpired();
        assertThat(res).isNotNull();
        assertThat(res.timedOut()).isTrue();
        assertThat(res.players().get(0).points()).isEqualTo(1);
        assertThat(res.players().get(1).move()).isNull();
        assertThat(res.players().get(1).points()).isZero();
        assertThat(g.round()).isEqualTo(2);
        assertThat(g.isRoundExpired()).isFalse();
    }

    @Test
    void theGameFinishesAfterTheLastRoundWithTiedWinners() {
        Game g = game(2, 1);
        g.join(1, "a");
        g.join(2, "b");
        g.move(1, Move.ROCK);
        Game.RoundResult res = g.move(2, Move.ROCK).resolved();
        assertThat(res).isNotNull();
        assertThat(res.status()).isEqualTo(GameStatus.FINISHED);
        assertThat(res.nextRound()).isZero();
        assertThat(res.winners()).containsExactly(1L, 2L);
        assertThat(g.move(1, Move.PAPER).outcome()).isEqualTo(Game.Outcome.NOT_RUNNING);
        assertThat(g.resolveIfExpired()).isNull();
    }

    @Test
    void leavingAWaitingGameFreesTheSeat() {
        Game g = game(2, 1);
        g.join(1, "a");
        assertThat(g.leave(1).outcome()).isEqualTo(Game.Outcome.ACCEPTED);
        assertThat(g.playerCount()).isZero();
        assertThat(g.leave(1).outcome()).isEqualTo(Game.Outcome.UNKNOWN_PLAYER);
        g.join(2, "b");
        g.join(3, "c");
        assertThat(g.status()).isEqualTo(GameStatus.RUNNING);
        assertThat(g.players()).extracting(Game.PlayerView::id).containsExactly(2L, 3L);
    }

    @Test
    void leavingARunningGameBelowTwoPlayersFinishesItForTheOtherPlayer() {
        Game g = game(2, 5);
        g.join(1, "a");
        g.join(2, "b");
        Game.Result r = g.leave(2);
        assertThat(r.outcome()).isEqualTo(Game.Outcome.RESOLVED);
        assertThat(r.resolved()).isNotNull();
        assertThat(r.resolved().status()).isEqualTo(GameStatus.FINISHED);
        assertThat(r.resolved().winners()).containsExactly(1L);
        assertThat(g.status()).isEqualTo(GameStatus.FINISHED);
        assertThat(g.join(3, "c").outcome()).isEqualTo(Game.Outcome.FULL);
    }

    @Test
    void aLeaveByTheLastSilentPlayerResolvesTheRound() {
        Game g = game(3, 5);
        g.join(1, "a");
        g.join(2, "b");
        g.join(3, "c");
        g.move(1, Move.ROCK);
        g.move(2, Move.PAPER);
        Game.Result r = g.leave(3);
        assertThat(r.outcome()).isEqualTo(Game.Outcome.RESOLVED);
        assertThat(g.status()).isEqualTo(GameStatus.RUNNING);
        assertThat(g.round()).isEqualTo(2);
        assertThat(g.canMove(3)).isEqualTo(Game.Outcome.UNKNOWN_PLAYER);
    }

    @Test
    void aResetGameCanBeReusedForAnotherGame() {
        Game g = game(2, 1);
        g.join(1, "a");
        g.join(2, "b");
        g.reset();
        g.init(8, Instant.EPOCH, new Game.Settings(2, 1, Duration.ofSeconds(1)));
        assertThat(g.id()).isEqualTo(8);
        assertThat(g.playerCount()).isZero();
        assertThat(g.status()).isEqualTo(GameStatus.WAITING);
    }

    @Test
    void settingsOutOfRangeAreRefusedNamingTheOption() {
        assertThatThrownBy(() -> new Game.Settings(9, 1, Duration.ofSeconds(1)))
                .hasMessageContaining("maxPlayers must be")
                .hasMessageContaining("was 9");
        assertThatThrownBy(() -> new Game.Settings(2, 0, Duration.ofSeconds(1))).hasMessageContaining("rounds");
        assertThatThrownBy(() -> new Game.Settings(2, 1, Duration.ofMillis(1))).hasMessageContaining("roundTimeout");
    }
}

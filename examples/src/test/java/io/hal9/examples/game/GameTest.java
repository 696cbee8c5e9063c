package io.hal9.examples.game;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hal9.core.Ticker;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
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

    // ---- restore ----

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private Game restored(int players, int rounds, Game.Persisted p) {
        return new Game(ticker).restore(7, Instant.EPOCH, new Game.Settings(players, rounds, TIMEOUT), p);
    }

    private static Game.PastMove mv(long player, int round, Move m) {
        return new Game.PastMove(player, round, m);
    }

    private static List<Game.Seat> seats(long... ids) {
        List<Game.Seat> out = new ArrayList<>();
        for (long id : ids) {
            out.add(new Game.Seat(id, "p" + id, 0));
        }
        return out;
    }

    @Test
    void restoreReplaysTimedOutRoundsIncludingOnesWithoutAnyMove() {
        // live: round 1 ann and bob move, cid times out; round 2 everybody; round 3 nobody, timed out
        Game live = game(3, 5);
        live.join(1, "p1");
        live.join(2, "p2");
        live.join(3, "p3");
        live.move(1, Move.ROCK);
        live.move(2, Move.SCISSORS);
        now.addAndGet(TIMEOUT.toNanos());
        assertThat(live.resolveIfExpired()).isNotNull();
        live.move(1, Move.PAPER);
        live.move(2, Move.PAPER);
        live.move(3, Move.SPOCK);
        now.addAndGet(TIMEOUT.toNanos());
        assertThat(live.resolveIfExpired()).isNotNull();
        live.move(2, Move.LIZARD); // round 4 open with one move
        assertThat(live.round()).isEqualTo(4);

        now.addAndGet(123_456_789); // the restart happens later
        Game back = restored(
                3,
                5,
                new Game.Persisted(
                        GameStatus.RUNNING,
                        4,
                        seats(1, 2, 3),
                        List.of(
                                mv(1, 1, Move.ROCK),
                                mv(2, 1, Move.SCISSORS),
                                mv(1, 2, Move.PAPER),
                                mv(2, 2, Move.PAPER),
                                mv(3, 2, Move.SPOCK),
                                mv(2, 4, Move.LIZARD))));
        assertThat(back.players()).isEqualTo(live.players());
        assertThat(back.players()).extracting(Game.PlayerView::score).containsExactly(3, 2, 0);
        assertThat(back.status()).isEqualTo(GameStatus.RUNNING);
        assertThat(back.round()).isEqualTo(4);
        assertThat(back.canMove(2)).isEqualTo(Game.Outcome.ALREADY_MOVED);
        assertThat(back.canMove(1)).isEqualTo(Game.Outcome.ACCEPTED);
        // the open round gets a fresh full timeout from the restart
        assertThat(back.roundDeadlineNanos()).isEqualTo(now.get() + TIMEOUT.toNanos());
    }

    @Test
    void restoreWithARecordedRoundThatLagsTheMovesFollowsTheMoves() {
        // the row still says round 1, but round 1 and 2 were resolved by every player's move
        Game back = restored(
                2,
                5,
                new Game.Persisted(
                        GameStatus.RUNNING,
                        1,
                        seats(1, 2),
                        List.of(
                                mv(1, 1, Move.ROCK),
                                mv(2, 1, Move.SCISSORS),
                                mv(1, 2, Move.ROCK),
                                mv(2, 2, Move.PAPER))));
        assertThat(back.round()).isEqualTo(3);
        assertThat(back.players()).extracting(Game.PlayerView::score).containsExactly(1, 1);
        // a row that says waiting although every seat was taken (the join's update was lost) starts
        Game started = restored(2, 5, new Game.Persisted(GameStatus.WAITING, 0, seats(1, 2), List.of()));
        assertThat(started.status()).isEqualTo(GameStatus.RUNNING);
        assertThat(started.round()).isEqualTo(1);
    }

    @Test
    void restoreOfAGameWhoseLastRoundWasPlayedComesBackFinishedWithItsWinners() {
        Game back = restored(
                2,
                2,
                new Game.Persisted(
                        GameStatus.RUNNING,
                        2,
                        seats(1, 2),
                        List.of(
                                mv(1, 1, Move.ROCK),
                                mv(2, 1, Move.SCISSORS),
                                mv(1, 2, Move.ROCK),
                                mv(2, 2, Move.ROCK),
                                mv(2, 2, Move.ROCK)))); // an identical duplicate counts once
        assertThat(back.status()).isEqualTo(GameStatus.FINISHED);
        assertThat(back.round()).isEqualTo(2);
        assertThat(back.players()).extracting(Game.PlayerView::score).containsExactly(1, 0);
    }

    @Test
    void aMoveTakenBackByLeavingIsNotCountedAndTheLeaverNoLongerPlays() {
        Game live = game(3, 5);
        live.join(1, "p1");
        live.join(2, "p2");
        live.join(3, "p3");
        live.move(3, Move.SPOCK);
        Game.Result left = live.leave(3); // takes the move back
        live.move(1, Move.ROCK);
        live.move(2, Move.PAPER); // resolves round 1 between ann and bob
        assertThat(live.round()).isEqualTo(2);
        List<Game.Seat> seats =
                List.of(new Game.Seat(1, "p1", 0), new Game.Seat(2, "p2", 0), new Game.Seat(3, "p3", left.round()));
        Game back = restored(
                3,
                5,
                new Game.Persisted(
                        GameStatus.RUNNING,
                        1,
                        seats,
                        List.of(mv(3, 1, Move.SPOCK), mv(1, 1, Move.ROCK), mv(2, 1, Move.PAPER))));
        assertThat(back.players()).isEqualTo(live.players());
        assertThat(back.round()).isEqualTo(2);
        assertThat(back.canMove(3)).isEqualTo(Game.Outcome.UNKNOWN_PLAYER);
    }

    @Test
    void inconsistentRecordsAreRefusedNamingWhatIsWrong() {
        assertThatThrownBy(() -> restored(
                        2, 3, new Game.Persisted(GameStatus.RUNNING, 1, seats(1, 2), List.of(mv(9, 1, Move.ROCK)))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("game 7 cannot be restored: a move in round 1 by player 9, who is not seated");
        assertThatThrownBy(() -> restored(
                        2,
                        3,
                        new Game.Persisted(
                                GameStatus.RUNNING,
                                1,
                                seats(1, 2),
                                List.of(mv(1, 1, Move.ROCK), mv(1, 1, Move.PAPER)))))
                .hasMessageContaining("player 1 played both rock and paper in round 1");
        assertThatThrownBy(() -> restored(
                        2, 3, new Game.Persisted(GameStatus.RUNNING, 1, seats(1, 2), List.of(mv(1, 4, Move.ROCK)))))
                .hasMessageContaining("a move by player 1 in round 4 of 3");
        assertThatThrownBy(() -> restored(3, 3, new Game.Persisted(GameStatus.RUNNING, 1, seats(1, 2), List.of())))
                .hasMessageContaining("recorded running with 2 of 3 seats taken");
        assertThatThrownBy(() -> restored(
                        3, 3, new Game.Persisted(GameStatus.WAITING, 0, seats(1, 2), List.of(mv(1, 1, Move.ROCK)))))
                .hasMessageContaining("a waiting game with moves");
        assertThatThrownBy(() -> restored(2, 3, new Game.Persisted(GameStatus.RUNNING, 4, seats(1, 2), List.of())))
                .hasMessageContaining("recorded round 4 is outside [0, 3]");
        assertThatThrownBy(() -> restored(2, 3, new Game.Persisted(GameStatus.WAITING, 0, seats(1, 2, 3), List.of())))
                .hasMessageContaining("3 seats for 2 players");
        assertThatThrownBy(() -> restored(2, 3, new Game.Persisted(GameStatus.WAITING, 0, seats(1, 1), List.of())))
                .hasMessageContaining("player 1 is seated twice");
        List<Game.Seat> leftIn1 =
                List.of(new Game.Seat(1, "p1", 0), new Game.Seat(2, "p2", 0), new Game.Seat(3, "p3", 1));
        assertThatThrownBy(() -> restored(
                        3, 3, new Game.Persisted(GameStatus.RUNNING, 1, leftIn1, List.of(mv(3, 2, Move.ROCK)))))
                .hasMessageContaining("player 3 moved in round 2 after leaving in round 1");
        // a 2-player game with one player left in round 1 ended then: a later round cannot follow
        List<Game.Seat> twoLeft = List.of(new Game.Seat(1, "p1", 0), new Game.Seat(2, "p2", 1));
        assertThatThrownBy(() -> restored(
                        2, 3, new Game.Persisted(GameStatus.RUNNING, 2, twoLeft, List.of(mv(1, 2, Move.ROCK)))))
                .hasMessageContaining("round 2 is recorded, but the game ended in round 1");
    }

    /**
     * The model check: games played at random (moves, timeouts, leaves, from waiting to finished), then
     * restored from what a server persists of them, must equal the live game, and go on equal.
     */
    @Test
    void restoringWhatALiveGamePersistedGivesTheSameGameWhichGoesOnTheSame() {
        long base = new Random().nextLong();
        int compared = 0;
        for (int run = 0; run < 3_000; run++) {
            long seed = base + run;
            try {
                compared += checkRestore(seed) ? 1 : 0;
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("seed " + seed + ": " + e.getMessage(), e);
            }
        }
        assertThat(compared).as("games compared").isGreaterThan(1_000);
    }

    /** One random game; false when its end cannot be compared (a last round that timed out). */
    private boolean checkRestore(long seed) {
        Random rnd = new Random(seed);
        int players = 2 + rnd.nextInt(4);
        int rounds = 1 + rnd.nextInt(6);
        Game live = game(players, rounds);
        int joined = rnd.nextInt(4) == 0 ? rnd.nextInt(players) : players;
        List<Game.PastMove> moves = new ArrayList<>();
        int[] leftRound = new int[players];
        for (int i = 0; i < joined; i++) {
            live.join(100 + i, "p" + i);
        }
        boolean lastTimedOut = false;
        int steps = rnd.nextInt(60);
        for (int step = 0; step < steps && live.status() == GameStatus.RUNNING; step++) {
            int k = rnd.nextInt(20);
            int seat = rnd.nextInt(players);
            if (k < 13) {
                Move m = Move.values()[rnd.nextInt(5)];
                Game.Result r = live.move(100 + seat, m);
                if (r.isAccepted()) {
                    moves.add(new Game.PastMove(100 + seat, r.round(), m)); // persisted before it is applied
                }
                lastTimedOut &= r.resolved() == null;
            } else if (k < 19) {
                now.addAndGet(TIMEOUT.toNanos() / (1 + rnd.nextInt(2)));
                if (live.resolveIfExpired() != null) {
                    lastTimedOut = true;
                }
            } else {
                Game.Result r = live.leave(100 + seat);
                if (r.isAccepted()) {
                    leftRound[seat] = r.round();
                }
                lastTimedOut &= r.resolved() == null;
            }
        }
        List<Game.Seat> seats = new ArrayList<>();
        for (int i = 0; i < joined; i++) {
            seats.add(new Game.Seat(100 + i, "p" + i, leftRound[i]));
        }
        // a finished game is persisted as still running (its last write lost) at its last round
        GameStatus recorded = live.status() == GameStatus.WAITING ? GameStatus.WAITING : GameStatus.RUNNING;
        now.addAndGet(1 + rnd.nextInt(1_000_000));
        Game back = restored(players, rounds, new Game.Persisted(recorded, live.round(), seats, moves));
        if (live.status() == GameStatus.FINISHED && lastTimedOut && live.round() == rounds) {
            // documented: whether a last round that timed out was over cannot be told; it is reopened
            assertThat(back.status()).isEqualTo(GameStatus.RUNNING);
            assertThat(back.round()).isEqualTo(rounds);
            return false;
        }
        assertThat(back.status()).isEqualTo(live.status());
        assertThat(back.round()).isEqualTo(live.round());
        assertThat(back.players()).isEqualTo(live.players());
        for (int i = 0; i < players; i++) {
            assertThat(back.canMove(100 + i)).as("canMove " + i).isEqualTo(live.canMove(100 + i));
            assertThat(back.canJoin()).isEqualTo(live.canJoin());
        }
        // and they go on the same: the rest of the seats join, then moves and (full) timeouts
        for (int i = joined; i < players; i++) {
            assertThat(back.join(100 + i, "p" + i)).isEqualTo(live.join(100 + i, "p" + i));
        }
        for (int step = 0; step < 30 && live.status() == GameStatus.RUNNING; step++) {
            if (rnd.nextInt(6) == 0) {
                now.addAndGet(TIMEOUT.toNanos()); // both rounds have expired: the restored one opened last
                assertThat(back.resolveIfExpired()).isEqualTo(live.resolveIfExpired());
            } else {
                long id = 100 + rnd.nextInt(players);
                Move m = Move.values()[rnd.nextInt(5)];
                assertThat(back.move(id, m)).isEqualTo(live.move(id, m));
            }
        }
        assertThat(back.players()).isEqualTo(live.players());
        assertThat(back.status()).isEqualTo(live.status());
        return true;
    }
}

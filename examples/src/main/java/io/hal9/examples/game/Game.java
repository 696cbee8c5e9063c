package io.hal9.examples.game;

import io.hal9.core.Ticker;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One game of rock-paper-scissors-lizard-Spock for 2 to 8 players, played in simultaneous rounds.
 *
 * <p>Rules. Players join while the game is {@link GameStatus#WAITING}; when the last seat is taken
 * it becomes {@link GameStatus#RUNNING} and round 1 starts. In every round each player submits one
 * {@link Move}. The round is resolved as soon as every active player has moved, or when the round
 * timeout passes: then a player who did not move forfeits the round. On resolution every player
 * scores one point for each other player they beat; a player who moved also beats every player who
 * did not (forfeit or left). After the last round, or when fewer than two active players remain, the
 * game is {@link GameStatus#FINISHED} and the players with the highest score win (ties share).
 *
 * <p>The class is a plain state machine with no transport or storage: the server persists and
 * broadcasts what it returns. Time comes from the injected {@link Ticker}, so tests drive timeouts
 * without sleeping. Instances are reusable ({@link #reset()}) so that a server can pool them.
 *
 * <p>Restoring. {@link #restore} rebuilds a game from what a server persists of it (its seats, the
 * round each player left in, every accepted move, and the last status and round it recorded) by
 * replaying those events through the same rules, so that a restarted server carries on with the
 * same scores and round; see that method for what it can and cannot tell from the record.
 *
 * <p>Limits: at most {@value #MAX_PLAYERS} players and {@value #MAX_ROUNDS} rounds; a join beyond
 * the seats answers {@link Outcome#FULL}, nothing throws for a refused action.
 *
 * <p>Thread safety: not thread-safe. The owner serialises every call (the server holds a per-game
 * lock).
 */
public final class Game {
    /*
     * Design / Concurrency / Invariants: all fields are guarded by the caller's lock (see the class
     * comment). Seats 0..seats-1 of the arrays are used; moves[i] is null until seat i moves in the
     * current round. round is 0 while waiting, 1..rounds while running, and the last round played
     * once finished. active[i] turns false when a player leaves a running game; a waiting game
     * compacts its seats instead.
     */

    /** Most players one game seats. */
    public static final int MAX_PLAYERS = 8;
    /** Fewest players one game seats. */
    public static final int MIN_PLAYERS = 2;
    /** Most rounds one game plays. */
    public static final int MAX_ROUNDS = 1_000;

    /** What a join, leave or move came to. */
    public enum Outcome {
        /** Done. */
        ACCEPTED,
        /** Done, and it resolved the round (see {@link Result#round()}). */
        RESOLVED,
        /** A join found every seat taken (the game may be running or finished already). */
        FULL,
        /** A join found the game finished, or running with a seat freed by a player who left. */
        NOT_WAITING,
        /** A move or leave found the game not running (waiting or finished). */
        NOT_RUNNING,
        /** The player is not seated in this game (or has left it). */
        UNKNOWN_PLAYER,
        /** The player is already seated. */
        ALREADY_JOINED,
        /** The player has already moved in this round. */
        ALREADY_MOVED
    }

    /**
     * A game's settings.
     *
     * @param maxPlayers seats, in [2, 8]; the game starts when all are taken
     * @param rounds rounds to play, in [1, 1000]
     * @param roundTimeout how long a round waits for moves, in [10 ms, 1 h]
     */
    public record Settings(int maxPlayers, int rounds, Duration roundTimeout) {
        private static final Duration MIN_ROUND_TIMEOUT = Duration.ofMillis(10);
        private static final Duration MAX_ROUND_TIMEOUT = Duration.ofHours(1);

        /** Checks every setting, naming the one out of range. */
        public Settings {
            checkRange("maxPlayers", maxPlayers, MIN_PLAYERS, MAX_PLAYERS);
            checkRange("rounds", rounds, 1, MAX_ROUNDS);
            Objects.requireNonNull(roundTimeout, "roundTimeout");
            if (roundTimeout.compareTo(MIN_ROUND_TIMEOUT) < 0 || roundTimeout.compareTo(MAX_ROUND_TIMEOUT) > 0) {
                throw new IllegalArgumentException("game: roundTimeout must be in [" + MIN_ROUND_TIMEOUT + ", "
                        + MAX_ROUND_TIMEOUT + "], was " + roundTimeout);
            }
        }

        private static void checkRange(String option, int value, int min, int max) {
            if (value < min || value > max) {
                throw new IllegalArgumentException(
                        "game: " + option + " must be in [" + min + ", " + max + "], was " + value);
            }
        }
    }

    /**
     * One player's part in a resolved round.
     *
     * @param playerId the player
     * @param move what they played, or null when they did not move in time (or had left)
     * @param points points won this round
     * @param score total after this round
     */
    public record PlayerResult(long playerId, @Nullable Move move, int points, int score) {}

    /**
     * A resolved round.
     *
     * @param gameId the game
     * @param round the round resolved, from 1
     * @param timedOut whether the round ended by timeout rather than by the last move
     * @param players every seated player's part, in seat order
     * @param status the game's status after the round
     * @param nextRound the round now open, or 0 when the game is finished
     * @param winners the winners' ids when finished, else empty
     */
    public record RoundResult(
            long gameId,
            int round,
            boolean timedOut,
            List<PlayerResult> players,
            GameStatus status,
            int nextRound,
            List<Long> winners) {
        /** Copies the lists. */
        public RoundResult {
            players = List.copyOf(players);
            winners = List.copyOf(winners);
        }
    }

    /**
     * The answer to a join, leave or move.
     *
     * @param outcome what happened
     * @param round the round the move counted for (0 for joins and leaves in a waiting game)
     * @param resolved the round this call resolved, or null
     */
    public record Result(
            Outcome outcome, int round, @Nullable RoundResult resolved) {
        /**
         * Whether the call changed the game.
         *
         * @return true for {@link Outcome#ACCEPTED} and {@link Outcome#RESOLVED}
         */
        public boolean isAccepted() {
            return outcome == Outcome.ACCEPTED || outcome == Outcome.RESOLVED;
        }
    }

    /**
     * One seat as a server persists it, for {@link #restore}.
     *
     * @param playerId the player's id
     * @param name the display name
     * @param leftRound the round that was open when the player left the running game, or 0 while the
     *     player plays
     */
    public record Seat(long playerId, String name, int leftRound) {
        /** Checks the name and the round. */
        public Seat {
            Objects.requireNonNull(name, "name");
            if (leftRound < 0) {
                throw new IllegalArgumentException("seat: leftRound must be >= 0, was " + leftRound);
            }
        }
    }

    /**
     * One accepted move as a server persists it, for {@link #restore}.
     *
     * @param playerId the player
     * @param round the round the move counted for
     * @param move the move
     */
    public record PastMove(long playerId, int round, Move move) {
        /** Checks the move. */
        public PastMove {
            Objects.requireNonNull(move, "move");
        }
    }

    /**
     * What a server persisted of a waiting or running game, for {@link #restore}.
     *
     * @param status the status last recorded (waiting or running; it may lag behind the moves)
     * @param round the round last recorded (0 while waiting; it may lag behind the moves)
     * @param seats the seats in the order the players joined
     * @param moves every accepted move, in any order
     */
    public record Persisted(GameStatus status, int round, List<Seat> seats, List<PastMove> moves) {
        /** Copies the lists. */
        public Persisted {
            Objects.requireNonNull(status, "status");
            seats = List.copyOf(seats);
            moves = List.copyOf(moves);
        }
    }

    /**
     * A snapshot of one seat.
     *
     * @param id the player id
     * @param name the display name
     * @param score points so far
     * @param active false once the player left a running game
     */
    public record PlayerView(long id, String name, int score, boolean active) {}

    private final Ticker ticker;
    private final long[] playerIds = new long[MAX_PLAYERS];
    private final String[] names = new String[MAX_PLAYERS];
    private final int[] scores = new int[MAX_PLAYERS];
    private final boolean[] active = new boolean[MAX_PLAYERS];
    private final @Nullable Move[] moves = new Move[MAX_PLAYERS];

    private long id;
    private Instant createdAt = Instant.EPOCH;
    private @Nullable Settings settings;
    private GameStatus status = GameStatus.WAITING;
    private int seats;
    private int round;
    private int moved;
    private long deadlineNanos;
    private @Nullable RoundResult lastResult;

    /**
     * A blank game; {@link #init} gives it an identity.
     *
     * @param ticker the time source of round timeouts
     */
    public Game(Ticker ticker) {
        this.ticker = Objects.requireNonNull(ticker, "ticker");
    }

    /**
     * Makes this (blank or {@link #reset()}) object a new waiting game.
     *
     * @param id the game id
     * @param createdAt when the game was created (stored, not used by the rules)
     * @param settings the game's settings
     * @return this
     */
    public Game init(long id, Instant createdAt, Settings settings) {
        reset();
        this.id = id;
        this.createdAt = Objects.requireNonNull(createdAt, "createdAt");
        this.settings = Objects.requireNonNull(settings, "settings");
        return this;
    }

    /**
     * Makes this (blank or {@link #reset()}) object the game that {@code persisted} describes, by
     * replaying it through the rules: the seats join in order; then round by round, the round's moves
     * are played (a move by a player who left in that round is skipped: leaving took it back), the
     * players who left in that round leave, and a round still open although a later round is known
     * (a later move, a later leave, or a later recorded round) is resolved as timed out, since only a
     * timeout ends a round without every active player's move. The first round that is neither
     * resolved nor followed by a known round is the open one; its moves stand and it gets a fresh
     * full round timeout from the ticker's now. Replay publishes nothing: the round results are
     * dropped.
     *
     * <p>Deterministic: the same record always gives the same game, and the record of a live game
     * (every accepted move, the rounds players left in, its current round) gives that game's seats,
     * scores, status and round. What a record cannot tell: rounds that timed out with no move after
     * the last recorded round (the game resumes at the recorded round), and whether a last round
     * that had timed out was over (it is reopened). A game whose last round was resolved by moves,
     * or whose players fell below two, comes back {@link GameStatus#FINISHED}. An identical move
     * recorded twice counts once.
     *
     * @param id the game id
     * @param createdAt when the game was created
     * @param settings the game's settings
     * @param persisted the record
     * @return this
     * @throws IllegalArgumentException naming the first inconsistency: more seats than {@code
     *     maxPlayers}, a player seated twice, a move by a player not seated or in a round after they
     *     left or after the game ended, two different moves by one player in one round, a round out of
     *     range, a running record with free seats, or a waiting record with moves or leaves; the
     *     object is then left in an unspecified state (reset it)
     */
    public Game restore(long id, Instant createdAt, Settings settings, Persisted persisted) {
        Objects.requireNonNull(persisted, "persisted");
        init(id, createdAt, settings);
        List<Seat> seatList = persisted.seats();
        int rounds = settings.rounds();
        if (seatList.size() > settings.maxPlayers()) {
            throw inconsistent(seatList.size() + " seats for " + settings.maxPlayers() + " players");
        }
        if (persisted.round() < 0 || persisted.round() > rounds) {
            throw inconsistent("recorded round " + persisted.round() + " is outside [0, " + rounds + "]");
        }
        int lastKnown = persisted.round();
        for (Seat seat : seatList) {
            if (seat.leftRound() > rounds) {
                throw inconsistent(
                        "player " + seat.playerId() + " left in round " + seat.leftRound() + " of " + rounds);
            }
            if (join(seat.playerId(), seat.name()).outcome() != Outcome.ACCEPTED) {
                throw inconsistent("player " + seat.playerId() + " is seated twice");
            }
            lastKnown = Math.max(lastKnown, seat.leftRound());
        }
        // moves by round, one per player and round (an identical duplicate counts once)
        List<List<PastMove>> byRound = new ArrayList<>(rounds + 1);
        for (int r = 0; r <= rounds; r++) {
            byRound.add(new ArrayList<>(2));
        }
        for (PastMove m : persisted.moves()) {
            if (m.round() < 1 || m.round() > rounds) {
                throw inconsistent("a move by player " + m.playerId() + " in round " + m.round() + " of " + rounds);
            }
            int seat = seatOf(m.playerId());
            if (seat < 0) {
                throw inconsistent(
                        "a move in round " + m.round() + " by player " + m.playerId() + ", who is not seated");
            }
            int left = seatList.get(seat).leftRound();
            if (left != 0 && m.round() > left) {
                throw inconsistent(
                        "player " + m.playerId() + " moved in round " + m.round() + " after leaving in round " + left);
            }
            List<PastMove> same = byRound.get(m.round());
            PastMove earlier = null;
            for (PastMove o : same) {
                if (o.playerId() == m.playerId()) {
                    earlier = o;
                }
            }
            if (earlier == null) {
                same.add(m);
            } else if (earlier.move() != m.move()) {
                throw inconsistent("player " + m.playerId() + " played both "
                        + earlier.move().wireName() + " and " + m.move().wireName() + " in round " + m.round());
            }
            lastKnown = Math.max(lastKnown, m.round());
        }
        if (status == GameStatus.WAITING) {
            if (persisted.status() != GameStatus.WAITING) {
                throw inconsistent("recorded " + persisted.status().wireName() + " with " + seats + " of "
                        + settings.maxPlayers() + " seats taken");
            }
            if (lastKnown > 0) {
                throw inconsistent("a waiting game with moves, leaves or a round (" + lastKnown + ")");
            }
            return this;
        }
        for (int r = 1; status == GameStatus.RUNNING && r <= rounds; r++) {
            for (PastMove m : byRound.get(r)) {
                if (seatList.get(seatOf(m.playerId())).leftRound() == r) {
                    continue; // the player left in this round, which took the move back
                }
                if (status != GameStatus.RUNNING || round != r) {
                    throw inconsistent(
                            "the move of player " + m.playerId() + " in round " + r + " came after the round was over");
                }
                Outcome o = move(m.playerId(), m.move()).outcome();
                if (o != Outcome.ACCEPTED && o != Outcome.RESOLVED) {
                    throw inconsistent("the move of player " + m.playerId() + " in round " + r + " was refused: " + o);
                }
            }
            for (Seat seat : seatList) {
                if (seat.leftRound() == r) {
                    if (status != GameStatus.RUNNING || round != r) {
                        throw inconsistent(
                                "player " + seat.playerId() + " left in round " + r + ", which was already over");
                    }
                    Outcome o = leave(seat.playerId()).outcome();
                    if (o != Outcome.ACCEPTED && o != Outcome.RESOLVED) {
                        throw inconsistent(
                                "the leave of player " + seat.playerId() + " in round " + r + " was refused: " + o);
                    }
                }
            }
            if (status == GameStatus.RUNNING && round == r) {
                if (r >= lastKnown) {
                    break; // the open round: its moves stand, its timeout starts now
                }
                resolve(true); // a later round is known: this one timed out
            }
        }
        if (lastKnown > round) {
            throw inconsistent("round " + lastKnown + " is recorded, but the game ended in round " + round);
        }
        return this;
    }

    private IllegalArgumentException inconsistent(String what) {
        return new IllegalArgumentException("game " + id + " cannot be restored: " + what);
    }

    /** Forgets everything, ready for {@link #init} (what a pool calls on release). */
    public void reset() {
        lastResult = null;
        Arrays.fill(playerIds, 0L);
        Arrays.fill(names, null);
        Arrays.fill(scores, 0);
        Arrays.fill(active, false);
        Arrays.fill(moves, null);
        id = 0;
        createdAt = Instant.EPOCH;
        settings = null;
        status = GameStatus.WAITING;
        seats = 0;
        round = 0;
        moved = 0;
        deadlineNanos = 0;
    }

    private Settings settings() {
        Settings s = settings;
        if (s == null) {
            throw new IllegalStateException("game: init() was not called");
        }
        return s;
    }

    /**
     * Whether a join would be accepted now, without joining.
     *
     * @return {@link Outcome#ACCEPTED}, {@link Outcome#FULL} when every seat is taken, or {@link
     *     Outcome#NOT_WAITING} when the game is past waiting
     */
    public Outcome canJoin() {
        if (seats >= settings().maxPlayers()) {
            return Outcome.FULL; // every seat taken, whether the game runs yet or not
        }
        return status == GameStatus.WAITING ? Outcome.ACCEPTED : Outcome.NOT_WAITING;
    }

    /**
     * Seats a player. Taking the last seat starts round 1.
     *
     * @param playerId the player's id (unique in this game)
     * @param name the display name
     * @return {@link Outcome#ACCEPTED}, or why not
     */
    public Result join(long playerId, String name) {
        Objects.requireNonNull(name, "name");
        Outcome can = canJoin();
        if (can != Outcome.ACCEPTED) {
            return new Result(can, 0, null);
        }
        if (seatOf(playerId) >= 0) {
            return new Result(Outcome.ALREADY_JOINED, 0, null);
        }
        playerIds[seats] = playerId;
        names[seats] = name;
        active[seats] = true;
        seats++;
        if (seats == settings().maxPlayers()) {
            status = GameStatus.RUNNING;
            openRound(1);
        }
        return new Result(Outcome.ACCEPTED, round, null);
    }

    /**
     * Takes a player out. In a waiting game the seat is freed; in a running game the player forfeits
     * every remaining round, which may resolve the current round or finish the game.
     *
     * @param playerId the player
     * @return the outcome, with the round it resolved if any
     */
    public Result leave(long playerId) {
        int seat = seatOf(playerId);
        if (seat < 0 || !active[seat]) {
            return new Result(Outcome.UNKNOWN_PLAYER, round, null);
        }
        if (status == GameStatus.FINISHED) {
            return new Result(Outcome.NOT_RUNNING, round, null);
        }
        if (status == GameStatus.WAITING) {
            for (int i = seat; i < seats - 1; i++) {
                playerIds[i] = playerIds[i + 1];
                names[i] = names[i + 1];
                active[i] = active[i + 1];
            }
            seats--;
            playerIds[seats] = 0;
            names[seats] = null;
            active[seats] = false;
            return new Result(Outcome.ACCEPTED, 0, null);
        }
        active[seat] = false;
        if (moves[seat] != null) {
            moves[seat] = null;
            moved--;
        }
        if (activeCount() < MIN_PLAYERS || moved == activeCount()) {
            int r = round;
            return new Result(Outcome.RESOLVED, r, resolve(false));
        }
        return new Result(Outcome.ACCEPTED, round, null);
    }

    /**
     * Whether a move by this player would be accepted now, without making it.
     *
     * @param playerId the player
     * @return {@link Outcome#ACCEPTED}, or why not
     */
    public Outcome canMove(long playerId) {
        if (status != GameStatus.RUNNING) {
            return Outcome.NOT_RUNNING;
        }
        int seat = seatOf(playerId);
        if (seat < 0 || !active[seat]) {
            return Outcome.UNKNOWN_PLAYER;
        }
        return moves[seat] == null ? Outcome.ACCEPTED : Outcome.ALREADY_MOVED;
    }

    /**
     * Plays a move in the current round; the last missing move resolves the round at once.
     *
     * @param playerId the player
     * @param move the move
     * @return the outcome and the round the move counted for
     */
    public Result move(long playerId, Move move) {
        Objects.requireNonNull(move, "move");
        Outcome can = canMove(playerId);
        if (can != Outcome.ACCEPTED) {
            return new Result(can, round, null);
        }
        int seat = seatOf(playerId);
        moves[seat] = move;
        moved++;
        int r = round;
        if (moved == activeCount()) {
            return new Result(Outcome.RESOLVED, r, resolve(false));
        }
        return new Result(Outcome.ACCEPTED, r, null);
    }

    /**
     * Whether the current round's timeout has passed.
     *
     * @return true when running and the ticker has reached the round's deadline
     */
    public boolean isRoundExpired() {
        return status == GameStatus.RUNNING && ticker.read() - deadlineNanos >= 0;
    }

    /**
     * Resolves the current round if its timeout has passed; players who did not move forfeit it.
     *
     * @return the resolved round, or null when the round has not expired (or the game is not running)
     */
    public @Nullable RoundResult resolveIfExpired() {
        return isRoundExpired() ? resolve(true) : null;
    }

    private RoundResult resolve(boolean timedOut) {
        int[] points = new int[seats];
        for (int i = 0; i < seats; i++) {
            Move mine = moves[i];
            if (mine == null) {
                continue;
            }
            for (int j = 0; j < seats; j++) {
                if (j != i) {
                    Move theirs = moves[j];
                    if (theirs == null || mine.beats(theirs)) {
                        points[i]++;
                    }
                }
            }
        }
        List<PlayerResult> results = new ArrayList<>(seats);
        for (int i = 0; i < seats; i++) {
            scores[i] += points[i];
            results.add(new PlayerResult(playerIds[i], moves[i], points[i], scores[i]));
        }
        int resolved = round;
        List<Long> winners = List.of();
        if (resolved >= settings().rounds() || activeCount() < MIN_PLAYERS) {
            status = GameStatus.FINISHED;
            Arrays.fill(moves, null);
            moved = 0;
            winners = winners();
        } else {
            openRound(resolved + 1);
        }
        RoundResult r = new RoundResult(
                id, resolved, timedOut, results, status, status == GameStatus.RUNNING ? round : 0, winners);
        lastResult = r;
        return r;
    }

    /**
     * The result of the round resolved last (by a move, a leave, the timeout or {@link #restore}), for a host
     * that must send it again (a player missed it, or a new host resolved it while rebuilding the game).
     *
     * @return the last round's result, or null when no round was resolved yet
     */
    public @Nullable RoundResult lastResult() {
        return lastResult;
    }

    private List<Long> winners() {
        int best = Integer.MIN_VALUE;
        for (int i = 0; i < seats; i++) {
            if (active[i]) {
                best = Math.max(best, scores[i]);
            }
        }
        List<Long> out = new ArrayList<>(2);
        for (int i = 0; i < seats; i++) {
            if (active[i] && scores[i] == best) {
                out.add(playerIds[i]);
            }
        }
        return out;
    }

    private void openRound(int r) {
        round = r;
        Arrays.fill(moves, null);
        moved = 0;
        deadlineNanos = ticker.read() + settings().roundTimeout().toNanos(); // at most 1 h: no overflow
    }

    private int activeCount() {
        int n = 0;
        for (int i = 0; i < seats; i++) {
            if (active[i]) {
                n++;
            }
        }
        return n;
    }

    private int seatOf(long playerId) {
        for (int i = 0; i < seats; i++) {
            if (playerIds[i] == playerId) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The game id.
     *
     * @return the id given to {@link #init}
     */
    public long id() {
        return id;
    }

    /**
     * When the game was created.
     *
     * @return the instant given to {@link #init}
     */
    public Instant createdAt() {
        return createdAt;
    }

    /**
     * The game's settings.
     *
     * @return the settings given to {@link #init}
     */
    public Settings gameSettings() {
        return settings();
    }

    /**
     * The status.
     *
     * @return waiting, running or finished
     */
    public GameStatus status() {
        return status;
    }

    /**
     * The current round.
     *
     * @return 0 while waiting, the open round while running, the last round played once finished
     */
    public int round() {
        return round;
    }

    /**
     * Seats taken (including players who left a running game).
     *
     * @return the number of seated players
     */
    public int playerCount() {
        return seats;
    }

    /**
     * Nanoseconds on the ticker at which the open round times out.
     *
     * @return the deadline; meaningless unless running
     */
    public long roundDeadlineNanos() {
        return deadlineNanos;
    }

    /**
     * A snapshot of the seats.
     *
     * @return one view per seat, in seat order
     */
    public List<PlayerView> players() {
        List<PlayerView> out = new ArrayList<>(seats);
        for (int i = 0; i < seats; i++) {
            out.add(new PlayerView(playerIds[i], Objects.requireNonNull(names[i]), scores[i], active[i]));
        }
        return out;
    }

    @Override
    public String toString() {
        return "game " + id + " " + status.wireName() + " round " + round + " seats " + seats;
    }
}

package io.hal9.examples.server;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.hal9.cache.Cache;
import io.hal9.core.ActionBatcher;
import io.hal9.core.Admission;
import io.hal9.core.RejectedException;
import io.hal9.core.TaskLimiter;
import io.hal9.core.Ticker;
import io.hal9.examples.game.Game;
import io.hal9.examples.game.GameStatus;
import io.hal9.examples.game.Move;
import io.hal9.examples.server.GameStore.GameState;
import io.hal9.pool.Lease;
import io.hal9.pool.ObjectPool;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The games this instance hosts, and the path of every change: the in-memory {@link Game} (reused
 * through an {@link ObjectPool}) decides, the database records, {@link GameEvents} tells the players.
 * A round's new status and round number reach the {@code games} row through a second, aggregating
 * batcher (the latest state per game wins), so resolving a round does not wait for an UPDATE; the
 * final state of a game that ends (its row and its players' scores) goes through a third, the finals
 * batcher, so the move that ends a game answers as fast as any other, also while the database is
 * down: the game stays in memory, finished, until its final rows are written.
 * Each accepted move goes through the {@link ActionBatcher} (one transaction per batch) before it is
 * acknowledged; a round that times out is found by its game's timer on the scheduler (see {@link
 * #checkRound}) and resolved on a {@link TaskLimiter}.
 *
 * <p>Lifecycle. A game is created here with this instance's name as its {@code host}; a game still
 * waiting for players after {@code waitingGameTtl} expires (one timer per waiting game, cancelled
 * when it starts). At start, {@link #recover()} rebuilds the waiting and running games the database
 * says this instance hosts, from their rows and persisted moves ({@link Game#restore}), and ends as
 * aborted those it cannot rebuild; players go on with the tokens they hold.
 *
 * <p>Limits: at most {@code maxLiveGames} waiting, running or finished-but-not-yet-written games in
 * memory, exactly (a slot is reserved before the row is inserted; a create beyond it answers 503, a
 * recovered game beyond it is aborted); a move the batcher cannot take (its capacity is full) answers
 * 503 and changes nothing. While the health probe says the database is down, a request that needs it
 * (create, join, leave, a read that misses memory and the cache) answers 503 {@code
 * database_unavailable} at once instead of waiting for a connection. A game lives on its owner (the
 * instance that created it, or that took it over: {@link #takeOver}); another instance serves its reads
 * from the database, and {@link HttpForwarder} and the WebSocket gateway pass joins and moves to the owner.
 *
 * <p>Ownership. Each game in memory holds the epoch at which this instance owns it; every write of the
 * game's state carries it and the database ignores it once another instance claimed the game ({@link
 * GameStore}). {@link #dropLost} drops the games the database says this instance lost; while the lease is
 * not known to be current, moves are refused ({@code 503 lease_lapsed}) and rounds do not time out.
 *
 * <p>Thread safety: safe for concurrent use.
 */
final class GameService implements AutoCloseable {
    /*
     * Design / Concurrency / Invariants: live maps a game id to its Live entry for as long as the
     * game is waiting or running; an entry is removed (and its Game returned to the pool) under
     * its own lock, after which every caller holding the entry sees status FINISHED and stops.
     * Every read or write of a Game happens under Live.lock (a ReentrantLock: virtual threads hold it
     * across JDBC calls; a WebSocket event loop only tryLocks it and never does JDBC under it, see
     * tryMoveNonBlocking). A finished game stays in live (status FINISHED, every move refused, reads
     * served from memory) until the finals batcher has written its final rows (or dead-lettered
     * them), so reads never see it missing from both memory and database; a virtual thread (gameEnds)
     * then takes the game's lock to remove it. finishing counts the entries of live in that state
     * (flag Live.finishing, written under the lock); liveGames() leaves them out. The list cache is
     * invalidated after every change that alters a listed field other than the round (the round may
     * be stale by cache-ttl), and for a game's end once its final rows are written.
     * Round timers: a running game has exactly one pending check of its round (a task on the
     * scheduler, or an expire task on the limiter); the check reschedules itself at the round's
     * current deadline, so a round resolved by moves costs the timer nothing, and the scheduler holds
     * one task per running game whatever the round rate. The token is created when the game starts
     * (join), handed from check to expire and back, and dropped when the game finishes.
     * Waiting timers: a waiting game has one pending expiry task (Live.expiry), cancelled by the join
     * that starts the game (the scheduler removes cancelled tasks); a task that fires anyway finds the
     * game running under the lock and does nothing.
     * Slots: slots holds one permit per game that may still enter memory; a create or a recovery takes
     * one before the game exists and Live.release() gives it back exactly once, so the number of
     * games in memory never exceeds maxLiveGames, whatever the concurrency.
     */
    private static final Logger log = LoggerFactory.getLogger(GameService.class);

    /** A hosted game: its lock, its pooled state, and whether it was handed back to the pool. */
    static final class Live {
        final ReentrantLock lock = new ReentrantLock();
        final Lease<Game> lease;
        final Game game;
        private final Semaphore slots;
        /** Written under lock; volatile so that a round check may drop a released game without it. */
        volatile boolean released;
        /** Finished, its final rows queued and not yet written. Under lock. */
        boolean finishing;
        /** How the game ended when not by its rules (expired, aborted); written under lock before release. */
        volatile @Nullable GameStatus endedAs;
        /**
         * The newest state of the row that the states batcher had no room for, or null. Under lock: while
         * set, newer states replace it here rather than overtake it in the batcher.
         */
        @Nullable
        GameState deferredState;

        /** The ownership epoch this instance holds the game at; written before the entry is published in live. */
        long epoch;
        /** Another instance claimed the game: dropped here, not ended. Written under lock before release. */
        volatile boolean moved;
        /**
         * The pending expiry of a waiting game. Volatile: the scheduler re-arms it without the lock (benign
         * race: a task armed after the join's cancel fires later and finds the game running).
         */
        volatile @Nullable ScheduledFuture<?> expiry;

        /** A game that holds one permit of {@code slots}, given back by {@link #release()}. */
        Live(Lease<Game> lease, Semaphore slots) {
            this.lease = lease;
            this.game = lease.get();
            this.slots = slots;
        }

        ReentrantLock lock() {
            return lock;
        }

        Game game() {
            return game;
        }

        void release() {
            if (!released) {
                released = true;
                ScheduledFuture<?> f = expiry;
                if (f != null) {
                    f.cancel(false);
                }
                lease.close();
                slots.release();
            }
        }
    }

    /**
     * What one recovery at start came to.
     *
     * @param running games recovered running (their round re-armed with a full timeout)
     * @param waiting games recovered waiting for players
     * @param finished games whose replay ended them (their final state was written now)
     * @param expired waiting games older than the waiting-game ttl, ended as expired
     * @param aborted games that could not be recovered, ended as aborted
     * @param reasons per reason of an abort, how many and the first game's detail
     */
    record Recovery(int running, int waiting, int finished, int expired, int aborted, Map<String, String> reasons) {
        Recovery {
            reasons = Map.copyOf(reasons);
        }
    }

    /** A join's answer: the player's id and token. */
    record Joined(long gameId, long playerId, String token, String tokenExpiry, String status, int round) {}

    /**
     * A move's answer: the round it counted for, the round it resolved if any, and when the move is
     * acknowledged: {@code durable} completes once the action is synced to the journal (at once without
     * one). Answer the client only then.
     */
    record Moved(
            long gameId,
            long playerId,
            int round,
            Game.@Nullable RoundResult resolved,
            CompletableFuture<Void> durable) {}

    /** A game as the API shows it (the list leaves the players out). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record GameView(
            long id,
            String status,
            int maxPlayers,
            int rounds,
            long roundTimeoutMs,
            int round,
            int playerCount,
            String createdAt,
            @Nullable List<PlayerItem> players) {}

    /** A player as the API shows it. */
    record PlayerItem(long id, String name, int score, String status) {}

    private final String name;
    private final GameStore store;
    private final ObjectPool<Game> games;
    private final ActionBatcher<GameStore.ActionRow> actions;
    private final ActionBatcher<GameStore.GameState> states;
    private final ActionBatcher<GameStore.FinalState> finals;
    private final BooleanSupplier databaseUp;
    private final TaskLimiter limiter;
    private final Cache<String, byte[]> listCache;
    private final PlayerTokens tokens;
    private final GameEvents events;
    private final int maxLiveGames;
    private final Semaphore slots;
    private final Duration waitingGameTtl;
    private final AtomicBoolean endWritesFailing = new AtomicBoolean();
    private final Map<Long, Live> live = new ConcurrentHashMap<>();
    private final AtomicInteger finishing = new AtomicInteger();
    private final Executor gameEnds;
    /** Whether this instance's lease is current as far as it knows ({@link Lease#valid}). */
    private volatile BooleanSupplier leaseValid;

    private final LongAdder takenOver = new LongAdder();
    /**
     * Round results whose resolving move became durable after this instance's lease stopped being known
     * current: not acknowledged to the players until the next ownership check ({@link #dropLost}) confirms
     * that the game is still this instance's; dropped (and counted in withheld) when it is not.
     */
    private final java.util.concurrent.ConcurrentLinkedQueue<Game.RoundResult> held =
            new java.util.concurrent.ConcurrentLinkedQueue<>();

    private final LongAdder withheld = new LongAdder();
    private final LongAdder lostGames = new LongAdder();
    /** Games this instance claimed and failed to rebuild: claimed again (epoch + 1) and rebuilt at the next tick. */
    private final Map<Long, GameStore.Orphan> rebuildRetry = new ConcurrentHashMap<>();

    private final LongAdder timeouts = new LongAdder();
    private final Ticker ticker;
    private final ScheduledExecutorService timers;
    /** Games whose newest state waits for room in the states batcher ({@link #defer}); drained by a timer. */
    private final Set<Live> deferredStates = ConcurrentHashMap.newKeySet();

    private final AtomicBoolean drainScheduled = new AtomicBoolean();

    GameService(
            String name,
            GameStore store,
            Ticker ticker,
            ScheduledExecutorService timers,
            ActionBatcher<GameStore.ActionRow> actions,
            ActionBatcher<GameStore.GameState> states,
            ActionBatcher<GameStore.FinalState> finals,
            BooleanSupplier databaseUp,
            TaskLimiter limiter,
            Cache<String, byte[]> listCache,
            PlayerTokens tokens,
            GameEvents events,
            BooleanSupplier leaseValid,
            int maxLiveGames,
            Duration waitingGameTtl) {
        this.name = Objects.requireNonNull(name, "name");
        this.store = Objects.requireNonNull(store, "store");
        this.actions = Objects.requireNonNull(actions, "actions");
        this.states = Objects.requireNonNull(states, "states");
        this.finals = Objects.requireNonNull(finals, "finals");
        this.databaseUp = Objects.requireNonNull(databaseUp, "databaseUp");
        ThreadFactory endThreads = Thread.ofVirtual().name(name + "-game-end").factory();
        this.gameEnds = task -> endThreads.newThread(task).start();
        this.limiter = Objects.requireNonNull(limiter, "limiter");
        this.listCache = Objects.requireNonNull(listCache, "listCache");
        this.tokens = Objects.requireNonNull(tokens, "tokens");
        this.events = Objects.requireNonNull(events, "events");
        this.leaseValid = Objects.requireNonNull(leaseValid, "leaseValid");
        this.maxLiveGames = maxLiveGames;
        this.slots = new Semaphore(maxLiveGames);
        this.waitingGameTtl = Objects.requireNonNull(waitingGameTtl, "waitingGameTtl");
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        this.timers = Objects.requireNonNull(timers, "timers");
        this.games = ObjectPool.<Game>builder(name + "-games", () -> new Game(ticker))
                .reset(Game::reset)
                .build();
    }

    /**
     * Replaces the lease's validity, for a test that makes it lapse at a chosen instant without waiting for
     * a lease to run out.
     */
    void leaseValidityForTest(BooleanSupplier leaseValid) {
        this.leaseValid = Objects.requireNonNull(leaseValid, "leaseValid");
    }

    GameView create(Game.Settings settings) {
        // the slot first: concurrent creates cannot overshoot the limit between a check and a put
        if (!slots.tryAcquire()) {
            throw new ApiException(
                    503, "too_many_games", "this server hosts " + maxLiveGames + " live games already; retry later");
        }
        requireDatabase();
        Instant now = GameStore.now();
        GameStore.GameRow row;
        Live l;
        try {
            row = store.insertGame(
                    settings.maxPlayers(),
                    settings.rounds(),
                    settings.roundTimeout().toMillis(),
                    now,
                    name);
            l = new Live(games.claim(), slots); // owns the slot from here: release() gives it back
        } catch (RuntimeException e) {
            slots.release();
            throw e;
        }
        l.lock().lock();
        try {
            l.game().init(row.id(), now, settings);
            live.put(row.id(), l);
            scheduleExpiry(l, waitingGameTtl.toNanos());
        } finally {
            l.lock().unlock();
        }
        listCache.invalidateAll();
        return view(row, List.of());
    }

    GameView get(long id) {
        Live l = live.get(id);
        if (l != null) {
            l.lock().lock();
            try {
                Game g = l.game();
                if (!l.released) {
                    List<PlayerItem> players = new ArrayList<>();
                    for (Game.PlayerView p : g.players()) {
                        players.add(new PlayerItem(p.id(), p.name(), p.score(), p.active() ? "active" : "left"));
                    }
                    Game.Settings s = g.gameSettings();
                    return new GameView(
                            id,
                            g.status().wireName(),
                            s.maxPlayers(),
                            s.rounds(),
                            s.roundTimeout().toMillis(),
                            g.round(),
                            g.playerCount(),
                            g.createdAt().toString(),
                            players);
                }
            } finally {
                l.lock().unlock();
            }
        }
        requireDatabase();
        GameStore.GameRow row = store.findGame(id);
        if (row == null) {
            throw ApiException.notFound("unknown_game", "no game with id " + id);
        }
        List<PlayerItem> players = new ArrayList<>();
        for (GameStore.PlayerRow p : store.players(id)) {
            players.add(new PlayerItem(p.id(), p.name(), p.score(), p.status()));
        }
        return view(row, players);
    }

    /** A page of the games list, rendered by {@code render} on a miss and cached for cache-ttl. */
    byte[] list(@Nullable GameStatus status, int page, int size, Function<List<GameView>, byte[]> render) {
        String key = listKey(status, page, size);
        byte[] body = listCache.get(key, k -> {
            requireDatabase(); // a miss; a cached page is served whatever the database does
            List<GameView> out = new ArrayList<>();
            for (GameStore.GameRow r : store.listGames(status, page, size)) {
                out.add(view(r, null));
            }
            return render.apply(out);
        });
        return Objects.requireNonNull(body, "list page");
    }

    /**
     * A page of the games list if the list cache holds it, else null; never reads the database, so an event
     * loop may call it.
     */
    byte @Nullable [] listCached(@Nullable GameStatus status, int page, int size) {
        return listCache.getIfPresent(listKey(status, page, size));
    }

    private static String listKey(@Nullable GameStatus status, int page, int size) {
        return (status == null ? "all" : status.wireName()) + ":" + page + ":" + size;
    }

    Joined join(long gameId, String playerName) {
        Live l = hosted(gameId);
        l.lock().lock();
        try {
            Game g = alive(l, gameId);
            switch (g.canJoin()) {
                case ACCEPTED -> {}
                case FULL ->
                    throw ApiException.conflict(
                            "game_full",
                            "game " + gameId + " has all " + g.gameSettings().maxPlayers() + " seats taken");
                default ->
                    throw ApiException.conflict(
                            "game_not_waiting",
                            "game " + gameId + " is " + g.status().wireName() + "; joins are closed");
            }
            requireDatabase();
            long playerId = store.insertPlayer(gameId, playerName, l.epoch);
            if (playerId == 0) {
                throw lostLocked(l, gameId);
            }
            g.join(playerId, playerName);
            store.updateGame(gameId, g.createdAt(), g.status(), g.round(), g.playerCount(), l.epoch);
            listCache.invalidateAll();
            if (g.status() == GameStatus.RUNNING) {
                ScheduledFuture<?> expiry = l.expiry;
                if (expiry != null) {
                    l.expiry = null;
                    expiry.cancel(false); // started: it no longer expires
                }
                scheduleCheck(l, g.roundDeadlineNanos() - ticker.read());
                events.gameStarted(gameId, g.players());
            }
            return new Joined(
                    gameId,
                    playerId,
                    tokens.issue(gameId, playerId),
                    tokens.nextExpiry().toString(),
                    g.status().wireName(),
                    g.round());
        } finally {
            l.lock().unlock();
        }
    }

    Moved move(long gameId, long playerId, Move move) {
        return move(gameId, playerId, move, 0);
    }

    /**
     * Plays a move; with {@code expectedRound} > 0 the move is refused (409 {@code stale_round}) unless
     * that round is open, so that a late move is not counted in the next round.
     */
    Moved move(long gameId, long playerId, Move move, int expectedRound) {
        Live l = hosted(gameId);
        l.lock().lock();
        try {
            return moveLocked(l, gameId, playerId, move, expectedRound, true);
        } finally {
            l.lock().unlock();
        }
    }

    /**
     * Plays a move without ever blocking, for a network event loop: the batchers are only offered
     * to, and the database writes that end a game are handed to the task limiter. Returns null,
     * having changed nothing, when the game's lock is held (by a join, a leave or the writes that
     * end the game, all of which may wait on the database): the caller then plays the move with
     * {@link #move(long, long, Move, int)} off the event loop. A game not hosted here (or no longer)
     * answers 409 {@code game_finished} without a database lookup.
     */
    @Nullable
    Moved tryMoveNonBlocking(long gameId, long playerId, Move move, int expectedRound) {
        Live l = live.get(gameId);
        if (l == null) {
            throw ApiException.conflict("game_finished", "game " + gameId + " is finished");
        }
        if (!l.lock().tryLock()) {
            return null;
        }
        try {
            return moveLocked(l, gameId, playerId, move, expectedRound, false);
        } finally {
            l.lock().unlock();
        }
    }

    private Moved moveLocked(Live l, long gameId, long playerId, Move move, int expectedRound, boolean mayBlock) {
        Game g = alive(l, gameId);
        if (!leaseValid.getAsBoolean()) {
            throw new ApiException(
                    503,
                    "lease_lapsed",
                    "this instance could not renew its ownership of game " + gameId + " in time; retry shortly");
        }
        if (expectedRound > 0 && g.status() == GameStatus.RUNNING && expectedRound != g.round()) {
            throw ApiException.conflict(
                    "stale_round", "round " + expectedRound + " is not open; round " + g.round() + " is");
        }
        switch (g.canMove(playerId)) {
            case ACCEPTED -> {}
            case ALREADY_MOVED ->
                throw ApiException.conflict(
                        "already_moved", "player " + playerId + " has already moved in round " + g.round());
            case UNKNOWN_PLAYER ->
                throw new ApiException(403, "not_in_game", "player " + playerId + " is not playing in game " + gameId);
            default ->
                throw ApiException.conflict(
                        "game_not_running",
                        "game " + gameId + " is " + g.status().wireName() + "; no moves now");
        }
        CompletableFuture<Void> durable = actions.trySubmitDurable(
                new GameStore.ActionRow(gameId, playerId, g.round(), move.wireName(), GameStore.now()));
        if (durable.isCompletedExceptionally()
                && durable.exceptionNow() instanceof RejectedException refused) { // nothing was taken
            Admission a = refused.reason();
            throw new ApiException(
                    503,
                    a == Admission.CLOSED ? "shutting_down" : "overloaded",
                    a == Admission.CLOSED ? "the server is shutting down" : "the action queue is full; retry shortly");
        }
        Game.Result r = g.move(playerId, move);
        Game.RoundResult resolved = r.resolved();
        if (resolved != null) {
            afterRound(l, g, resolved, mayBlock, durable);
        }
        return new Moved(gameId, playerId, r.round(), resolved, durable);
    }

    void leave(long gameId, long playerId) {
        Live l = hosted(gameId);
        l.lock().lock();
        try {
            Game g = alive(l, gameId);
            requireDatabase(); // before the game changes: a refused leave leaves the player seated
            GameStatus before = g.status();
            Game.Result r = g.leave(playerId);
            switch (r.outcome()) {
                case ACCEPTED, RESOLVED -> {}
                case UNKNOWN_PLAYER ->
                    throw new ApiException(
                            403, "not_in_game", "player " + playerId + " is not playing in game " + gameId);
                default ->
                    throw ApiException.conflict(
                            "game_not_running",
                            "game " + gameId + " is " + g.status().wireName());
            }
            if (before == GameStatus.WAITING) {
                if (!store.deletePlayer(gameId, l.epoch, playerId)) {
                    throw lostLocked(l, gameId);
                }
                store.updateGame(gameId, g.createdAt(), g.status(), g.round(), g.playerCount(), l.epoch);
                listCache.invalidateAll();
            } else {
                // the round the player left in is what a replay needs (see Game.restore); written before
                // the round this leave may resolve, so that the row never lags behind the game's end
                if (!store.markLeft(gameId, l.epoch, playerId, r.round(), score(g, playerId))) {
                    throw lostLocked(l, gameId);
                }
                Game.RoundResult resolved = r.resolved();
                if (resolved != null) {
                    afterRound(l, g, resolved, true, DONE);
                }
            }
        } finally {
            l.lock().unlock();
        }
    }

    /**
     * Ends a waiting or running game hosted here as {@code aborted}, for an operator (the admin console): the
     * same end as a waiting game's expiry ({@link #expireWaiting}): the row is ended through {@link
     * GameStore#endGame}, the game leaves memory, and its players hear {@link GameEvents#gameEnded} with {@code
     * detail}. The moves already accepted stay recorded; the round in play is not resolved. Blocks on the
     * database.
     *
     * @throws ApiException 404 {@code unknown_game}, 409 when the game is over or hosted by another instance,
     *     503 {@code database_unavailable}
     */
    void abort(long gameId, String detail) {
        Live l = hosted(gameId);
        l.lock().lock();
        try {
            Game g = alive(l, gameId);
            requireDatabase();
            if (!store.endGame(gameId, g.createdAt(), GameStatus.ABORTED, l.epoch)) {
                throw lostLocked(l, gameId);
            }
            l.endedAs = GameStatus.ABORTED;
            l.deferredState = null; // the end supersedes a state still waiting for room (UPDATE_GAME skips ends)
            remove(gameId, l);
            listCache.invalidateAll();
            log.info("{}: game {} aborted by an operator: {}", name, gameId, detail);
            events.gameEnded(gameId, GameStatus.ABORTED, detail);
        } finally {
            l.lock().unlock();
        }
    }

    /** How soon a timed-out round is looked at again while this instance's lease is not known to be current. */
    static final Duration LEASE_RETRY = Duration.ofMillis(100);

    /** How soon a timed-out round is looked at again when the task limiter could not take it. */
    static final Duration EXPIRE_RETRY = Duration.ofMillis(50);

    /** Runs {@link #checkRound} for {@code l} in {@code delayNanos} (at once when not positive). */
    private void scheduleCheck(Live l, long delayNanos) {
        try {
            timers.schedule(() -> checkRound(l), Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // the server is closing: its games are closed with it, no round needs resolving
        }
    }

    /**
     * A running game's round timer, on the scheduler: when the round has timed out, hands the game to
     * the limiter to resolve it (retrying shortly when the limiter is full); otherwise waits for the
     * round's current deadline, which moves every time moves resolve a round. Reads the game without
     * its lock: a stale read at worst submits an {@link #expire} that finds nothing to do and re-arms.
     */
    private void checkRound(Live l) {
        if (l.released) {
            return;
        }
        Game g = l.game();
        if (g.status() != GameStatus.RUNNING) {
            return; // finished: the game leaves memory, its timer with it
        }
        long wait = g.roundDeadlineNanos() - ticker.read();
        if (wait > 0) {
            scheduleCheck(l, wait);
            return;
        }
        Admission a = limiter.tryExecute(() -> expire(l));
        if (a == Admission.FULL) {
            scheduleCheck(l, EXPIRE_RETRY.toNanos()); // saturated: look again shortly
        }
        // CLOSED: the server is shutting down
    }

    /** Resolves the game's round if it has timed out, then re-arms its timer while it runs. */
    private void expire(Live l) {
        if (!leaseValid.getAsBoolean()) {
            // this instance may have lost the game: a round resolved now could contradict its new owner's
            scheduleCheck(l, LEASE_RETRY.toNanos());
            return;
        }
        l.lock().lock();
        try {
            if (l.released) {
                return;
            }
            Game g = l.game();
            try {
                Game.RoundResult resolved = g.resolveIfExpired();
                if (resolved != null) {
                    timeouts.increment();
                    afterRound(l, g, resolved, true, DONE);
                }
            } catch (RuntimeException e) {
                log.warn("{}: resolving the timed-out round of game {} failed", name, g.id(), e);
            }
            if (!l.released && g.status() == GameStatus.RUNNING) {
                scheduleCheck(l, g.roundDeadlineNanos() - ticker.read());
            }
        } finally {
            l.lock().unlock();
        }
    }

    /** Nothing new to wait for: a round resolved by a timeout or a leave, whose moves were acknowledged earlier. */
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    /**
     * After a resolved round: the row's new state, the round result to the players once {@code durable}
     * (the resolving move's journal sync, which covers every earlier move) completes, and the end of a
     * finished game.
     */
    private void afterRound(
            Live l, Game g, Game.RoundResult resolved, boolean mayBlock, CompletableFuture<Void> durable) {
        // The row's status and round go through an aggregating batcher (one UPDATE per game per batch,
        // off this lock's path); if it is full, the newest state waits on the game (defer). The final
        // state goes to the finals batcher (see endGame).
        GameStore.GameState state =
                new GameStore.GameState(g.id(), g.createdAt(), g.status(), g.round(), g.playerCount(), l.epoch);
        boolean finished = g.status() == GameStatus.FINISHED;
        if (finished) {
            l.deferredState = null; // the finals row (endGame) supersedes any state still waiting for room
        } else if (l.deferredState != null) {
            l.deferredState = state; // already waiting for room: the newest replaces it, order kept
        } else if (!states.trySubmit(state).isAccepted()) {
            defer(l, state);
        }
        if (durable.isDone()) {
            acknowledge(resolved);
        } else {
            // On the journal's writer thread, right after the sync: the broadcast only encodes the result
            // once and offers it to the room's bounded send queues and bus (nothing blocks), so it costs the
            // next sync microseconds, where a hand-off to another thread cost a scheduling delay per result.
            // A failed sync still tells the players: the move is in memory and on its way to the database.
            durable.whenComplete((ok, failed) -> acknowledge(resolved));
        }
        if (finished) {
            endGame(l, g, mayBlock);
        }
    }

    /**
     * Sends a round's result, which acknowledges its moves, only while this instance's lease is known current:
     * a result whose move became durable after the lease stopped being known current (a pause, a database
     * cut) is held for the next ownership check, since another instance may have taken the game over
     * meanwhile and rebuilt the round without that move (it reaches the database later, through this
     * instance's batcher). Never blocks.
     */
    private void acknowledge(Game.RoundResult resolved) {
        if (leaseValid.getAsBoolean()) {
            events.roundResolved(resolved);
        } else {
            held.add(resolved);
            log.debug(
                    "{}: result of round {} of game {} held: lease not known current",
                    name,
                    resolved.round(),
                    resolved.gameId());
        }
    }

    /**
     * The end of a game, under its lock: its final rows are queued on the finals batcher and the game
     * stays in memory (finished: moves refused, reads served from it) until they are written, then
     * leaves it ({@link #written}). Nothing here waits for the database. Only when the batcher refuses
     * (closing, or full, which takes more finished games pending than its capacity of max-live-games)
     * are the rows written at once, as before the batcher existed.
     */
    private void endGame(Live l, Game g, boolean mayBlock) {
        CompletableFuture<Void> done = finals.trySubmitTracked(finalState(l, g));
        if (done.state() == Future.State.FAILED && done.exceptionNow() instanceof RejectedException) {
            if (mayBlock || !limiter.tryExecute(() -> finishLocking(l)).isAccepted()) {
                finish(l, g); // last resort on an event loop: the limiter is full
            }
            return;
        }
        l.finishing = true;
        finishing.incrementAndGet();
        long id = g.id();
        // once written or dead-lettered (the dead-letter handler logs it), on a virtual thread: written()
        // takes the game's lock and invalidates the list cache (Redis calls with a near cache), neither
        // of which belongs on the batcher's flusher
        done.whenCompleteAsync((ok, failure) -> written(l, id), gameEnds);
    }

    /** A finished game's final rows were written (or dead-lettered): the game leaves memory. */
    private void written(Live l, long id) {
        l.lock().lock();
        try {
            remove(id, l);
        } finally {
            l.lock().unlock();
        }
        listCache.invalidateAll(); // the list, read from the database, now shows it finished
    }

    /** Takes a game out of memory and gives its state back to the pool. Under the lock. */
    private void remove(long id, Live l) {
        if (live.remove(id, l) && l.finishing) {
            finishing.decrementAndGet();
        }
        l.release();
    }

    private static GameStore.FinalState finalState(Live l, Game g) {
        List<GameStore.PlayerRow> rows = new ArrayList<>();
        for (Game.PlayerView p : g.players()) {
            rows.add(new GameStore.PlayerRow(p.id(), p.name(), p.active() ? "active" : "left", p.score()));
        }
        return new GameStore.FinalState(g.id(), g.createdAt(), g.round(), g.playerCount(), rows, l.epoch);
    }

    /** Answers 503 {@code database_unavailable} at once while the health probe finds the database down. */
    private void requireDatabase() {
        if (!databaseUp.getAsBoolean()) {
            throw ApiException.databaseUnavailable();
        }
    }

    private void writeState(GameStore.GameState s) {
        store.updateGame(s.id(), s.createdAt(), s.status(), s.round(), s.playerCount(), s.epoch());
    }

    /**
     * The states batcher is full (the database is slow or away): the game's newest state waits on the game
     * rather than being written at once. Writing each refused state on its own (a statement and a commit
     * per round, on the task limiter) turned a database stall of a second or two into thousands of
     * single-row commits that kept the database behind for the rest of a load run (seen at 10,000 actions/s:
     * 20 connections waiting on WAL sync, 3,500-9,000 actions/s persisted, results seconds late). Waiting
     * here costs one entry per game whatever the rate; the row's state is only the newest snapshot (the
     * moves go through the actions batcher, and a restart rebuilds a game from them). Under the game's lock.
     */
    private void defer(Live l, GameStore.GameState state) {
        l.deferredState = state;
        if (deferredStates.add(l) && deferredStates.size() == 1) {
            log.warn("{}: the game-states batcher is full; game states wait on their games until it has room", name);
        }
        scheduleDrain();
    }

    private void scheduleDrain() {
        if (drainScheduled.compareAndSet(false, true)) {
            try {
                timers.schedule(this::drainDeferred, 50, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException closing) {
                drainScheduled.set(false); // shutting down: close() writes what is left
            }
        }
    }

    /** Offers the deferred states to the batcher again, each under its game's lock, until it refuses. */
    private void drainDeferred() {
        drainScheduled.set(false);
        for (Live l : deferredStates) {
            l.lock().lock();
            try {
                GameStore.GameState s = l.deferredState;
                if (s == null || l.released || l.moved) {
                    l.deferredState = null;
                    deferredStates.remove(l);
                } else if (states.trySubmit(s).isAccepted()) {
                    l.deferredState = null;
                    deferredStates.remove(l);
                } else {
                    break; // still full: later
                }
            } finally {
                l.lock().unlock();
            }
        }
        if (!deferredStates.isEmpty()) {
            scheduleDrain();
        } else {
            log.info("{}: the game-states batcher has room again; no game state waits", name);
        }
    }

    /** Games whose newest state waits for room in the states batcher (a gauge for tests and metrics). */
    int deferredStateCount() {
        return deferredStates.size();
    }

    /**
     * The end of a game when the finals batcher refused it, from the limiter: takes the lock the event
     * loop released meanwhile.
     */
    private void finishLocking(Live l) {
        l.lock().lock();
        try {
            if (!l.released) {
                finish(l, l.game());
            }
        } catch (RuntimeException e) {
            log.warn("{}: recording the end of game {} failed", name, l.game().id(), e);
        } finally {
            l.lock().unlock();
        }
    }

    /**
     * Writes a finished game's row and players now (the finals batcher refused them), then takes it out
     * of memory. Under the lock.
     */
    private void finish(Live l, Game g) {
        long id = g.id();
        try {
            store.writeFinals(List.of(finalState(l, g)));
        } finally {
            remove(id, l);
            listCache.invalidateAll();
        }
    }

    private static int score(Game g, long playerId) {
        for (Game.PlayerView p : g.players()) {
            if (p.id() == playerId) {
                return p.score();
            }
        }
        return 0;
    }

    private Live hosted(long gameId) {
        Live l = live.get(gameId);
        if (l != null) {
            return l;
        }
        requireDatabase();
        GameStore.GameRow row = store.findGame(gameId);
        if (row == null) {
            throw ApiException.notFound("unknown_game", "no game with id " + gameId);
        }
        if (row.status().isOver()) {
            throw ended(gameId, row.status());
        }
        String host = row.host();
        if (name.equals(host)) {
            // claimed by this instance a moment ago, being rebuilt from the database
            throw new ApiException(503, "game_moving", "game " + gameId + " is being taken over here; retry shortly");
        }
        throw ApiException.conflict(
                "game_on_other_instance",
                "game " + gameId + " is hosted by "
                        + (host == null ? "another server instance" : "instance '" + host + "'") + ", not by '" + name
                        + "'");
    }

    /** The game of a live entry, or 409 when it ended (and went back to the pool) meanwhile. */
    private static Game alive(Live l, long gameId) {
        if (l.moved) {
            throw moved(gameId);
        }
        if (l.released) {
            throw ended(gameId, Objects.requireNonNullElse(l.endedAs, GameStatus.FINISHED));
        }
        if (l.game().status() == GameStatus.FINISHED) {
            throw ended(gameId, GameStatus.FINISHED);
        }
        return l.game();
    }

    /** The 409 of a game this instance hosted until another instance claimed it. */
    static ApiException moved(long gameId) {
        return ApiException.conflict(
                "game_moved", "game " + gameId + " is now hosted by another instance; retry (any instance forwards)");
    }

    /** The 409 for a game that is over: {@code game_finished}, {@code game_expired} or {@code game_aborted}. */
    static ApiException ended(long gameId, GameStatus status) {
        return switch (status) {
            case EXPIRED ->
                ApiException.conflict(
                        "game_expired",
                        "game " + gameId + " expired: it was still waiting for players when its time ran out");
            case ABORTED ->
                ApiException.conflict(
                        "game_aborted",
                        "game " + gameId
                                + " was aborted: its server restarted and could not carry it on, or an operator"
                                + " ended it");
            default -> ApiException.conflict("game_finished", "game " + gameId + " is finished");
        };
    }

    private static GameView view(GameStore.GameRow r, @Nullable List<PlayerItem> players) {
        return new GameView(
                r.id(),
                r.status().wireName(),
                r.maxPlayers(),
                r.rounds(),
                r.roundTimeoutMs(),
                r.round(),
                r.playerCount(),
                r.createdAt().toString(),
                players);
    }

    // ---- waiting games expire ----

    /** How soon a failed write of an expired game's end is tried again. */
    static final Duration END_RETRY = Duration.ofSeconds(5);

    /** Runs {@link #checkExpiry} for the waiting game {@code l} in {@code delayNanos}. */
    private void scheduleExpiry(Live l, long delayNanos) {
        try {
            l.expiry = timers.schedule(() -> checkExpiry(l), Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // the server is closing: its games are closed with it
        }
    }

    /**
     * A waiting game's expiry, on the scheduler: hands the game to the limiter to end it (the row is
     * written there, not on the scheduler's thread), retrying shortly when the limiter is full. Reads
     * the game without its lock: a stale read at worst submits an {@link #expireWaiting} that finds it running.
     */
    private void checkExpiry(Live l) {
        if (l.released || l.game().status() != GameStatus.WAITING) {
            return;
        }
        Admission a = limiter.tryExecute(() -> expireWaiting(l));
        if (a == Admission.FULL) {
            scheduleExpiry(l, EXPIRE_RETRY.toNanos());
        }
        // CLOSED: the server is shutting down
    }

    /**
     * Ends a game that is still waiting as expired: writes the row, takes the game out of memory and
     * tells its players. When the write fails the game stays waiting and the expiry is tried again in
     * {@link #END_RETRY} (logged once when such writes start failing, and once when they work again).
     *
     * @return whether the game expired now
     */
    private boolean expireWaiting(Live l) {
        l.lock().lock();
        try {
            Game g = l.game();
            if (l.released || g.status() != GameStatus.WAITING) {
                return false;
            }
            try {
                if (!store.endGame(g.id(), g.createdAt(), GameStatus.EXPIRED, l.epoch)) {
                    lostLocked(l, g.id()); // another instance claimed it: not ours to expire
                    return false;
                }
            } catch (RuntimeException e) {
                if (endWritesFailing.compareAndSet(false, true)) {
                    log.warn(
                            "{}: ending an expired waiting game (game {}) failed; such games stay waiting and are"
                                    + " retried every {}: {}",
                            name,
                            g.id(),
                            END_RETRY,
                            e.toString());
                }
                scheduleExpiry(l, END_RETRY.toNanos());
                return false;
            }
            if (endWritesFailing.compareAndSet(true, false)) {
                log.info("{}: ending expired waiting games works again", name);
            }
            long id = g.id();
            l.endedAs = GameStatus.EXPIRED;
            live.remove(id, l);
            l.release();
            listCache.invalidateAll();
            events.gameEnded(
                    id,
                    GameStatus.EXPIRED,
                    "nobody took the last seat within " + waitingGameTtl + "; the game expired");
            return true;
        } finally {
            l.lock().unlock();
        }
    }

    // ---- recovery at start ----

    /**
     * Rebuilds, at start and before any traffic, the waiting and running games the database says this
     * instance hosts: for each, its row, its players (in join order, with the round each left in) and
     * its persisted moves are replayed through {@link Game#restore}; the game is registered as live,
     * the row catches up with the replay, and its timer is re-armed: a running game's open round gets
     * a fresh full round timeout, a waiting game expires {@code waitingGameTtl} after its creation.
     * Ended instead: a waiting game already older than that ({@code expired}); a game whose replay
     * ends it (its final state is written, as {@code finished}); and, as {@code aborted}, a game whose
     * records are inconsistent (the replay refuses them) or for which there is no slot left under
     * {@code maxLiveGames}. Logs one line with the counts and the reasons of the aborts.
     *
     * <p>A database failure here propagates (the server does not start, and a later start recovers
     * again): a transient outage must not abort games.
     *
     * @return the counts
     */
    Recovery recover() {
        long start = System.nanoTime();
        int running = 0;
        int waiting = 0;
        int finished = 0;
        int expired = 0;
        int aborted = 0;
        Map<String, Integer> counts = new LinkedHashMap<>();
        Map<String, String> examples = new LinkedHashMap<>();
        for (GameStore.GameRow found : store.liveGamesOf(name)) {
            // a claim, as a takeover makes one: a previous process of this name that is somehow still
            // writing is fenced off, and an instance taking the game over at the same time cannot both win
            GameStore.GameRow row = store.claim(found.id(), name, found.epoch());
            if (row == null) {
                continue; // another instance took it over meanwhile
            }
            Recovered r = recoverOne(row);
            switch (r.status()) {
                case RUNNING -> running++;
                case WAITING -> waiting++;
                case FINISHED -> finished++;
                case EXPIRED -> expired++;
                case ABORTED -> {
                    aborted++;
                    counts.merge(r.reason(), 1, Integer::sum);
                    examples.putIfAbsent(r.reason(), r.detail());
                }
            }
        }
        Map<String, String> reasons = new LinkedHashMap<>();
        StringBuilder summary = new StringBuilder();
        for (Map.Entry<String, Integer> e : counts.entrySet()) {
            String example = examples.get(e.getKey());
            reasons.put(e.getKey(), e.getValue() + ", e.g. " + example);
            summary.append(summary.isEmpty() ? " (" : "; ")
                    .append(e.getKey())
                    .append(": ")
                    .append(e.getValue())
                    .append(", e.g. ")
                    .append(example);
        }
        if (!summary.isEmpty()) {
            summary.append(')');
        }
        if (!counts.isEmpty()) {
            listCache.invalidateAll();
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        if (running + waiting + finished + expired + aborted == 0) {
            log.info("{}: recovery: no waiting or running game of this instance in the database ({} ms)", name, ms);
            return new Recovery(0, 0, 0, 0, 0, Map.of());
        }
        String line =
                "{}: recovery: recovered {} games ({} running, {} waiting); {} finished in the replay (final state"
                        + " written), {} expired, aborted {}{}; in {} ms";
        Object[] args = {name, running + waiting, running, waiting, finished, expired, aborted, summary, ms};
        if (aborted > 0) {
            log.warn(line, args);
        } else {
            log.info(line, args);
        }
        return new Recovery(running, waiting, finished, expired, aborted, reasons);
    }

    /** How one game came back: its status, and for an abort the reason (a category) and the detail. */
    private record Recovered(GameStatus status, String reason, String detail, Game.@Nullable RoundResult last) {
        static final Recovered RUNNING = new Recovered(GameStatus.RUNNING, "", "", null);
        static final Recovered WAITING = new Recovered(GameStatus.WAITING, "", "", null);
        static final Recovered EXPIRED = new Recovered(GameStatus.EXPIRED, "", "", null);
    }

    /** Recovers one game. */
    private Recovered recoverOne(GameStore.GameRow row) {
        long id = row.id();
        Game.Settings settings;
        try {
            settings = new Game.Settings(row.maxPlayers(), row.rounds(), Duration.ofMillis(row.roundTimeoutMs()));
        } catch (IllegalArgumentException e) {
            return abort(row, "inconsistent records", "game " + id + ": " + e.getMessage());
        }
        Duration age = Duration.between(row.createdAt(), Instant.now());
        if (row.status() == GameStatus.WAITING && age.compareTo(waitingGameTtl) >= 0) {
            store.endGame(id, row.createdAt(), GameStatus.EXPIRED, row.epoch());
            return Recovered.EXPIRED;
        }
        Game.Persisted persisted;
        try {
            persisted = persisted(row, store.seats(id), store.actions(id));
        } catch (IllegalArgumentException e) {
            return abort(row, "inconsistent records", e.getMessage());
        }
        if (!slots.tryAcquire()) {
            return abort(row, "max-live-games reached", "game " + id + " found all " + maxLiveGames + " slots taken");
        }
        Live l = new Live(games.claim(), slots);
        l.epoch = row.epoch();
        l.lock().lock();
        try {
            Game g = l.game();
            try {
                g.restore(id, row.createdAt(), settings, persisted);
            } catch (RuntimeException e) {
                l.release();
                return abort(row, "inconsistent records", Objects.requireNonNullElse(e.getMessage(), e.toString()));
            }
            if (g.status() == GameStatus.FINISHED) {
                Game.RoundResult last = g.lastResult();
                finish(l, g); // the end the crash did not let it write
                return new Recovered(GameStatus.FINISHED, "", "", last);
            }
            store.updateGame(id, g.createdAt(), g.status(), g.round(), g.playerCount(), l.epoch); // the row catches up
            live.put(id, l);
            if (g.status() == GameStatus.RUNNING) {
                scheduleCheck(l, g.roundDeadlineNanos() - ticker.read());
            } else {
                scheduleExpiry(l, waitingGameTtl.minus(age).toNanos());
            }
            return g.status() == GameStatus.RUNNING ? Recovered.RUNNING : Recovered.WAITING;
        } catch (RuntimeException e) {
            live.remove(id, l);
            l.release(); // idempotent
            throw e;
        } finally {
            l.lock().unlock();
        }
    }

    private Recovered abort(GameStore.GameRow row, String reason, String detail) {
        store.endGame(row.id(), row.createdAt(), GameStatus.ABORTED, row.epoch());
        log.debug("{}: game {} aborted at recovery: {}", name, row.id(), detail);
        return new Recovered(GameStatus.ABORTED, reason, detail, null);
    }

    /** A game's records as {@link Game#restore} takes them; refuses seat rows that contradict themselves. */
    static Game.Persisted persisted(
            GameStore.GameRow row, List<GameStore.SeatRow> seatRows, List<GameStore.ActionRow> actions) {
        List<Game.Seat> seats = new ArrayList<>(seatRows.size());
        for (GameStore.SeatRow p : seatRows) {
            boolean left = p.status().equals("left");
            if (left != (p.leftRound() > 0)) {
                throw new IllegalArgumentException("game " + row.id() + " cannot be restored: player " + p.id()
                        + " has status '" + p.status() + "' and left_round " + p.leftRound());
            }
            seats.add(new Game.Seat(p.id(), p.name(), p.leftRound()));
        }
        List<Game.PastMove> moves = new ArrayList<>(actions.size());
        for (GameStore.ActionRow a : actions) {
            Move m = Move.parse(a.move());
            if (m == null) {
                throw new IllegalArgumentException("game " + row.id() + " cannot be restored: player " + a.playerId()
                        + " played '" + a.move() + "' in round " + a.round());
            }
            moves.add(new Game.PastMove(a.playerId(), a.round(), m));
        }
        return new Game.Persisted(row.status(), row.round(), seats, moves);
    }

    // ---- ownership: takeover and loss ----

    /**
     * Takes over a game whose owner's lease lapsed: claims it (epoch + 1, atomically: of several instances
     * trying, one wins), rebuilds it from its rows and persisted moves exactly as {@link #recover()} does
     * at a restart, and tells its room who hosts it now. A game that cannot be rebuilt is ended as aborted
     * and its players are told why.
     *
     * @return the game's status here after the takeover, or null when another instance claimed it first
     */
    @Nullable
    GameStatus takeOver(GameStore.Orphan orphan) {
        GameStore.GameRow row = store.claim(orphan.id(), orphan.host(), orphan.epoch());
        if (row == null) {
            return null;
        }
        takenOver.increment();
        Recovered r;
        try {
            r = recoverOne(row);
        } catch (RuntimeException e) {
            // claimed but not rebuilt (the database failed meanwhile): no other instance will take it (its
            // owner's lease, this one's, is current), so this one tries again at its next ownership tick
            rebuildRetry.put(row.id(), new GameStore.Orphan(row.id(), name, row.epoch()));
            throw e;
        }
        listCache.invalidateAll();
        switch (r.status()) {
            case RUNNING, WAITING -> {
                Live l = live.get(row.id());
                if (l != null) {
                    l.lock().lock();
                    try {
                        if (!l.released) {
                            events.tookOver(
                                    row.id(),
                                    l.game().status().wireName(),
                                    l.game().round(),
                                    resendable(l.game().lastResult()));
                        }
                    } finally {
                        l.lock().unlock();
                    }
                }
            }
            case ABORTED -> {
                log.warn(
                        "{}: game {} of lapsed owner '{}' could not be taken over and was aborted: {}",
                        name,
                        row.id(),
                        orphan.host(),
                        r.detail());
                events.gameEnded(
                        row.id(), GameStatus.ABORTED, "its host stopped and it could not be taken over: " + r.detail());
            }
            case EXPIRED ->
                events.gameEnded(
                        row.id(),
                        GameStatus.EXPIRED,
                        "nobody took the last seat within " + waitingGameTtl + "; the game expired");
            default -> {
                // FINISHED: the replay ended it and its final state is written; its last result may never have
                // gone out (the old host died between the last move's sync and the broadcast)
                Game.RoundResult last = resendable(r.last());
                if (last != null) {
                    events.tookOver(row.id(), GameStatus.FINISHED.wireName(), last.round(), last);
                }
            }
        }
        log.info(
                "{}: took over game {} from '{}' (epoch {}): {}",
                name,
                row.id(),
                orphan.host(),
                row.epoch(),
                r.status().wireName());
        return r.status();
    }

    /**
     * The rebuilt last result if it is the one the old host sent (or would have): a round resolved by every
     * active player's move gives the same result from the same moves. A round the rebuild resolved as timed
     * out may not be: the old host may have resolved it with moves that had not reached the database yet
     * (they are written later, and the rebuilt game does not count them), so that result is not sent.
     */
    private static Game.@Nullable RoundResult resendable(Game.@Nullable RoundResult last) {
        return last == null || last.timedOut() ? null : last;
    }

    /**
     * Drops the games this instance holds that the database says it no longer owns (another instance
     * claimed them: this one's lease lapsed, a pause say): each leaves memory without any write, and its
     * sessions here are told to reconnect. Finished games waiting for their final write are left alone
     * (their fenced write decides). Then the round results held while the lease was not known current go out
     * for the games still this instance's at their epoch; the others' are dropped ({@link #withheldResults}).
     *
     * @param owned the (id, epoch) of every waiting or running game the database says this instance owns,
     *     read after {@code snapshot} was taken
     * @param snapshot the ids of the games in memory before {@code owned} was read
     * @return how many games were dropped
     */
    int dropLost(java.util.Set<Long> snapshot, Map<Long, Long> owned) {
        int dropped = 0;
        for (Long id : snapshot) {
            Live l = live.get(id);
            if (l == null) {
                continue;
            }
            l.lock().lock();
            try {
                if (l.released || l.finishing || live.get(id) != l) {
                    continue;
                }
                Long epoch = owned.get(id);
                if (epoch != null && epoch == l.epoch) {
                    continue;
                }
                lostLocked(l, id);
                dropped++;
            } finally {
                l.lock().unlock();
            }
        }
        // the results held while the lease was not known current: sent for the games still this instance's
        for (Game.RoundResult r; (r = held.poll()) != null; ) {
            Live l = live.get(r.gameId());
            Long epoch = owned.get(r.gameId());
            if (l != null && !l.released && epoch != null && epoch == l.epoch) {
                log.debug("{}: held result of round {} of game {} sent", name, r.round(), r.gameId());
                events.roundResolved(r);
            } else {
                withheld.increment();
                log.debug(
                        "{}: the result of round {} of game {} is not sent: the game is no longer this instance's",
                        name,
                        r.round(),
                        r.gameId());
            }
        }
        return dropped;
    }

    /** Round results never sent because the game was taken over before this instance's lease was confirmed. */
    long withheldResults() {
        return withheld.sum();
    }

    /** Round results held until the next ownership check (see {@link #acknowledge}). */
    int heldResults() {
        return held.size();
    }

    /** Claims and rebuilds again the games whose rebuild after a claim failed; answers how many are left. */
    int retryRebuilds() {
        for (GameStore.Orphan o : List.copyOf(rebuildRetry.values())) {
            rebuildRetry.remove(o.id(), o);
            takeOver(o); // puts it back when it fails again
        }
        return rebuildRetry.size();
    }

    /** Whether a game could be taken over here now (a slot is free under max-live-games). */
    boolean hasFreeSlot() {
        return slots.availablePermits() > 0;
    }

    /**
     * The instance that owns a waiting or running game, from the database, or null when it is over, unknown,
     * or its owner's lease lapsed (a takeover is due). Blocks on the database.
     */
    @Nullable
    String ownerOf(long gameId) {
        GameStore.Owner o = store.ownerOf(gameId);
        return o == null || !o.leased() ? null : o.name();
    }

    /** The ids of the games in memory now. */
    java.util.Set<Long> hostedIds() {
        return java.util.Set.copyOf(live.keySet());
    }

    /** Drops a game another instance claimed, under its lock, and answers the 409 to give the caller. */
    private ApiException lostLocked(Live l, long gameId) {
        if (!l.released) {
            l.moved = true;
            remove(gameId, l);
            lostGames.increment();
            log.warn(
                    "{}: game {} is owned by another instance now (epoch {} is stale): dropped here",
                    name,
                    gameId,
                    l.epoch);
            events.lost(gameId);
        }
        return moved(gameId);
    }

    long takenOver() {
        return takenOver.sum();
    }

    long lostGames() {
        return lostGames.sum();
    }

    /** Whether this instance hosts the game (it is waiting or running here). */
    boolean hosts(long gameId) {
        Live l = live.get(gameId);
        return l != null && !l.released;
    }

    /** Waiting and running games hosted here (finished games waiting for their final write left out). */
    int liveGames() {
        return Math.max(0, live.size() - finishing.get());
    }

    long timeouts() {
        return timeouts.sum();
    }

    /** The pool of game objects, for its metrics binder. */
    ObjectPool<Game> gamePool() {
        return games;
    }

    @Override
    public void close() {
        for (Map.Entry<Long, Live> e : live.entrySet()) {
            Live l = e.getValue();
            l.lock().lock();
            try {
                GameStore.GameState s = l.deferredState;
                if (s != null && !l.released && !l.moved) {
                    l.deferredState = null;
                    try {
                        writeState(s); // at shutdown, without load: the last states the batcher had no room for
                    } catch (RuntimeException failed) {
                        log.warn("{}: game {}'s last state was not written: {}", name, s.id(), failed.toString());
                    }
                }
                if (live.get(e.getKey()) == l) {
                    remove(e.getKey(), l);
                }
            } finally {
                l.lock().unlock();
            }
        }
        games.close();
    }
}

package io.hal9.examples.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hal9.cache.Cache;
import io.hal9.cache.LocalCache;
import io.hal9.core.Admission;
import io.hal9.core.TaskLimiter;
import io.hal9.examples.game.Game;
import io.hal9.examples.game.GameStatus;
import io.hal9.examples.game.Move;
import io.hal9.ws.Codecs;
import io.hal9.ws.HandshakeDecision;
import io.hal9.ws.MessageCodec;
import io.hal9.ws.Room;
import io.hal9.ws.RoomBus;
import io.hal9.ws.Session;
import io.hal9.ws.WsHandler;
import io.hal9.ws.WsServer;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * WebSocket gameplay through hal9-ws: {@code /ws?token=...} (optionally {@code &game=ID}) checks the
 * player token at the handshake (401 for a forged, malformed or expired token, 403 for a token of
 * another game), joins the session to its game's room, takes moves, and sends round results to the
 * room (encoded once, fanned out to local sessions, carried to other instances by the room bus).
 * The JSON protocol is in examples/README.md.
 *
 * <p>A move for a game hosted here is applied on the WebSocket event loop when the game's lock is
 * free (that path never blocks: it only offers to the batchers); otherwise, and for leaves and
 * welcomes, the work runs on the {@link TaskLimiter} (the event loop must not block on the game
 * lock or the database). A move for a game another instance hosts is forwarded through the {@link
 * MoveForwarder} when Redis is configured, else refused. With Redis, the rooms' broadcasts travel on
 * hal9-ws's {@link io.hal9.ws.RedisRoomBus}, and "welcome" is sent once the room's subscription is
 * confirmed ({@link Room#subscribed()}).
 *
 * <p>Limits: those of the WebSocket server (connections, connections per client address, frame size,
 * send queue, inbound rate; see {@link WsServer}); a move arriving while the task limiter is full is
 * answered with an {@code overloaded} error frame and not played. One live session per player on this
 * instance: a new connection with a player's token replaces that player's session, which is closed with
 * {@link #REPLACED} (4001) and reason {@value #REPLACED_REASON} (so that one token cannot hold many
 * sessions, and a player whose old connection is half-open can come back at once).
 *
 * <p>Thread safety: safe for concurrent use.
 */
final class WsGateway implements GameEvents, AutoCloseable {
    /*
     * Design / Concurrency / Invariants: a game's room is hal9-ws's room "game:<id>": open on this
     * instance while one of its players is connected here (hal9-ws reclaims it when the last one leaves),
     * and a broadcast to it reaches the players on every instance through the room bus, open here or not
     * (so a game hosted here whose players are all elsewhere needs no room of its own). The handler
     * reaches the server and its rooms through the session. sessions maps session ids to open sessions,
     * for refusals coming back from the host of a forwarded move. The game service is built first and
     * tells the gateway what happens through the server's GameEventHub, to which the gateway subscribes.
     */
    private static final Logger log = LoggerFactory.getLogger(WsGateway.class);
    /** Buffers shared across threads: requests run on short-lived virtual threads (see JacksonCodec in hal9-ws). */
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool())
            .build());

    static final String GAME = "gameId";
    static final String PLAYER = "playerId";
    /** The close code of a session replaced by a newer connection of the same player (HAL9's 4000 range). */
    static final int REPLACED = 4001;
    /** The close reason that goes with {@link #REPLACED}. */
    static final String REPLACED_REASON = "replaced: this player connected again";
    /** The close code of a session whose game another instance took over from this one: reconnect anywhere. */
    static final int MOVED = 4002;
    /** The close reason that goes with {@link #MOVED}. */
    static final String MOVED_REASON = "moved: the game is hosted by another instance now; reconnect";

    /** The close code of a session an operator disconnected from the admin console: the client may reconnect. */
    static final int DISCONNECTED = 4003;
    /** The close reason that goes with {@link #DISCONNECTED}. */
    static final String DISCONNECTED_REASON = "disconnected by an operator; reconnect to play on";

    /** An owner looked up in the database, remembered until {@code expires} (System.nanoTime()). */
    private record CachedOwner(String name, long expires) {}

    /**
     * The owner of games other instances host, for forwarded moves; at most OWNER_CACHE_MAX entries, each
     * for at most OWNER_TTL. An entry goes earlier when it proves wrong: nobody listens on that owner's
     * channel (it is gone), or the owner answers that it does not host the game (taken over).
     */
    private final Map<Long, CachedOwner> owners = new ConcurrentHashMap<>();

    private static final int OWNER_CACHE_MAX = 100_000;
    private static final long OWNER_TTL_NANOS = Duration.ofSeconds(60).toNanos();

    private final String name;
    private final String instanceId;
    private final PlayerTokens tokens;
    private final TaskLimiter limiter;
    private final @Nullable MoveForwarder forwarder;
    private final WsServer<JsonNode> server;
    private final Map<Long, Session<JsonNode>> sessions = new ConcurrentHashMap<>();
    /** The live session of each player connected here: one per player, the latest. */
    private final Map<PlayerKey, Session<JsonNode>> players = new ConcurrentHashMap<>();

    private final GameService games;

    /** The last two results of each game hosted here lately, for players who missed one (see {@link #resend}). */
    private final Cache<Long, Recent> recent;
    /** When this instance last asked a game's owner to send its results again (System.nanoTime()). */
    private final Map<Long, Long> resendAsked = new ConcurrentHashMap<>();

    private static final long RESEND_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    /**
     * How long an ask waits for the owner's answer before it is made again, and how many times: the ask or the
     * answer crosses Redis, and right after this instance's connection to Redis came back the answer may reach
     * Redis before this instance's reply channel is subscribed again (nobody listening: the answer is lost).
     */
    private static final long RESEND_ANSWER_WAIT_MILLIS = 1_000;

    private static final int RESEND_TRIES = 5;
    /** Games whose results were asked for and not answered yet: the tries made so far. */
    private final Map<Long, Integer> resendUnanswered = new ConcurrentHashMap<>();

    private static final int RESEND_ASKED_MAX = 100_000;

    private final LongAdder resendRequested = new LongAdder();
    private final LongAdder resendServed = new LongAdder();
    private final LongAdder resultsResent = new LongAdder();

    /** A game's last result and the one before it (null before round 2), as sent. */
    private record Recent(@Nullable ObjectNode previous, ObjectNode last) {
        /** The results, oldest first. */
        List<ObjectNode> results() {
            return previous == null ? List.of(last) : List.of(previous, last);
        }
    }

    WsGateway(
            String name,
            String instanceId,
            ServerConfig config,
            GameService games,
            PlayerTokens tokens,
            TaskLimiter limiter,
            @Nullable RoomBus bus,
            @Nullable MoveForwarder forwarder) {
        this.name = name;
        this.games = Objects.requireNonNull(games, "games");
        this.instanceId = instanceId;
        this.tokens = tokens;
        this.limiter = limiter;
        this.forwarder = forwarder;
        MessageCodec<JsonNode> codec =
                config.wsCodec().equals("msgpack") ? Codecs.messagePack(JsonNode.class) : Codecs.json(JsonNode.class);
        WsServer.Builder<JsonNode> b = WsServer.builder(name + "-ws", codec, new Handler())
                .host(config.host())
                .port(config.wsPort())
                .path("/ws")
                .maxConnections(config.wsMaxConnections())
                .maxConnectionsPerIp(config.wsMaxConnectionsPerAddress())
                .instanceId(instanceId)
                .closeTimeout(Duration.ofSeconds(5))
                .authenticator(req -> CompletableFuture.completedFuture(
                        authenticate(req.queryParameter("token"), req.queryParameter("game"))));
        if (config.wsThreads() > 0) {
            b.eventLoopThreads(config.wsThreads());
        }
        if (bus != null) {
            b.roomBus(bus);
        }
        this.server = b.build();
        // a game's last results for as long as a player may still be waiting on one: the longest round plus the
        // finished games' last minutes; bounded by twice the live games (each live game has one entry)
        this.recent = LocalCache.<Long, Recent>builder(name + "-recent-results")
                .maximumSize(Math.max(1_000L, 2L * config.maxLiveGames()))
                .expireAfterWrite(Duration.ofMinutes(10))
                .build();
        if (forwarder != null) {
            forwarder.onMove(this::onForwardedMove);
            forwarder.onReply(this::onReply);
        }
    }

    void start() {
        server.start();
    }

    int port() {
        return server.port();
    }

    /** The handshake's decision for a token (and the game the client names, if any). */
    HandshakeDecision authenticate(@Nullable String token, @Nullable String game) {
        if (token == null || token.isEmpty()) {
            return HandshakeDecision.reject(401, "missing token: connect to /ws?token=<player token>");
        }
        long gameId;
        if (game != null && !game.isEmpty()) {
            try {
                gameId = Long.parseLong(game);
            } catch (NumberFormatException e) {
                return HandshakeDecision.reject(400, "game must be a game id");
            }
        } else {
            int dot = token.indexOf('.');
            try {
                gameId = Long.parseLong(dot < 0 ? token : token.substring(0, dot));
            } catch (NumberFormatException e) {
                return HandshakeDecision.reject(401, "invalid token");
            }
        }
        PlayerTokens.Verification v = tokens.verify(token, gameId);
        return switch (v.status()) {
            case VALID -> HandshakeDecision.accept(Map.of(GAME, gameId, PLAYER, v.playerId()));
            case EXPIRED -> HandshakeDecision.reject(401, "token expired");
            case OTHER_GAME -> HandshakeDecision.reject(403, "token for another game");
            case MALFORMED, FORGED -> HandshakeDecision.reject(401, "invalid token");
        };
    }

    /** The room of a game: its players on every instance, through the room bus. */
    private Room<JsonNode> room(long gameId) {
        return room(server, gameId);
    }

    private static Room<JsonNode> room(WsServer<JsonNode> server, long gameId) {
        return server.room("game:" + gameId);
    }

    // ---- GameEvents: ownership changes ----

    /**
     * Tells the game's room (every instance, through the room bus) that this instance hosts it now, and sends
     * the last round's result again, marked {@code "resent": true}: the old host may have died before it went
     * out.
     */
    @Override
    public void tookOver(long gameId, String status, int round, Game.@Nullable RoundResult last) {
        owners.remove(gameId);
        Room<JsonNode> room = room(gameId);
        if (!status.equals(GameStatus.FINISHED.wireName())) {
            room.broadcast(JSON.createObjectNode()
                    .put("type", "host")
                    .put("gameId", gameId)
                    .put("instance", name)
                    .put("status", status)
                    .put("round", round));
        }
        if (last != null) {
            ObjectNode m = resultMessage(last);
            remember(gameId, m);
            room.broadcast(resent(m));
            resultsResent.increment();
        }
    }

    /** Closes this instance's sessions of the game with {@link #MOVED}: they reconnect, to any instance. */
    @Override
    public void lost(long gameId) {
        owners.remove(gameId);
        for (Map.Entry<PlayerKey, Session<JsonNode>> e : players.entrySet()) {
            if (e.getKey().gameId() == gameId) {
                e.getValue().close(MOVED, MOVED_REASON);
            }
        }
    }

    // ---- GameEvents: called by the host under the game's lock; broadcasting never blocks ----

    @Override
    public void gameStarted(long gameId, List<Game.PlayerView> players) {
        ObjectNode m = JSON.createObjectNode()
                .put("type", "started")
                .put("gameId", gameId)
                .put("round", 1);
        m.set("players", JSON.valueToTree(players));
        room(gameId).broadcast(m);
    }

    @Override
    public void roundResolved(Game.RoundResult result) {
        ObjectNode m = resultMessage(result);
        remember(result.gameId(), m);
        room(result.gameId()).broadcast(m);
    }

    // ---- results a player missed: sent again ----

    /** Keeps a game's result for {@link #resend} (called under the game's lock, so in the game's order). */
    private void remember(long gameId, ObjectNode result) {
        Recent r = recent.getIfPresent(gameId);
        int round = result.path("round").asInt();
        if (r != null && r.last().path("round").asInt() == round) {
            return; // the same round again (a takeover's resend)
        }
        recent.put(gameId, new Recent(r == null ? null : r.last(), result));
    }

    /** A copy of a result marked as sent again, so that a client can tell (and ignore a round it has). */
    private static ObjectNode resent(ObjectNode result) {
        return result.deepCopy().put("resent", true);
    }

    /**
     * Broadcasts of the game's room from other instances may not have reached the players connected here (the
     * room bus saw a gap, or its subscription was lost and taken up again; or a player was welcomed before the
     * room's subscription was confirmed): asks the game's owner to send its last two results again, at most
     * once per game every 200 ms. The owner answers on this instance's reply channel ({@link #onReply}), and
     * the results go to the players here only, marked {@code "resent": true}. Never blocks: the owner lookup
     * runs on the task limiter.
     */
    private void askResend(long gameId) {
        askResend(gameId, 1);
    }

    private void askResend(long gameId, int attempt) {
        MoveForwarder f = forwarder;
        if (f == null) {
            return; // one instance (or no Redis): nothing travels between instances, nothing is missed
        }
        long now = System.nanoTime();
        Long asked = resendAsked.get(gameId);
        if (attempt == 1 && asked != null && now - asked < RESEND_INTERVAL_NANOS) {
            return;
        }
        if (resendAsked.size() >= RESEND_ASKED_MAX) {
            resendAsked.clear();
        }
        resendAsked.put(gameId, now);
        limiter.tryExecute(() -> {
            GameService g = games;
            if (g.hosts(gameId)) {
                return; // hosted here: its results went to the players here without the bus
            }
            String owner = owner(gameId);
            if (owner == null) {
                return; // over and forgotten, or no owner now: a takeover sends the last result to the room
            }
            resendRequested.increment();
            log.debug("{}: asking {} to resend game {}", name, owner, gameId);
            ObjectNode ask = JSON.createObjectNode()
                    .put("type", "resend")
                    .put("gameId", gameId)
                    .put("origin", instanceId);
            resendUnanswered.put(gameId, attempt);
            f.forwardMove(owner, bytes(ask), () -> owners.remove(gameId));
            if (attempt < RESEND_TRIES) {
                CompletableFuture.delayedExecutor(RESEND_ANSWER_WAIT_MILLIS, TimeUnit.MILLISECONDS)
                        .execute(() -> {
                            if (resendUnanswered.remove(gameId, attempt)) {
                                log.debug("{}: no answer to the resend of game {} yet; asking again", name, gameId);
                                askResend(gameId, attempt + 1);
                            }
                        });
            } else {
                resendUnanswered.remove(gameId, attempt);
            }
        });
    }

    /**
     * A client's {@code sync}: it suspects it missed a result (none came in time, or the server said its round
     * is over). The game's last two results go to it again, marked {@code "resent": true}: those this instance
     * sent as the game's host (kept ten minutes, also after the game ended), and, when another instance hosts
     * the game now, those the owner answers (to every player of the game connected here, as after a gap of
     * the room bus). Never blocks.
     */
    private void sync(Session<JsonNode> s, long gameId) {
        Recent r = recent.getIfPresent(gameId);
        if (r != null) { // results this instance sent as the game's host (now or before a takeover)
            for (ObjectNode result : r.results()) {
                s.trySend(resent(result));
            }
            resultsResent.add(r.results().size());
            if (r.last().path("nextRound").asInt() == 0 || games.hosts(gameId)) {
                return; // the game's last result, or this instance's latest: nothing newer anywhere
            }
        }
        askResend(gameId); // another instance hosts it (now): its results come as after a gap of the room bus
    }

    /** On the owner: answers a {@link #askResend} with the game's last results, if it still has them. */
    private void onResendAsked(long gameId, String origin) {
        MoveForwarder f = forwarder;
        Recent r = recent.getIfPresent(gameId);
        if (f == null || r == null) {
            return;
        }
        ObjectNode answer = JSON.createObjectNode().put("type", "resend").put("gameId", gameId);
        ArrayNode results = answer.putArray("results");
        r.results().forEach(results::add);
        resendServed.add(results.size());
        log.debug("{}: resending game {} rounds {} to {}", name, gameId, results.findValuesAsText("round"), origin);
        f.reply(origin, bytes(answer));
    }

    /** On the asking instance: sends the owner's answer to the game's players connected here. */
    private void onResendAnswer(JsonNode answer) {
        long gameId = answer.path("gameId").asLong();
        resendUnanswered.remove(gameId);
        Room<JsonNode> room = room(gameId);
        for (JsonNode result : answer.path("results")) {
            if (result instanceof ObjectNode o) {
                resultsResent.add(room.broadcastLocal(resent(o)));
            }
        }
    }

    /** Results this instance asked owners to send again (one ask per game, covering its last two results). */
    long resendRequested() {
        return resendRequested.sum();
    }

    /** Results this instance sent back to other instances that asked for them. */
    long resendServed() {
        return resendServed.sum();
    }

    /** Results sent again to players (each player counted): after a takeover, or here after an ask. */
    long resultsResent() {
        return resultsResent.sum();
    }

    @Override
    public void gameEnded(long gameId, GameStatus status, String detail) {
        ObjectNode m = JSON.createObjectNode()
                .put("type", "ended")
                .put("gameId", gameId)
                .put("status", status.wireName())
                .put("detail", detail);
        room(gameId).broadcast(m); // through the room (and its bus), so that players on every instance hear it
    }

    /**
     * The room's "result" message, built field by field (the same fields and order as HTTP's round
     * JSON, after "type"): once per round, so no bean introspection or tree copy.
     */
    static ObjectNode resultMessage(Game.RoundResult r) {
        ObjectNode out = JSON.createObjectNode()
                .put("type", "result")
                .put("gameId", r.gameId())
                .put("round", r.round())
                .put("timedOut", r.timedOut());
        ArrayNode players = out.putArray("players");
        for (Game.PlayerResult p : r.players()) {
            Move mv = p.move();
            players.addObject()
                    .put("playerId", p.playerId())
                    .put("move", mv == null ? null : mv.wireName())
                    .put("points", p.points())
                    .put("score", p.score());
        }
        out.put("status", r.status().wireName()).put("nextRound", r.nextRound());
        ArrayNode winners = out.putArray("winners");
        for (Long w : r.winners()) {
            winners.add(w.longValue());
        }
        return out;
    }

    // ---- moves ----

    /**
     * The common case, on the event loop: a move for a game hosted here whose lock is free is played
     * at once (the move path only offers to the batchers; no hop to a virtual thread). False when the
     * move must take the limiter's path: another instance's game, or the lock is held by a caller
     * that may wait on the database.
     */
    private boolean playHere(Session<JsonNode> s, long gameId, long playerId, Move move, int round) {
        GameService g = games;
        if (!g.hosts(gameId)) {
            return false;
        }
        try {
            return g.tryMoveNonBlocking(gameId, playerId, move, round) != null;
        } catch (ApiException e) {
            s.trySend(error(e.error(), Objects.requireNonNullElse(e.getMessage(), e.error())));
            return true;
        }
    }

    private void play(Session<JsonNode> s, long gameId, long playerId, Move move, int round) {
        GameService g = games;
        // without a forwarder the service answers why it cannot play here (finished, expired, aborted,
        // hosted by another instance) from the game's row
        if (g.hosts(gameId) || forwarder == null) {
            try {
                g.move(gameId, playerId, move, round);
            } catch (ApiException e) {
                s.trySend(error(e.error(), Objects.requireNonNullElse(e.getMessage(), e.error())));
            }
            return;
        }
        MoveForwarder r = Objects.requireNonNull(forwarder, "forwarder");
        String owner = owner(gameId);
        if (owner == null) {
            // over, unknown, or its owner's lease lapsed: the service answers why (or game_on_other_instance)
            try {
                g.move(gameId, playerId, move, round);
            } catch (ApiException e) {
                s.trySend(error(e.error(), Objects.requireNonNullElse(e.getMessage(), e.error())));
            }
            return;
        }
        ObjectNode fwd = JSON.createObjectNode()
                .put("gameId", gameId)
                .put("playerId", playerId)
                .put("move", move.wireName())
                .put("round", round)
                .put("origin", instanceId)
                .put("session", s.id());
        r.forwardMove(owner, bytes(fwd), () -> {
            owners.remove(gameId); // nobody listens there: the owner is gone, or it is another one now
            s.trySend(error("owner_unavailable", "the game's host did not get the move; send it again"));
        });
    }

    /** The game's owner, from the cache or the database (blocks: call off the event loop). */
    private @Nullable String owner(long gameId) {
        long now = System.nanoTime();
        CachedOwner c = owners.get(gameId);
        if (c != null && now - c.expires() < 0) {
            return c.name();
        }
        String o = games.ownerOf(gameId);
        if (o == null || o.equals(name)) {
            owners.remove(gameId);
            return null;
        }
        if (owners.size() >= OWNER_CACHE_MAX) {
            owners.clear(); // crude bound: a miss costs one read of the database
        }
        owners.put(gameId, new CachedOwner(o, now + OWNER_TTL_NANOS));
        return o;
    }

    private void onForwardedMove(byte[] raw) {
        JsonNode m = parse(raw);
        if (m == null) {
            return;
        }
        long gameId = m.path("gameId").asLong();
        if (m.path("type").asText().equals("resend")) {
            onResendAsked(gameId, m.path("origin").asText());
            return;
        }
        Move move = Move.parse(m.path("move").asText());
        if (move == null) {
            return;
        }
        long playerId = m.path("playerId").asLong();
        int round = m.path("round").asInt();
        String origin = m.path("origin").asText();
        long session = m.path("session").asLong();
        Admission a = limiter.tryExecute(() -> {
            try {
                games.move(gameId, playerId, move, round);
            } catch (ApiException e) {
                // game_on_other_instance: the sender's idea of the owner is stale (taken over): game_moved makes
                // it ask the database again
                String error = e.error().equals("game_on_other_instance") ? "game_moved" : e.error();
                replyError(origin, session, error, Objects.requireNonNullElse(e.getMessage(), e.error()));
            }
        });
        if (!a.isAccepted()) {
            replyError(origin, session, "overloaded", "the game's host is saturated; retry the move");
        }
    }

    private void replyError(String origin, long session, String error, String detail) {
        MoveForwarder r = forwarder;
        if (r != null) {
            ObjectNode reply = JSON.createObjectNode().put("session", session);
            reply.setAll(error(error, detail));
            r.reply(origin, bytes(reply));
        }
    }

    private void onReply(byte[] raw) {
        JsonNode m = parse(raw);
        if (m == null) {
            return;
        }
        if (m.path("type").asText().equals("resend")) {
            onResendAnswer(m);
            return;
        }
        Session<JsonNode> s = sessions.get(m.path("session").asLong());
        if (s != null
                && m.path("error").asText().equals("game_moved")
                && s.attributes().get(GAME) instanceof Long id) {
            owners.remove(id); // the next move asks the database who owns the game now
        }
        if (s != null) {
            s.trySend(error(m.path("error").asText(), m.path("detail").asText()));
        }
    }

    private static @Nullable JsonNode parse(byte[] raw) {
        try {
            return JSON.readTree(raw);
        } catch (IOException e) {
            return null;
        }
    }

    private static byte[] bytes(JsonNode n) {
        try {
            return JSON.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static ObjectNode error(String error, String detail) {
        return JSON.createObjectNode().put("type", "error").put("error", error).put("detail", detail);
    }

    private final class Handler implements WsHandler<JsonNode> {
        @Override
        public void onOpen(Session<JsonNode> s) {
            long gameId = (Long) s.attributes().get(GAME);
            long playerId = (Long) s.attributes().get(PLAYER);
            sessions.put(s.id(), s);
            Session<JsonNode> replaced = players.put(new PlayerKey(gameId, playerId), s);
            if (replaced != null && replaced != s) {
                // one live session per player: the newest wins, the older one is told why it goes
                replaced.close(REPLACED, REPLACED_REASON);
            }
            Room<JsonNode> room = room(s.server(), gameId);
            room.join(s);
            Admission a = limiter.tryExecute(() -> {
                // after "welcome" the player misses no broadcast from another instance; if the subscription was
                // not confirmed in time, what went out meanwhile is asked for again once it is
                if (!awaitSubscribed(room, Duration.ofSeconds(1))) {
                    room.subscribed().thenRun(() -> askResend(gameId));
                }
                ObjectNode w = JSON.createObjectNode()
                        .put("type", "welcome")
                        .put("gameId", gameId)
                        .put("playerId", playerId);
                try {
                    GameService.GameView v = games.get(gameId);
                    w.put("status", v.status()).put("round", v.round());
                } catch (ApiException e) {
                    w.put("status", "unknown");
                }
                s.trySend(w);
            });
            if (!a.isAccepted()) {
                s.trySend(JSON.createObjectNode()
                        .put("type", "welcome")
                        .put("gameId", gameId)
                        .put("playerId", playerId));
            }
        }

        @Override
        public void onMessage(Session<JsonNode> s, JsonNode m) {
            long gameId = (Long) s.attributes().get(GAME);
            long playerId = (Long) s.attributes().get(PLAYER);
            String type = m.path("type").asText("");
            switch (type) {
                case "move" -> {
                    Move move = Move.parse(m.path("move").asText(""));
                    if (move == null) {
                        s.trySend(error(
                                "bad_move",
                                "move must be one of rock, paper, scissors, lizard, spock, was " + m.get("move")));
                        return;
                    }
                    JsonNode r = m.get("round");
                    if (r != null && (!r.canConvertToInt() || r.asInt() < 1)) {
                        s.trySend(error("bad_round", "round must be a positive integer, was " + r));
                        return;
                    }
                    int round = r == null ? 0 : r.asInt();
                    if (playHere(s, gameId, playerId, move, round)) {
                        return;
                    }
                    if (!limiter.tryExecute(() -> play(s, gameId, playerId, move, round))
                            .isAccepted()) {
                        s.trySend(error("overloaded", "the server is saturated; retry the move"));
                    }
                }
                case "leave" -> {
                    Admission a = limiter.tryExecute(() -> {
                        try {
                            games.leave(gameId, playerId);
                            s.close(1000, "left the game");
                        } catch (ApiException e) {
                            s.trySend(error(e.error(), Objects.requireNonNullElse(e.getMessage(), e.error())));
                        }
                    });
                    if (!a.isAccepted()) {
                        s.trySend(error("overloaded", "the server is saturated; retry"));
                    }
                }
                case "sync" -> sync(s, gameId);
                default -> s.trySend(error("unknown_type", "type must be move, leave or sync, was '" + type + "'"));
            }
        }

        @Override
        public void onClose(Session<JsonNode> s, int code, String reason) {
            sessions.remove(s.id());
            Object g = s.attributes().get(GAME);
            if (g instanceof Long gameId && s.attributes().get(PLAYER) instanceof Long playerId) {
                players.remove(new PlayerKey(gameId, playerId), s); // only if no newer session replaced it
            }
            // hal9-ws took the session out of its rooms before this call, and reclaimed those it was the last in
        }

        /** The room bus may have lost broadcasts of a game's room: ask its owner for its last results again. */
        @Override
        public void onBroadcastsMissed(Room<JsonNode> room, long missed) {
            String id = room.id();
            if (id.startsWith("game:")) {
                try {
                    askResend(Long.parseLong(id.substring(5)));
                } catch (NumberFormatException e) {
                    // not a game's room
                }
            }
        }

        /**
         * hal9-ws's refusals in the game protocol's error shape, so that a client parses one error
         * format: an undecodable frame is {@code bad_message}, the first message over the inbound rate
         * {@code rate_limited}. The detail never quotes the client's frame.
         */
        @Override
        public @Nullable JsonNode refusal(Session<JsonNode> s, String reason, String detail) {
            return switch (reason) {
                case "decode" -> error("bad_message", "the frame could not be decoded");
                case "rate-limited" -> error("rate_limited", "too many messages; slow down (" + detail + ")");
                default -> null;
            };
        }
    }

    /**
     * Waits (at most {@code timeout}) until the room bus has confirmed the room's subscription; false if it did
     * not in time. Blocks: call it from a virtual thread, never from an event loop.
     */
    private boolean awaitSubscribed(Room<JsonNode> room, Duration timeout) {
        try {
            room.subscribed().toCompletableFuture().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            log.debug("{}: {} could not be subscribed: {}", name, room.id(), String.valueOf(e.getCause()));
        } catch (TimeoutException e) {
            log.debug("{}: {} not confirmed by the room bus within {}", name, room.id(), timeout);
        }
        return false;
    }

    /** A player of a game: the key of its one live session here. */
    private record PlayerKey(long gameId, long playerId) {}

    /**
     * Closes a player's session on this instance with {@link #DISCONNECTED} (the admin console's "disconnect").
     *
     * @return whether the player had a session here
     */
    boolean disconnect(long gameId, long playerId) {
        Session<JsonNode> s = players.get(new PlayerKey(gameId, playerId));
        if (s == null) {
            return false;
        }
        s.close(DISCONNECTED, DISCONNECTED_REASON);
        log.info("{}: player {} of game {} disconnected by an operator", name, playerId, gameId);
        return true;
    }

    /**
     * The players of {@code gameIds} with a session on this instance now, by game: one pass over this instance's
     * sessions whatever the number of games (the console asks for up to 200 games every second).
     */
    Map<Long, java.util.Set<Long>> connected(java.util.Collection<Long> gameIds) {
        java.util.Set<Long> wanted =
                gameIds instanceof java.util.Set<Long> set ? set : new java.util.HashSet<>(gameIds);
        Map<Long, java.util.Set<Long>> out = new java.util.HashMap<>();
        for (PlayerKey k : players.keySet()) {
            if (wanted.contains(k.gameId())) {
                out.computeIfAbsent(k.gameId(), g -> new java.util.TreeSet<>()).add(k.playerId());
            }
        }
        return out;
    }

    /** The last round result this instance sent for a game lately, as sent, or null. */
    @Nullable
    ObjectNode lastResult(long gameId) {
        Recent r = recent.getIfPresent(gameId);
        return r == null ? null : r.last();
    }

    int sessionCount() {
        return server.sessionCount();
    }

    WsServer.Stats stats() {
        return server.stats();
    }

    /** The WebSocket server, for its metrics binder. */
    WsServer<JsonNode> server() {
        return server;
    }

    @Override
    public void close() {
        server.close(); // closes every session with 1001
        recent.close();
        log.debug("{}: WebSocket gateway closed", name);
    }
}

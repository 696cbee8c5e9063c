package io.hal9.examples.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * The deployment drill's players: each one a virtual thread that plays its game to the end through the
 * balancer as a real client would, over its WebSocket (and over HTTP for every fourth move), and that
 * reconnects with its token whenever its connection breaks.
 *
 * <p>What a player does: it sends its move for the open round, waits for the round's result on its
 * WebSocket, thinks for a moment and moves again. When its connection breaks it reconnects (through the
 * balancer, so to any instance) and sends the open round's move again ({@code already_moved} tells it the
 * first one counted). When the room hears that another instance took the game over ({@code host}), it
 * sends its move again (the new owner rebuilt the round from the moves the old one acknowledged). When a
 * result does not come within a watchdog's time, or the server says the round is over ({@code stale_round}),
 * it reads the game ({@code GET /api/games/{id}}) and goes on from its round: that is how it recovers a
 * result it missed.
 *
 * <p>What it records, for the drill's counts: every acknowledged move (an HTTP 202; over WebSocket, a round
 * result that holds the move), every result it received (and when), the time span of each of its
 * connections (from its {@code welcome} to its close), and each refusal by its code.
 *
 * <p>Thread safety: the recorders are concurrent; each player's state belongs to its thread.
 */
final class DrillPlayers implements AutoCloseable {
    /** One acknowledged move. */
    record Ack(long game, long player, int round, String move) {}

    /** A round of a game. */
    record GameRound(long game, int round) {}

    /** A connection's life: from its welcome to its close (Long.MAX_VALUE while open), System.nanoTime(). */
    record Span(long from, long to) {}

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] MOVES = {"rock", "paper", "scissors", "lizard", "spock"};
    private static final Set<String> RETRY = Set.of(
            "owner_unavailable", "overloaded", "game_moving", "lease_lapsed", "database_unavailable", "game_moved");

    private final String baseUrl;
    private final String wsUrl;
    private final Duration think;
    private final Duration watchdog;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    /** One client for every WebSocket (one selector thread), apart from the HTTP one. */
    private final HttpClient wsHttp = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();

    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<Player> players = new ArrayList<>();
    private final List<CompletableFuture<Void>> running = new ArrayList<>();

    final Set<Ack> acked = ConcurrentHashMap.newKeySet();
    /** The first copy of each round's result, and when it was first received by any player. */
    final Map<GameRound, JsonNode> results = new ConcurrentHashMap<>();

    final Map<GameRound, Long> firstSeen = new ConcurrentHashMap<>();
    /** When a player of the game first moved in a round: bounds when the previous round was resolved. */
    final Map<GameRound, Long> firstMove = new ConcurrentHashMap<>();
    /** The highest round resolved per game, as its players heard it. */
    final Map<Long, Integer> progress = new ConcurrentHashMap<>();

    final Set<Long> finished = ConcurrentHashMap.newKeySet();
    final LongAdder conflictingResults = new LongAdder();
    /** The first few conflicting pairs of results, for the drill's log. */
    final List<String> conflicts = java.util.Collections.synchronizedList(new ArrayList<>());

    final LongAdder reconnects = new LongAdder();
    final LongAdder failedConnects = new LongAdder();
    final LongAdder resentAfterHost = new LongAdder();
    final LongAdder resentAfterReconnect = new LongAdder();
    final LongAdder resyncs = new LongAdder();
    final LongAdder syncs = new LongAdder();
    final LongAdder wsMoves = new LongAdder();
    final LongAdder httpMoves = new LongAdder();
    final LongAdder hostMessages = new LongAdder();
    final Map<String, LongAdder> refusals = new ConcurrentHashMap<>();
    final Map<String, LongAdder> closes = new ConcurrentHashMap<>();

    DrillPlayers(String baseUrl, String wsUrl, Duration think, Duration watchdog) {
        this.baseUrl = baseUrl;
        this.wsUrl = wsUrl;
        this.think = think;
        this.watchdog = watchdog;
    }

    // ---------------------------------------------------------------- set-up, on the drill's thread

    /** Creates a game through the balancer; answers its id (retries refusals for up to 30 s). */
    long createGame(int maxPlayers, int rounds, Duration roundTimeout) {
        String body = "{\"maxPlayers\":" + maxPlayers + ",\"rounds\":" + rounds + ",\"roundTimeoutMs\":"
                + roundTimeout.toMillis() + "}";
        JsonNode r = retrying("create a game", "/api/games", body, null, 201);
        return r.get("id").asLong();
    }

    /** Joins through the balancer and adds the player (not yet connected). */
    Player join(long game, int seat) {
        JsonNode r = retrying(
                "join game " + game, "/api/games/" + game + "/join", "{\"name\":\"p" + seat + "\"}", null, 200);
        Player p = new Player(game, r.get("playerId").asLong(), r.get("token").asText(), seat);
        synchronized (players) {
            players.add(p);
        }
        return p;
    }

    /**
     * Opens the player's WebSocket through the balancer and waits for its welcome (on the caller's thread),
     * trying again for up to 10 s.
     */
    void connect(Player p) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!p.connect()) {
            if (System.nanoTime() - deadline >= 0) {
                throw new IllegalStateException("player " + p.id + " of game " + p.game + " could not connect");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100)); // pacing the retries
        }
    }

    /** Starts the player's play on a virtual thread of its own. */
    void start(Player p) {
        CompletableFuture<Void> f = CompletableFuture.runAsync(
                p::play, command -> Thread.ofVirtual().start(command));
        synchronized (running) {
            running.add(f);
        }
    }

    List<Player> players() {
        synchronized (players) {
            return List.copyOf(players);
        }
    }

    /** Waits until every started player is done (its game over), or throws when {@code timeout} passes. */
    void awaitDone(Duration timeout) {
        List<CompletableFuture<Void>> all;
        synchronized (running) {
            all = List.copyOf(running);
        }
        try {
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
                    .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .join();
        } catch (java.util.concurrent.CompletionException e) {
            StringBuilder b = new StringBuilder("players not done within " + timeout + ":");
            for (Player p : players()) {
                if (!p.done) {
                    b.append("\n  ").append(p.state());
                }
            }
            throw new IllegalStateException(b.toString(), e);
        }
    }

    /** Refusals by code, sorted. */
    Map<String, Long> refusalCounts() {
        Map<String, Long> out = new TreeMap<>();
        refusals.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    Map<String, Long> closeCounts() {
        Map<String, Long> out = new TreeMap<>();
        closes.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    @Override
    public void close() {
        stop.set(true);
        for (Player p : players()) {
            p.abort();
        }
        http.close();
        wsHttp.close();
    }

    // ---------------------------------------------------------------- HTTP through the balancer

    private record Reply(int status, JsonNode body) {
        String error() {
            return body.path("error").asText();
        }
    }

    private Reply post(String path, String body, @Nullable String token) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return reply(http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray()));
    }

    private Reply get(String path) throws IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(Duration.ofSeconds(10))
                .GET()
                .build();
        return reply(http.send(req, HttpResponse.BodyHandlers.ofByteArray()));
    }

    private static Reply reply(HttpResponse<byte[]> r) throws IOException {
        byte[] b = r.body();
        JsonNode n = JSON.createObjectNode();
        if (b.length > 0 && (b[0] == '{' || b[0] == '[')) {
            n = JSON.readTree(b);
        }
        return new Reply(r.statusCode(), n);
    }

    private JsonNode retrying(String what, String path, String body, @Nullable String token, int expected) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String last = "";
        while (System.nanoTime() - deadline < 0) {
            try {
                Reply r = post(path, body, token);
                if (r.status() == expected) {
                    return r.body();
                }
                last = r.status() + " " + r.body();
                count(refusals, "setup " + r.status() + " " + r.error());
            } catch (IOException e) {
                last = e.toString();
                count(refusals, "setup connection error");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100)); // pacing the retries
        }
        throw new IllegalStateException("could not " + what + " within 30 s; last answer: " + last);
    }

    private static void count(Map<String, LongAdder> m, String key) {
        m.computeIfAbsent(key, k -> new LongAdder()).increment();
    }

    // ---------------------------------------------------------------- one player

    /** What the player's thread waits for: a message, or the end of its connection. */
    private record Event(long conn, @Nullable JsonNode message, int closeCode, long at) {}

    final class Player {
        final long game;
        final long id;
        final String token;
        final int seat;
        /** Rounds whose result this player received. */
        final Set<Integer> received = ConcurrentHashMap.newKeySet();
        /** Rounds whose result this player received only as sent again ({@code "resent": true}). */
        final Set<Integer> resentOnly = ConcurrentHashMap.newKeySet();
        /** Every connection this player had. */
        final List<Span> spans = new ArrayList<>();

        private final LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
        private final StringBuilder partial = new StringBuilder();
        private volatile @Nullable WebSocket socket;
        private long conn;
        private long openedAt;
        /** The round the player moves in next (or waits for). */
        private volatile int round = 1;
        /** The round of the move sent last (0: none sent for the open round). */
        private volatile int movedIn;

        private volatile boolean done;
        private volatile String last = "";

        Player(long game, long id, String token, int seat) {
            this.game = game;
            this.id = id;
            this.token = token;
            this.seat = seat;
        }

        private String moveFor(int r) {
            return MOVES[(int) ((id + r * 3L) % MOVES.length)];
        }

        /** Every fourth move (by round and seat) goes over HTTP, the rest over the WebSocket. */
        private boolean overHttp(int r) {
            return (r + seat) % 4 == 0;
        }

        /** Connects and waits for the welcome; false if the handshake failed (the caller retries). */
        boolean connect() {
            long c = ++conn;
            partial.setLength(0);
            try {
                socket = wsHttp.newWebSocketBuilder()
                        .connectTimeout(Duration.ofSeconds(2))
                        .buildAsync(URI.create(wsUrl + "?token=" + token), new Tagged(c))
                        .get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                failedConnects.increment();
                return false;
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (true) {
                Event e;
                try {
                    e = events.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    return false;
                }
                if (e == null || (e.conn() == c && e.message() == null)) {
                    failedConnects.increment();
                    abort();
                    return false;
                }
                if (e.conn() != c) {
                    continue; // an older connection's late event
                }
                JsonNode m = e.message();
                if (m != null && m.path("type").asText().equals("welcome")) {
                    openedAt = e.at();
                    int r = m.path("round").asInt(0);
                    if (r > round) {
                        round = r; // rounds missed while away: counted at the end
                    }
                    if (m.path("status").asText().equals("finished")) {
                        done = true;
                    }
                    return true;
                }
                handle(m, e.at());
            }
        }

        /** Sends {@code sync} if connected; a failure is the connection's, seen by the loop. */
        private void sync() {
            WebSocket s = socket;
            if (s != null) {
                try {
                    s.sendText("{\"type\":\"sync\"}", true).get(2, TimeUnit.SECONDS); // one send at a time
                    syncs.increment();
                } catch (Exception e) {
                    // the connection is going: the loop sees it close and reconnects (and syncs then)
                }
            }
        }

        void abort() {
            WebSocket s = socket;
            if (s != null) {
                s.abort();
            }
        }

        void play() {
            try {
                loop();
            } finally {
                abort();
                synchronized (spans) {
                    if (openedAt != 0) {
                        spans.add(new Span(openedAt, Long.MAX_VALUE));
                        openedAt = 0;
                    }
                }
            }
        }

        private void loop() {
            long backoff = 50;
            while (!done && !stop.get()) {
                if (socket == null) {
                    if (!connect()) {
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(backoff)); // reconnect backoff
                        backoff = Math.min(1000, backoff * 2);
                        continue;
                    }
                    backoff = 50;
                    reconnects.increment();
                    sync(); // results that went out while this player was away
                    if (movedIn == round) {
                        resentAfterReconnect.increment();
                        movedIn = 0; // the move may have died with the old connection: send it again
                    }
                    if (done) {
                        break;
                    }
                }
                // after a move that did not go out, only a glance at what arrived meanwhile, then try again
                boolean waiting = movedIn == round || sendMove();
                if (socket == null || done) {
                    continue;
                }
                Event e;
                try {
                    e = events.poll(waiting ? watchdog.toMillis() : 0, TimeUnit.MILLISECONDS);
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    return;
                }
                if (e == null) {
                    if (waiting) {
                        resync(); // no result in time: read the game and go on from its round
                    }
                    continue;
                }
                if (e.conn() != conn) {
                    continue; // an older connection's late event
                }
                if (e.message() == null) {
                    lost(e);
                    continue;
                }
                handle(e.message(), e.at());
            }
        }

        private void lost(Event e) {
            last = "closed " + e.closeCode();
            count(closes, e.closeCode() < 0 ? "error" : Integer.toString(e.closeCode()));
            synchronized (spans) {
                if (openedAt != 0) {
                    spans.add(new Span(openedAt, e.at()));
                    openedAt = 0;
                }
            }
            socket = null;
        }

        /** Sends the move of the open round, after the player's thinking time; false to go round the loop. */
        private boolean sendMove() {
            LockSupport.parkNanos(think.toNanos()); // the player's thinking time, not synchronisation
            int r = round;
            String move = moveFor(r);
            firstMove.putIfAbsent(new GameRound(game, r), System.nanoTime());
            if (!overHttp(r)) {
                WebSocket s = socket;
                if (s == null) {
                    return false;
                }
                try {
                    s.sendText("{\"type\":\"move\",\"round\":" + r + ",\"move\":\"" + move + "\"}", true)
                            .get(5, TimeUnit.SECONDS);
                } catch (Exception ex) {
                    // a send that fails or hangs: the connection is gone, as far as a client can tell
                    count(refusals, "ws send failed");
                    last = "send failed: " + ex;
                    s.abort();
                    lost(new Event(conn, null, -1, System.nanoTime()));
                    return false;
                }
                wsMoves.increment();
                movedIn = r;
                return true;
            }
            try {
                Reply reply = post("/api/games/" + game + "/moves", "{\"move\":\"" + move + "\"}", token);
                httpMoves.increment();
                if (reply.status() == 202) {
                    int at = reply.body().path("round").asInt();
                    acked.add(new Ack(game, id, at, move));
                    if (at > round) {
                        round = at; // the player was behind: its move counted in the open round
                    }
                    movedIn = round;
                    return true;
                }
                String key = reply.status() + " " + reply.error();
                count(refusals, "http " + key);
                switch (reply.error()) {
                    case "already_moved" -> movedIn = r;
                    case "game_finished" -> resync();
                    default -> {
                        if (!RETRY.contains(reply.error())) {
                            resync();
                        }
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100)); // pacing a retry
                    }
                }
            } catch (IOException ex) {
                count(refusals, "http connection error");
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100)); // pacing a retry
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                done = true;
            }
            return movedIn == round;
        }

        String state() {
            return "game " + game + " player " + id + " seat " + seat + ": round " + round + ", moved in " + movedIn
                    + ", " + (socket == null ? "not connected" : "connected") + ", results " + received.size()
                    + ", last event: " + last;
        }

        private void handle(@Nullable JsonNode m, long at) {
            if (m == null) {
                return;
            }
            last = m.toString();
            switch (m.path("type").asText()) {
                case "result" -> result(m, at);
                case "host" -> {
                    hostMessages.increment();
                    int r = m.path("round").asInt();
                    if (r >= round && movedIn == round) {
                        resentAfterHost.increment();
                        movedIn = 0; // the new owner rebuilt the round: the move is sent again
                    }
                    if (r > round) {
                        round = r;
                    }
                }
                case "ended" -> {
                    count(refusals, "ended " + m.path("status").asText());
                    done = true;
                }
                case "error" -> {
                    String error = m.path("error").asText();
                    count(refusals, "ws " + error);
                    if (error.equals("already_moved")) {
                        return; // the first one counted
                    }
                    if (RETRY.contains(error)) {
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100)); // pacing a retry
                        movedIn = 0;
                        return;
                    }
                    resync(); // stale_round, game_finished, game_not_running: read where the game is
                }
                default -> {
                    // welcome of a replaced connection, started: nothing to do
                }
            }
        }

        private void result(JsonNode m, long at) {
            int r = m.path("round").asInt();
            GameRound key = new GameRound(game, r);
            if (m.path("resent").asBoolean(false)) {
                ((com.fasterxml.jackson.databind.node.ObjectNode) m).remove("resent"); // compared as sent first
                if (received.add(r)) {
                    resentOnly.add(r);
                }
            } else {
                firstSeen.merge(key, at, Math::min);
                resentOnly.remove(r); // the first one was only late
            }
            JsonNode first = results.putIfAbsent(key, m);
            if (first != null && !first.equals(m)) {
                conflictingResults.increment();
                if (conflicts.size() < 5) {
                    conflicts.add(first + " <> " + m);
                }
            }
            progress.merge(game, r, Math::max);
            received.add(r);
            for (JsonNode p : m.path("players")) {
                if (p.path("playerId").asLong() == id && !p.path("move").isNull()) {
                    acked.add(new Ack(game, id, r, p.path("move").asText()));
                }
            }
            if (m.path("nextRound").asInt() == 0 || m.path("status").asText().equals("finished")) {
                finished.add(game);
                done = true;
                return;
            }
            if (r >= round) {
                round = m.path("nextRound").asInt(r + 1);
            }
        }

        /**
         * Asks the server over the WebSocket for the game's last results ({@code sync}: they come back marked
         * resent, and count as received only when sent again), then reads the game through the balancer and
         * goes on from the round it is at.
         */
        private void resync() {
            resyncs.increment();
            sync();
            try {
                Reply g = get("/api/games/" + game);
                if (g.status() != 200) {
                    count(refusals, "get " + g.status() + " " + g.error());
                    return;
                }
                String status = g.body().path("status").asText();
                if (!status.equals("waiting") && !status.equals("running")) {
                    if (status.equals("finished")) {
                        finished.add(game);
                    } else {
                        count(refusals, "game " + status);
                    }
                    done = true;
                    return;
                }
                int r = g.body().path("round").asInt();
                if (r > round) {
                    round = r;
                } else {
                    movedIn = 0; // still the same round: send the move again (already_moved if it counted)
                }
            } catch (IOException e) {
                count(refusals, "get connection error");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                done = true;
            }
        }

        /** Routes the socket's callbacks to the player's queue, tagged with the connection they belong to. */
        private final class Tagged implements WebSocket.Listener {
            private final long c;

            Tagged(long c) {
                this.c = c;
            }

            @Override
            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                partial.append(data);
                if (last) {
                    try {
                        events.add(new Event(c, JSON.readTree(partial.toString()), 0, System.nanoTime()));
                    } catch (IOException e) {
                        events.add(new Event(c, null, -1, System.nanoTime()));
                    }
                    partial.setLength(0);
                }
                ws.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
                events.add(new Event(c, null, statusCode, System.nanoTime()));
                return null;
            }

            @Override
            public void onError(WebSocket ws, Throwable error) {
                events.add(new Event(c, null, -1, System.nanoTime()));
            }
        }

        /** Spans of this player's connections (a copy). */
        List<Span> spans() {
            synchronized (spans) {
                List<Span> out = new ArrayList<>(spans);
                if (openedAt != 0) {
                    out.add(new Span(openedAt, Long.MAX_VALUE));
                }
                return out;
            }
        }
    }

    /**
     * Results a player did not receive, split by whether it was connected when the result went out (and, apart,
     * {@code resent}: results a player received only when the server sent them again, {@code "resent": true}): the
     * result's time is when a player of the game first received it or, if none did, when a player first
     * moved in the next round. A result that went out less than a second before the player's connection broke
     * counts as lost with the connection (while reconnecting), not as missing for a connected player.
     */
    record Missing(
            long whileConnected, long whileAway, long lostForAll, long resent, Map<Long, List<Integer>> examples) {}

    private static final long DELIVERY_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** Counts the missing results of every player against the last round of each game ({@code lastRound}). */
    Missing missing(Map<Long, Integer> lastRound) {
        long connected = 0;
        long away = 0;
        long resent = 0;
        Map<Long, List<Integer>> examples = new HashMap<>();
        Set<GameRound> lostForAll = new java.util.HashSet<>();
        for (Player p : players()) {
            int last = lastRound.getOrDefault(p.game, 0);
            List<Span> spans = p.spans();
            for (int r = 1; r <= last; r++) {
                if (p.received.contains(r)) {
                    if (p.resentOnly.contains(r)) {
                        resent++;
                    }
                    continue;
                }
                GameRound key = new GameRound(p.game, r);
                Long at = firstSeen.get(key);
                if (at == null
                        && players().stream().noneMatch(o -> o.game == p.game && o.received.contains(key.round()))) {
                    lostForAll.add(key);
                }
                if (at == null) {
                    at = firstMove.get(new GameRound(p.game, r + 1));
                }
                boolean wasConnected = false;
                if (at != null) {
                    for (Span s : spans) {
                        if (s.from() <= at && at <= s.to() - DELIVERY_NANOS) {
                            wasConnected = true;
                            break;
                        }
                    }
                }
                if (wasConnected) {
                    connected++;
                    List<Integer> ex = examples.computeIfAbsent(p.id, k -> new ArrayList<>());
                    if (ex.size() < 5) {
                        ex.add(r);
                    }
                } else {
                    away++;
                }
            }
        }
        return new Missing(connected, away, lostForAll.size(), resent, examples);
    }
}

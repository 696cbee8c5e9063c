package io.hal9.examples.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hal9.examples.game.Game;
import io.hal9.examples.game.GameStatus;
import io.hal9.examples.game.Move;
import io.hal9.metrics.PrometheusScrape;
import io.hal9.pool.jdbc.SqlFailures;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API, independent of the server that carries it ({@link HttpConnection} on the one Netty port,
 * or {@link JdkHttp} on the JDK's {@code HttpServer}): routes, request validation, JSON answers and errors
 * ({@code {"error": "...", "detail": "..."}} with the right 4xx; a {@code detail} quotes at most
 * {@value #MAX_QUOTE} characters of anything the client sent). Text fields must not hold control
 * characters (NUL included): 400 {@code bad_field}.
 * A database failure that is transient (connection lost or refused, no connection within the pool's
 * timeout: {@link SqlFailures#isTransient}) answers 503 {@code database_unavailable}, anything else
 * unexpected 500 {@code internal_error}. The health routes answer from the {@link HealthProbe}'s state,
 * never touching a dependency.
 * See examples/README.md for every route. Every answered request, errors included, is recorded in
 * {@link Metrics} under its route template ({@link #routeOf}); {@code GET /metrics} serves the scrape.
 *
 * <p>Two sets of routes: {@link Routes#PUBLIC} (the API and the health routes, for the public port) and
 * {@link Routes#ADMIN} ({@code /metrics} and the health routes, for the admin listener); a route of the
 * other set answers 404 {@code unknown_route}. With {@link WebAssets}, the public port also serves the play page
 * ({@code GET /} and {@code GET /web/{file}}), and the admin listener the console ({@code GET /console}, its
 * files under {@code /web/}, and {@link Console}'s JSON routes under {@code /console/api/}).
 *
 * <p>Limits: request bodies are limited by the transport (413 {@code body_too_large}); pages hold at most
 * {@value #MAX_PAGE_SIZE} games and {@code page} is at most {@value #MAX_PAGE}.
 *
 * <p>Thread safety: stateless apart from the services it calls; {@link #handle} may block (database) and
 * runs on virtual threads, except for the {@link #inline} routes, which answer from memory.
 */
final class HttpApi {
    private static final Logger log = LoggerFactory.getLogger(HttpApi.class);
    /** Most characters of the client's input an error's {@code detail} quotes. */
    static final int MAX_QUOTE = 100;

    static final int MAX_PAGE_SIZE = 100;
    static final int DEFAULT_PAGE_SIZE = 20;
    static final int MAX_PAGE = 10_000;
    /** Bodies shorter than this are sent as they are even to gzip clients: compressing them costs more. */
    static final int GZIP_MIN = 256;

    /** Buffers shared across threads: requests run on short-lived virtual threads (see JacksonCodec in hal9-ws). */
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool())
            .build());

    private static final String JSON_TYPE = "application/json; charset=utf-8";

    private final String name;
    private final GameService games;
    private final PlayerTokens tokens;
    private final Duration defaultRoundTimeout;
    private final HealthProbe health;
    private final Metrics metrics;
    private final Routes routes;
    private final CreateRateLimiter createLimiter;
    private final @Nullable HttpForwarder forwarder;
    private final @Nullable WebAssets web;
    private final @Nullable Console console;

    /** Which routes an instance serves. */
    enum Routes {
        /** The API and the health routes: the public port. */
        PUBLIC,
        /** {@code /metrics} and the health routes: the admin listener. */
        ADMIN
    }

    /**
     * One request, whatever carried it.
     *
     * @param method e.g. {@code GET}
     * @param rawPath the path, still URL-encoded
     * @param rawQuery the query string without {@code ?}, or null
     * @param header a header's first value by (case-insensitive) name, or null
     * @param body the whole body (the transport enforces its limit)
     * @param client the client's address (the peer of the connection), for per-address limits
     */
    record Request(
            String method,
            String rawPath,
            @Nullable String rawQuery,
            Function<String, @Nullable String> header,
            byte[] body,
            InetAddress client) {}

    /**
     * One answer.
     *
     * @param status the HTTP status
     * @param contentType the {@code Content-Type}
     * @param body the body, not compressed (the transport gzips it for clients that accept it)
     * @param headers other headers ({@code Location}, {@code Allow})
     * @param sharedBody whether {@code body} is an array many answers share (a cached list page): its gzipped
     *     form is then kept beside it ({@link #gzipped}) instead of compressed again for every request
     */
    record Response(int status, String contentType, byte[] body, Map<String, String> headers, boolean sharedBody) {
        Response(int status, String contentType, byte[] body, Map<String, String> headers) {
            this(status, contentType, body, headers, false);
        }
    }

    /**
     * The gzipped form of shared bodies (cached list pages), keyed by the body array's identity (weak keys:
     * an entry goes with its page once the list cache drops it); at most 1,024.
     */
    private static final com.github.benmanes.caffeine.cache.Cache<byte[], byte[]> GZIPPED =
            com.github.benmanes.caffeine.cache.Caffeine.newBuilder()
                    .weakKeys()
                    .maximumSize(1_024)
                    .build();

    /** What {@code GET /health} reports (the format before {@code /health/ready}, kept for old clients). */
    record Health(boolean up, String db, String redis) {}

    HttpApi(
            String name,
            GameService games,
            PlayerTokens tokens,
            Duration defaultRoundTimeout,
            HealthProbe health,
            Metrics metrics,
            Routes routes,
            CreateRateLimiter createLimiter,
            @Nullable HttpForwarder forwarder,
            @Nullable WebAssets web,
            @Nullable Console console) {
        this.forwarder = forwarder;
        this.web = web;
        this.console = console;
        this.name = name;
        this.createLimiter = createLimiter;
        this.routes = routes;
        this.metrics = metrics;
        this.games = games;
        this.tokens = tokens;
        this.defaultRoundTimeout = defaultRoundTimeout;
        this.health = health;
    }

    /**
     * Answers one request: routes it, maps refusals and failures to JSON errors, and records it in {@link
     * Metrics}. May block (the database); never throws.
     */
    Response handle(Request req) {
        long start = System.nanoTime();
        Response r;
        try {
            r = route(req);
        } catch (RateLimitedException e) {
            r = error(429, "rate_limited", Objects.requireNonNull(e.getMessage()), e.retryAfterSeconds);
        } catch (ApiException e) {
            r = error(e.status(), e.error(), Objects.requireNonNullElse(e.getMessage(), e.error()));
        } catch (RuntimeException e) {
            ApiException unavailable = unavailable(e);
            if (unavailable != null) {
                // the health probe reports the outage once; one line per refused request would flood
                log.debug("{}: {} {} answered 503: {}", name, req.method(), quote(req.rawPath()), e.toString());
                r = error(unavailable.status(), unavailable.error(), Objects.requireNonNull(unavailable.getMessage()));
            } else {
                log.warn("{}: {} {} failed", name, req.method(), quote(req.rawPath()), e);
                r = error(500, "internal_error", "the server failed to answer; see its log");
            }
        }
        metrics.recordHttp(req.method(), routeOf(req.rawPath()), r.status(), System.nanoTime() - start);
        return r;
    }

    /**
     * An error the transport answers itself (a limit, a timeout, overload), recorded like any other answer.
     *
     * @param method the request's method, or {@code UNKNOWN} when it could not be read
     * @param rawPath the request's path, or {@code ""}
     */
    Response refuse(String method, String rawPath, int status, String error, String detail, long startNanos) {
        Response r = error(status, error, detail);
        metrics.recordHttp(method, routeOf(rawPath), status, System.nanoTime() - startNanos);
        return r;
    }

    /**
     * Whether a request answers from memory at once ({@code /health}, {@code /health/live}, {@code
     * /health/ready}), so the transport may answer it on its event loop, ahead of work queued for threads:
     * a load balancer's probe never waits behind database work.
     */
    static boolean inline(String method, String rawPath) {
        return method.equals("GET")
                && (rawPath.equals("/health/live") || rawPath.equals("/health/ready") || rawPath.equals("/health"));
    }

    /**
     * The refusal a failure that is not the request's fault maps to: 503 {@code database_unavailable} for a
     * transient database failure (the connection was lost or refused, the pool gave no connection in
     * time: {@link SqlFailures#isTransient}, which walks the whole cause chain), else null (a 500).
     */
    static @Nullable ApiException unavailable(RuntimeException e) {
        return SqlFailures.isTransient(e) ? ApiException.databaseUnavailable() : null;
    }

    /**
     * The route template a path matches, the {@code uri} tag of its HTTP metrics: {@code /health}, {@code
     * /health/live}, {@code /health/ready}, {@code /metrics}, {@code /api/games}, {@code /api/games/{id}},
     * {@code /api/games/{id}/join}, {@code .../moves}, {@code .../leave}, the pages' {@code /}, {@code
     * /web/{file}} and {@code /console}, the console's {@code /console/api/...} templates, and {@link
     * Metrics#UNKNOWN_ROUTE} for every other path. A malformed id
     * still matches {@code {id}} (the request was meant for that route and is answered 400 there).
     */
    static String routeOf(String path) {
        if (path.equals("/")) {
            return "/";
        }
        String[] seg = path.length() > 1 ? path.substring(1).split("/", -1) : new String[0];
        if (seg.length == 2 && seg[0].equals("web")) {
            return "/web/{file}";
        }
        if (seg.length == 1 && seg[0].equals("console")) {
            return "/console";
        }
        if (seg.length >= 3 && seg[0].equals("console") && seg[1].equals("api")) {
            return consoleRoute(seg);
        }
        if (seg.length == 1 && (seg[0].equals("health") || seg[0].equals("metrics"))) {
            return "/" + seg[0];
        }
        if (seg.length == 2 && seg[0].equals("health") && (seg[1].equals("live") || seg[1].equals("ready"))) {
            return "/health/" + seg[1];
        }
        if (seg.length >= 2 && seg.length <= 4 && seg[0].equals("api") && seg[1].equals("games")) {
            if (seg.length == 2) {
                return "/api/games";
            }
            if (seg.length == 3) {
                return "/api/games/{id}";
            }
            return switch (seg[3]) {
                case "join", "moves", "leave" -> "/api/games/{id}/" + seg[3];
                default -> Metrics.UNKNOWN_ROUTE;
            };
        }
        return Metrics.UNKNOWN_ROUTE;
    }

    /** The route template of a console JSON path ({@code seg} starts with {@code console}, {@code api}). */
    private static String consoleRoute(String[] seg) {
        if (seg.length == 3 && (seg[2].equals("meters") || seg[2].equals("games") || seg[2].equals("instances"))) {
            return "/console/api/" + seg[2];
        }
        if (seg.length >= 4 && seg[2].equals("games")) {
            if (seg.length == 4) {
                return "/console/api/games/{id}";
            }
            if (seg.length == 5 && seg[4].equals("end")) {
                return "/console/api/games/{id}/end";
            }
            if (seg.length == 7 && seg[4].equals("players") && seg[6].equals("disconnect")) {
                return "/console/api/games/{id}/players/{player}/disconnect";
            }
        }
        return Metrics.UNKNOWN_ROUTE;
    }

    private Response route(Request ex) {
        String method = ex.method();
        String path = ex.rawPath();
        String[] seg = path.length() > 1 ? path.substring(1).split("/", -1) : new String[0];
        boolean api = routes == Routes.PUBLIC;
        WebAssets w = web;
        if (w != null) {
            Response page = page(w, method, path, seg, api);
            if (page != null) {
                return page;
            }
        }
        Console c = console;
        if (!api && c != null && seg.length >= 3 && seg[0].equals("console") && seg[1].equals("api")) {
            return c.route(ex, java.util.Arrays.copyOfRange(seg, 2, seg.length));
        }
        if (seg.length == 1 && seg[0].equals("health")) {
            allow(method, "GET");
            Health h = legacyHealth();
            return send(h.up() ? 200 : 503, h);
        } else if (seg.length == 2 && seg[0].equals("health") && seg[1].equals("live")) {
            allow(method, "GET");
            return send(200, Map.of("status", "live")); // the process serves HTTP: nothing else is asked
        } else if (seg.length == 2 && seg[0].equals("health") && seg[1].equals("ready")) {
            allow(method, "GET");
            return send(health.ready() ? 200 : 503, health.readiness());
        } else if (!api && seg.length == 1 && seg[0].equals("metrics")) {
            allow(method, "GET");
            PrometheusScrape.Response r = metrics.scrape(ex.header().apply("Accept"));
            return new Response(200, r.contentType(), r.body(), Map.of());
        } else if (api && seg.length == 2 && seg[0].equals("api") && seg[1].equals("games")) {
            return switch (method) {
                case "GET" -> listGames(ex);
                case "POST" -> createGame(ex);
                default -> throw notAllowed(method, "GET, POST");
            };
        } else if (api && seg.length >= 3 && seg.length <= 4 && seg[0].equals("api") && seg[1].equals("games")) {
            long id = gameId(seg[2]);
            if (seg.length == 3) {
                allow(method, "GET");
                return send(200, games.get(id));
            }
            allow(method, "POST");
            if (!seg[3].equals("join") && !seg[3].equals("moves") && !seg[3].equals("leave")) {
                throw ApiException.notFound("unknown_route", "no route " + quote(path));
            }
            HttpForwarder f = forwarder;
            if (f != null && !games.hosts(id)) {
                // another instance's game: its owner answers (see HttpForwarder)
                Response r = f.forward(ex, id);
                if (r != null) {
                    return r;
                }
            }
            try {
                return switch (seg[3]) {
                    case "join" -> join(ex, id);
                    case "moves" -> move(ex, id);
                    default -> leave(ex, id);
                };
            } catch (ApiException e) {
                if (f != null && e.error().equals("game_moved")) {
                    // claimed by another instance while this one still held it: nothing was applied here
                    Response r = f.forward(ex, id);
                    if (r != null) {
                        return r;
                    }
                }
                throw e;
            }
        } else {
            throw ApiException.notFound("unknown_route", "no route " + quote(path));
        }
    }

    /**
     * A browser page's file, or null when the path is not one: {@code /} (the play page) on the public port,
     * {@code /console} on the admin listener, and {@code /web/{file}} on both (each its own set of files).
     */
    private static @Nullable Response page(WebAssets w, String method, String path, String[] seg, boolean api) {
        String file;
        if (api && path.equals("/")) {
            file = "index.html";
        } else if (!api && seg.length == 1 && seg[0].equals("console")) {
            file = "console.html";
        } else if (seg.length == 2 && seg[0].equals("web")) {
            file = seg[1];
        } else {
            return null;
        }
        Response r = w.file(file);
        if (r == null) {
            throw ApiException.notFound("unknown_route", "no route " + quote(path));
        }
        allow(method, "GET");
        return r;
    }

    /** {@code GET /health}'s body, from the probe's state: {@code up} is {@link HealthProbe#ready()}. */
    private Health legacyHealth() {
        HealthProbe.State db = health.find("database");
        HealthProbe.State redis = health.find("redis");
        return new Health(health.ready(), legacy(db, "unknown"), legacy(redis, "not configured"));
    }

    private static String legacy(HealthProbe.@Nullable State s, String absent) {
        if (s == null) {
            return absent;
        }
        return s.up() ? "up" : "down: " + s.reason();
    }

    /**
     * Answers, on the transport's event loop, a request that needs nothing but memory, or returns null when it
     * needs a thread: the health probes ({@link #inline}), and a page of the games list that the list cache
     * holds (and, for a client that accepts gzip, its gzipped form). At hundreds of list requests a second
     * nearly all of them hit the cache, and a hop to a virtual thread and back cost each of them two thread
     * wake-ups on a machine whose CPU the game's players need. A miss, or anything else, returns null: it may
     * read the database or compress. The answer comes gzipped where the client accepts it ({@link #gzipped}).
     * Records what it answers like {@link #handle}. Never blocks; never throws.
     */
    @Nullable
    Response handleInline(Request req, boolean clientAcceptsGzip) {
        if (inline(req.method(), req.rawPath())) {
            return gzipped(handle(req), clientAcceptsGzip); // the probes' documents: small, as before
        }
        if (routes != Routes.PUBLIC
                || !req.method().equals("GET")
                || !req.rawPath().equals("/api/games")) {
            return null;
        }
        long start = System.nanoTime();
        ListQuery q;
        try {
            q = listQuery(req);
        } catch (ApiException e) {
            return handle(req); // a bad parameter: refused before any database work
        }
        byte[] body = games.listCached(q.status(), q.page(), q.size());
        if (body == null) {
            return null;
        }
        // the gzipped form, if the client wants it, must be cached as well: the event loop does not compress (the
        // request that missed compressed it on its thread)
        Response r = gzippedIfReady(listPage(body), clientAcceptsGzip);
        if (r == null) {
            return null;
        }
        metrics.recordHttp(req.method(), routeOf(req.rawPath()), r.status(), System.nanoTime() - start);
        return r;
    }

    /** The parameters of a games list request. */
    private record ListQuery(@Nullable GameStatus status, int page, int size) {}

    private static ListQuery listQuery(Request ex) {
        Map<String, String> q = query(ex.rawQuery());
        GameStatus status = null;
        String s = q.get("status");
        if (s != null && !s.isEmpty()) {
            try {
                status = GameStatus.parse(s);
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest(
                        "bad_status",
                        "status must be one of waiting, running, finished, expired, aborted, was " + quote(s));
            }
        }
        int page = intParam(q, "page", 0, 0, MAX_PAGE);
        int size = intParam(q, "size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE);
        return new ListQuery(status, page, size);
    }

    private Response listGames(Request ex) {
        ListQuery lq = listQuery(ex);
        GameStatus st = lq.status();
        int page = lq.page();
        int size = lq.size();
        byte[] body = games.list(st, page, size, rows -> {
            List<GameService.GameView> items = rows.size() > size ? rows.subList(0, size) : rows;
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("status", st == null ? null : st.wireName());
            out.put("page", page);
            out.put("size", size);
            out.put("hasMore", rows.size() > size);
            out.put("games", new ArrayList<>(items));
            return bytes(out);
        });
        return listPage(body);
    }

    /** The answer carrying a games list page: the list cache's array, shared (see {@link #gzipped}). */
    private static Response listPage(byte[] body) {
        return new Response(200, JSON_TYPE, body, Map.of(), true);
    }

    private Response createGame(Request ex) {
        OptionalLong wait = createLimiter.tryAcquire(ex.client());
        if (wait.isPresent()) {
            throw new RateLimitedException(
                    "games created from one address are limited to " + createLimiter.describe() + "; try again in "
                            + wait.getAsLong() + " s",
                    wait.getAsLong());
        }
        ObjectNode body = object(ex, Set.of("maxPlayers", "rounds", "roundTimeoutMs"));
        int maxPlayers = intField(body, "maxPlayers", 2, Game.MIN_PLAYERS, Game.MAX_PLAYERS);
        int rounds = intField(body, "rounds", 5, 1, Game.MAX_ROUNDS);
        int timeoutMs = intField(body, "roundTimeoutMs", (int) defaultRoundTimeout.toMillis(), 10, 3_600_000);
        GameService.GameView view = games.create(new Game.Settings(maxPlayers, rounds, Duration.ofMillis(timeoutMs)));
        return new Response(201, JSON_TYPE, bytes(view), Map.of("Location", "/api/games/" + view.id()));
    }

    private Response join(Request ex, long id) {
        ObjectNode body = object(ex, Set.of("name"));
        String playerName = "player";
        JsonNode n = body.get("name");
        if (n != null) {
            if (!n.isTextual() || n.asText().isBlank() || n.asText().length() > 32) {
                throw ApiException.badRequest("bad_field", "name must be a string of 1 to 32 characters");
            }
            playerName = n.asText().strip();
        }
        return send(200, games.join(id, playerName));
    }

    private Response move(Request ex, long id) {
        long player = authorize(ex, id);
        ObjectNode body = object(ex, Set.of("move"));
        JsonNode n = body.get("move");
        if (n == null || !n.isTextual()) {
            throw ApiException.badRequest("bad_field", "move is required: one of rock, paper, scissors, lizard, spock");
        }
        Move m = Move.parse(n.asText());
        if (m == null) {
            throw ApiException.badRequest(
                    "bad_move", "move must be one of rock, paper, scissors, lizard, spock, was " + quote(n.asText()));
        }
        GameService.Moved moved = games.move(id, player, m);
        awaitDurable(moved);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("gameId", id);
        out.put("playerId", player);
        out.put("round", moved.round());
        out.put("accepted", true);
        out.put("result", moved.resolved() == null ? null : RoundJson.of(moved.resolved()));
        return send(202, out);
    }

    /** How long a move's answer waits for its journal sync (normally well under a millisecond). */
    static final Duration DURABLE_WAIT = Duration.ofSeconds(10);

    /**
     * A move is acknowledged (202) only once it is durable: synced to the action journal when there is
     * one. If the sync does not come (a failing or stalled disk), the answer is 503 {@code not_durable}:
     * the move is played and on its way to the database, but the server does not promise it.
     */
    private static void awaitDurable(GameService.Moved moved) {
        try {
            moved.durable().get(DURABLE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "not_durable", "interrupted before the move was synced to the journal");
        } catch (ExecutionException | TimeoutException e) {
            throw new ApiException(
                    503,
                    "not_durable",
                    "the move was played but could not be synced to the journal; it may be lost in a crash");
        }
    }

    private Response leave(Request ex, long id) {
        long player = authorize(ex, id);
        games.leave(id, player);
        return send(200, Map.of("gameId", id, "playerId", player, "left", true));
    }

    /** Checks the bearer token for game {@code id} and answers its player. */
    private long authorize(Request ex, long id) {
        String auth = ex.header().apply("Authorization");
        if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new ApiException(401, "missing_token", "send the player token as 'Authorization: Bearer <token>'");
        }
        PlayerTokens.Verification v = tokens.verify(auth.substring(7).strip(), id);
        return switch (v.status()) {
            case VALID -> v.playerId();
            case EXPIRED -> throw new ApiException(401, "token_expired", "the player token has expired; join again");
            case OTHER_GAME ->
                throw new ApiException(403, "token_for_other_game", "the player token is for another game");
            case MALFORMED, FORGED -> throw new ApiException(401, "invalid_token", "the player token is not valid");
        };
    }

    /** The round result as JSON: what a move's answer and a WebSocket broadcast carry. */
    record RoundJson(
            long gameId,
            int round,
            boolean timedOut,
            List<Map<String, Object>> players,
            String status,
            int nextRound,
            List<Long> winners) {
        static RoundJson of(Game.RoundResult r) {
            List<Map<String, Object>> players = new ArrayList<>();
            for (Game.PlayerResult p : r.players()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("playerId", p.playerId());
                Move mv = p.move();
                m.put("move", mv == null ? null : mv.wireName());
                m.put("points", p.points());
                m.put("score", p.score());
                players.add(m);
            }
            return new RoundJson(
                    r.gameId(), r.round(), r.timedOut(), players, r.status().wireName(), r.nextRound(), r.winners());
        }
    }

    private static void allow(String method, String allowed) {
        if (!method.equals(allowed)) {
            throw notAllowed(method, allowed);
        }
    }

    private static ApiException notAllowed(String method, String allowed) {
        return new ApiException(405, "method_not_allowed", "allowed here: " + allowed + "; was " + quote(method));
    }

    /**
     * The client's text as an error's {@code detail} quotes it: in single quotes, cut to {@value #MAX_QUOTE}
     * characters (then followed by how long it was).
     */
    static String quote(String clientText) {
        if (clientText.length() <= MAX_QUOTE) {
            return "'" + clientText + "'";
        }
        return "'" + clientText.substring(0, MAX_QUOTE) + "...' (" + clientText.length() + " characters)";
    }

    /** Whether {@code s} holds a control character (NUL, other C0 and C1 controls, DEL). */
    static boolean hasControl(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isISOControl(s.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    private static long gameId(String s) {
        try {
            long id = Long.parseLong(s);
            if (id > 0) {
                return id;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiException.badRequest("bad_game_id", "a game id is a positive integer, was " + quote(s));
    }

    private static ObjectNode object(Request ex, Set<String> allowed) {
        byte[] raw = ex.body();
        if (raw.length == 0) {
            return JSON.createObjectNode();
        }
        JsonNode node;
        try {
            node = JSON.readTree(raw);
        } catch (IOException e) {
            String why = e instanceof JsonProcessingException j
                    ? Objects.requireNonNullElse(j.getOriginalMessage(), "unreadable")
                    : "unreadable";
            throw ApiException.badRequest(
                    "bad_json",
                    "the body is not valid JSON: "
                            + (why.length() <= MAX_QUOTE ? why : why.substring(0, MAX_QUOTE) + "..."));
        }
        if (!(node instanceof ObjectNode o)) {
            throw ApiException.badRequest("bad_json", "the body must be a JSON object");
        }
        for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowed.contains(f)) {
                throw ApiException.badRequest("unknown_field", "unknown field " + quote(f) + "; allowed: " + allowed);
            }
            JsonNode v = o.get(f);
            if (v.isTextual() && hasControl(v.asText())) {
                throw ApiException.badRequest("bad_field", f + " must not contain control characters");
            }
        }
        return o;
    }

    private static int intField(ObjectNode o, String field, int dflt, int min, int max) {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < min || n.asInt() > max) {
            throw ApiException.badRequest(
                    "bad_field",
                    field + " must be an integer in [" + min + ", " + max + "], was " + quote(n.toString()));
        }
        return n.asInt();
    }

    private static int intParam(Map<String, String> q, String p, int dflt, int min, int max) {
        String v = q.get(p);
        if (v == null || v.isEmpty()) {
            return dflt;
        }
        try {
            int i = Integer.parseInt(v);
            if (i >= min && i <= max) {
                return i;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiException.badRequest(
                "bad_paging", p + " must be an integer in [" + min + ", " + max + "], was " + quote(v));
    }

    private static Map<String, String> query(@Nullable String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = eq < 0 ? pair : pair.substring(0, eq);
            String v = eq < 0 ? "" : pair.substring(eq + 1);
            try {
                k = URLDecoder.decode(k, StandardCharsets.UTF_8);
                v = URLDecoder.decode(v, StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("bad_query", "the query string is not valid URL encoding");
            }
            if (out.put(k, v) != null) {
                throw ApiException.badRequest("bad_query", "query parameter " + quote(k) + " given twice");
            }
        }
        return out;
    }

    static byte[] bytes(Object value) {
        try {
            return JSON.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render " + value.getClass().getSimpleName() + " as JSON", e);
        }
    }

    private static Response send(int status, Object value) {
        return new Response(status, JSON_TYPE, bytes(value), Map.of());
    }

    static Response error(int status, String error, String detail) {
        return error(status, error, detail, 1);
    }

    /** A JSON error; a 503 or 429 carries {@code Retry-After: retryAfterSeconds}. */
    static Response error(int status, String error, String detail, long retryAfterSeconds) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("error", error);
        body.put("detail", detail);
        Map<String, String> headers = Map.of();
        if (status == 405) {
            headers = Map.of("Allow", detail.substring("allowed here: ".length(), detail.indexOf(';')));
        } else if (status == 503 || status == 429) {
            headers = Map.of("Retry-After", String.valueOf(retryAfterSeconds));
        }
        return new Response(status, JSON_TYPE, bytes(body), headers);
    }

    /**
     * {@code r} with its body gzipped and {@code Content-Encoding: gzip} when the client accepts gzip and the
     * body has {@link #GZIP_MIN} bytes or more; else {@code r}. A shared body (a cached list page) is
     * compressed once and its gzipped form reused while the page is cached. Called off the event loop.
     */
    static Response gzipped(Response r, boolean clientAcceptsGzip) {
        if (!clientAcceptsGzip || r.body().length < GZIP_MIN) {
            return r;
        }
        return withGzipBody(r, r.sharedBody() ? GZIPPED.get(r.body(), HttpApi::gzip) : gzip(r.body()));
    }

    /**
     * As {@link #gzipped}, for the event loop: null when the body would have to be compressed now (a shared
     * body whose gzipped form is not cached yet, or one that is not shared), so that the caller hands the
     * request to a thread instead.
     */
    static @Nullable Response gzippedIfReady(Response r, boolean clientAcceptsGzip) {
        if (!clientAcceptsGzip || r.body().length < GZIP_MIN) {
            return r;
        }
        byte[] body = r.sharedBody() ? GZIPPED.getIfPresent(r.body()) : null;
        return body == null ? null : withGzipBody(r, body);
    }

    private static Response withGzipBody(Response r, byte[] gzipped) {
        Map<String, String> headers = new LinkedHashMap<>(r.headers());
        headers.put("Content-Encoding", "gzip");
        return new Response(r.status(), r.contentType(), gzipped, headers);
    }

    private static byte[] gzip(byte[] plain) {
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream(plain.length / 2 + 32);
        try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(buf)) {
            gz.write(plain);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("gzip into memory failed", e);
        }
        return buf.toByteArray();
    }

    static boolean acceptsGzip(@Nullable String header) {
        if (header == null) {
            return false;
        }
        for (String part : header.toLowerCase(Locale.ROOT).split(",")) {
            String[] p = part.strip().split(";");
            if (p[0].strip().equals("gzip")) {
                return p.length < 2 || !p[1].replace(" ", "").equals("q=0");
            }
        }
        return false;
    }

    /** A create refused by the per-address token bucket: 429 with the seconds to wait. */
    private static final class RateLimitedException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final long retryAfterSeconds;

        RateLimitedException(String detail, long retryAfterSeconds) {
            super(detail, null, false, false);
            this.retryAfterSeconds = retryAfterSeconds;
        }
    }
}

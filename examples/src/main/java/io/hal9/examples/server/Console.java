package io.hal9.examples.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The admin console's JSON routes, under {@code /console/api/} on the admin listener only (never the public
 * port): what the console page ({@code /console}) samples every second and the operator's actions.
 *
 * <ul>
 *   <li>{@code GET /console/api/meters}: a snapshot of the server's own meters (every {@code hal9.*} and {@code
 *       http.*} meter of the {@link Metrics} registry: name, tags and each statistic), which the page turns
 *       into rates and charts;
 *   <li>{@code GET /console/api/games}: the waiting and running games this instance hosts (the {@value
 *       #MAX_LISTED} lowest ids, with the total), with their players and which of them are connected here;
 *   <li>{@code GET /console/api/games/{id}}: one game's state (the API's view, the players connected here, the
 *       last round result sent, the instance hosting it);
 *   <li>{@code GET /console/api/instances}: every instance of the deployment from the database's {@code
 *       instances} table (URL, lease end, whether the lease is current, how many live games it hosts), this
 *       instance's readiness ({@code /health/ready}'s body), and the newest {@value #ELSEWHERE} live games other
 *       instances host;
 *   <li>{@code POST /console/api/games/{id}/end}: aborts a game hosted here ({@link GameService#abort}), its
 *       players told {@code ended} with the body's {@code detail} (optional, at most 200 characters);
 *   <li>{@code POST /console/api/games/{id}/players/{playerId}/disconnect}: closes that player's WebSocket
 *       session here with {@link WsGateway#DISCONNECTED} (4003); the client may reconnect.
 * </ul>
 *
 * <p>Protection: the admin listener's (it binds {@code admin-host}, loopback by default). A POST must also carry
 * the header {@value #ACTION_HEADER} (any value): a page of another origin cannot send it without a CORS
 * preflight, which this server never grants, so a link or a form elsewhere cannot end a game. While the
 * listener binds a loopback address, every console JSON request must name a loopback host ({@code Host:
 * localhost}, {@code 127.0.0.1}, {@code [::1]}, with any port): a site whose name an attacker re-points at
 * 127.0.0.1 (DNS rebinding) is refused with 403 {@code bad_host}.
 *
 * <p>Thread safety: stateless apart from the services it reads; safe for concurrent use.
 */
final class Console {
    /** The header every console POST must carry. */
    static final String ACTION_HEADER = "X-HAL9-Console";

    static final int MAX_DETAIL = 200;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private final GameService games;
    private final WsGateway ws;
    private final MeterRegistry registry;
    private final GameStore store;
    private final HealthProbe health;

    /**
     * Most games {@code /console/api/games} lists: the page asks every second, and each game is read under its
     * lock, so a server with thousands of live games must not answer with all of them.
     */
    static final int MAX_LISTED = 200;

    /** Most games of other instances {@code /console/api/instances} lists. */
    static final int ELSEWHERE = 100;

    /** Whether requests must name a loopback host (the admin listener binds a loopback address). */
    private final boolean loopbackOnly;

    Console(
            String name,
            GameService games,
            WsGateway ws,
            MeterRegistry registry,
            GameStore store,
            HealthProbe health,
            boolean loopbackOnly) {
        this.loopbackOnly = loopbackOnly;
        this.name = name;
        this.store = store;
        this.health = health;
        this.games = games;
        this.ws = ws;
        this.registry = registry;
    }

    /**
     * Answers a request under {@code /console/api/}: {@code seg} are the path's segments after {@code console},
     * {@code api}.
     *
     * @throws ApiException for a refusal
     */
    HttpApi.Response route(HttpApi.Request req, String[] seg) {
        if (loopbackOnly) {
            requireLoopbackHost(req.header().apply("Host"));
        }
        String method = req.method();
        if (seg.length == 1 && seg[0].equals("meters")) {
            allow(method, "GET");
            return json(meters());
        }
        if (seg.length == 1 && seg[0].equals("instances")) {
            allow(method, "GET");
            return json(instances());
        }
        if (seg.length == 1 && seg[0].equals("games")) {
            allow(method, "GET");
            return json(liveGames());
        }
        if (seg.length >= 2 && seg[0].equals("games")) {
            long id = positive(seg[1], "game id");
            if (seg.length == 2) {
                allow(method, "GET");
                return json(game(id));
            }
            if (seg.length == 3 && seg[2].equals("end")) {
                allow(method, "POST");
                requireHeader(req);
                String detail = detail(req.body());
                games.abort(id, detail);
                return json(Map.of("gameId", id, "status", "aborted", "detail", detail));
            }
            if (seg.length == 5 && seg[2].equals("players") && seg[4].equals("disconnect")) {
                allow(method, "POST");
                requireHeader(req);
                long player = positive(seg[3], "player id");
                if (!ws.disconnect(id, player)) {
                    throw ApiException.notFound(
                            "not_connected",
                            "player " + player + " of game " + id + " has no WebSocket session on instance '" + name
                                    + "'");
                }
                return json(Map.of("gameId", id, "playerId", player, "disconnected", true));
            }
        }
        throw ApiException.notFound("unknown_route", "no route " + HttpApi.quote(req.rawPath()));
    }

    /** The meters snapshot: every {@code hal9.*} and {@code http.*} meter with its statistics. */
    Map<String, Object> meters() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Meter m : registry.getMeters()) {
            String n = m.getId().getName();
            if (!n.startsWith("hal9.") && !n.startsWith("http.")) {
                continue;
            }
            Map<String, String> tags = new LinkedHashMap<>();
            for (Tag t : m.getId().getTags()) {
                tags.put(t.getKey(), t.getValue());
            }
            Map<String, Double> stats = new LinkedHashMap<>();
            for (Measurement s : m.measure()) {
                double v = s.getValue();
                stats.merge(s.getStatistic().name().toLowerCase(Locale.ROOT), Double.isFinite(v) ? v : 0, Double::sum);
            }
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("name", n);
            e.put("tags", tags);
            e.put("stats", stats);
            out.add(e);
        }
        Map<String, Object> snap = new LinkedHashMap<>();
        snap.put("instance", name);
        snap.put("time", System.currentTimeMillis());
        snap.put("meters", out);
        return snap;
    }

    /** The deployment's instances from the database, this one's readiness, and games other instances host. */
    private Map<String, Object> instances() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("instance", name);
        out.put("ready", health.ready());
        out.put("readiness", health.readiness());
        List<Map<String, Object>> list = new ArrayList<>();
        for (GameStore.InstanceRow r : store.instances()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", r.name());
            m.put("url", r.url());
            m.put("leaseUntil", r.leaseUntil().toString());
            m.put("leaseCurrent", r.leased());
            m.put("liveGames", r.liveGames());
            m.put("self", r.name().equals(name));
            list.add(m);
        }
        out.put("instances", list);
        out.put("elsewhere", store.liveGamesElsewhere(ELSEWHERE));
        return out;
    }

    /** The waiting and running games hosted here, by id, each with its players and their connections here. */
    Map<String, Object> liveGames() {
        List<Map<String, Object>> list = new ArrayList<>();
        TreeSet<Long> ids = new TreeSet<>(games.hostedIds());
        List<GameService.GameView> views = new ArrayList<>();
        for (long id : ids) {
            if (views.size() == MAX_LISTED) {
                break;
            }
            try {
                views.add(games.get(id));
            } catch (ApiException e) {
                // ended meanwhile
            }
        }
        Map<Long, Set<Long>> connected =
                ws.connected(views.stream().map(GameService.GameView::id).toList());
        for (GameService.GameView v : views) {
            list.add(withConnections(v, connected.getOrDefault(v.id(), Set.of())));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("instance", name);
        out.put("total", ids.size());
        out.put("games", list);
        return out;
    }

    private Map<String, Object> game(long id) {
        GameService.GameView v = games.get(id);
        Map<String, Object> out = withConnections(v, ws.connected(List.of(id)).getOrDefault(id, Set.of()));
        boolean here = games.hosts(id);
        out.put("hostedHere", here);
        out.put("host", here ? name : games.ownerOf(id)); // null: over, or its owner's lease lapsed
        out.put("lastResult", ws.lastResult(id));
        return out;
    }

    private Map<String, Object> withConnections(GameService.GameView v, Set<Long> connected) {
        Map<String, Object> g = new LinkedHashMap<>();
        g.put("id", v.id());
        g.put("status", v.status());
        g.put("round", v.round());
        g.put("rounds", v.rounds());
        g.put("maxPlayers", v.maxPlayers());
        g.put("roundTimeoutMs", v.roundTimeoutMs());
        g.put("createdAt", v.createdAt());
        g.put("host", name);
        List<Map<String, Object>> players = new ArrayList<>();
        if (v.players() != null) {
            for (GameService.PlayerItem p : v.players()) {
                Map<String, Object> pm = new LinkedHashMap<>();
                pm.put("id", p.id());
                pm.put("name", p.name());
                pm.put("score", p.score());
                pm.put("status", p.status());
                pm.put("connected", connected.contains(p.id()));
                players.add(pm);
            }
        }
        g.put("players", players);
        return g;
    }

    private static String detail(byte[] body) {
        String dflt = "ended by an operator";
        if (body.length == 0) {
            return dflt;
        }
        JsonNode n;
        try {
            n = JSON.readTree(body);
        } catch (IOException e) {
            throw ApiException.badRequest("bad_json", "the body must be a JSON object like {\"detail\": \"...\"}");
        }
        if (!(n instanceof ObjectNode o)) {
            throw ApiException.badRequest("bad_json", "the body must be a JSON object like {\"detail\": \"...\"}");
        }
        for (var it = o.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!f.equals("detail")) {
                throw ApiException.badRequest(
                        "unknown_field", "unknown field " + HttpApi.quote(f) + "; allowed: [detail]");
            }
        }
        JsonNode d = o.get("detail");
        if (d == null || d.isNull()) {
            return dflt;
        }
        if (!d.isTextual()
                || d.asText().isBlank()
                || d.asText().length() > MAX_DETAIL
                || HttpApi.hasControl(d.asText())) {
            throw ApiException.badRequest(
                    "bad_field",
                    "detail must be a string of 1 to " + MAX_DETAIL + " characters without control characters");
        }
        return d.asText().strip();
    }

    /**
     * Refuses a request that does not name a loopback host while the admin listener binds one: a page of
     * another site whose name was re-pointed at 127.0.0.1 (DNS rebinding) is same-origin for the browser, so
     * the action header alone would not stop it, but its requests carry that site's name as {@code Host}.
     */
    static void requireLoopbackHost(@Nullable String host) {
        String h = host == null ? "" : host.strip().toLowerCase(java.util.Locale.ROOT);
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            h = end < 0 ? h : h.substring(0, end + 1);
        } else if (h.indexOf(':') >= 0) {
            h = h.substring(0, h.indexOf(':'));
        }
        boolean loopback = h.equals("localhost")
                || h.equals("[::1]")
                || (h.startsWith("127.") && h.chars().allMatch(c -> c == '.' || Character.isDigit(c)));
        if (!loopback) {
            throw new ApiException(
                    403,
                    "bad_host",
                    "the console answers only requests addressed to a loopback host (localhost, 127.0.0.1 or"
                            + " [::1]) while admin-host is loopback; Host was "
                            + HttpApi.quote(host == null ? "" : host));
        }
    }

    private static void requireHeader(HttpApi.Request req) {
        if (req.header().apply(ACTION_HEADER) == null) {
            throw new ApiException(
                    403,
                    "console_header_required",
                    "console actions must carry the header " + ACTION_HEADER + " (the console page sends it)");
        }
    }

    private static long positive(String s, String what) {
        try {
            long v = Long.parseLong(s);
            if (v > 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiException.badRequest(
                what.startsWith("game") ? "bad_game_id" : "bad_player_id",
                "a " + what + " is a positive integer, was " + HttpApi.quote(s));
    }

    private static void allow(String method, String allowed) {
        if (!method.equals(allowed)) {
            throw new ApiException(
                    405, "method_not_allowed", "allowed here: " + allowed + "; was " + HttpApi.quote(method));
        }
    }

    private static HttpApi.Response json(Object value) {
        return new HttpApi.Response(
                200, "application/json; charset=utf-8", HttpApi.bytes(value), WebAssets.jsonHeaders());
    }
}

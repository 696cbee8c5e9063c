package io.hal9.examples.server;

import io.hal9.testkit.PrivatePostgresPair;
import io.hal9.testkit.PrivateRedisCluster;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * The deployment recipe's drill (examples/README.md, "Deployment recipe"): N instances of the reference
 * server as processes of their own behind HAProxy (the recipe's {@code examples/deploy/haproxy.cfg}), on a
 * private 3-master Redis Cluster with a replica each and a private PostgreSQL primary with a synchronous
 * streaming replica, all on loopback in temporary folders. It plays games whose players are spread over
 * every instance (each player's WebSocket and HTTP requests go through HAProxy's round-robin) and, during
 * play, in this order: SIGKILLs one instance, SIGKILLs one Redis master, restarts HAProxy, and crashes the
 * PostgreSQL primary (SIGKILL) and promotes the replica. Then it counts: games finished of started,
 * acknowledged moves against the moves stored, round results missing for connected players, conflicting
 * results, games left waiting or running, and the takeover time after the dead instance's lease lapsed.
 *
 * <p>Run by {@code DeploymentDrillTest} (the small form in {@code ./mvnw verify}, the full one with {@code
 * -Pdrill} or {@code examples/deploy/drill.sh}).
 *
 * <p>Thread safety: one drill per thread; its players run on virtual threads of their own.
 */
final class DeploymentDrill implements AutoCloseable {
    /** The faults, in the order the drill plays them. */
    enum Fault {
        INSTANCE("SIGKILL of one instance"),
        REDIS_MASTER("SIGKILL of one Redis master"),
        HAPROXY("HAProxy restart"),
        POSTGRES("PostgreSQL primary SIGKILL + promotion");

        final String label;

        Fault(String label) {
            this.label = label;
        }
    }

    /**
     * What to run.
     *
     * @param instances server instances (2 or more: one is killed)
     * @param games games created at the start, each with {@code max(2, instances)} players
     * @param rounds rounds of each of those games (the faults are spread over them)
     * @param extraGames games created after each fault (a quarter of the rounds each), to show that new games
     *     start after it
     * @param think a player's pause between a result and its next move
     * @param roundTimeout the games' round timeout
     * @param lease the instances' ownership lease
     * @param deadline the most the play may last, faults included
     * @param faults which faults to play (in {@link Fault}'s order)
     * @param keep keep the temporary folder (logs, configuration) even when the drill passes
     */
    record Options(
            int instances,
            int games,
            int rounds,
            int extraGames,
            Duration think,
            Duration roundTimeout,
            Duration lease,
            Duration deadline,
            Set<Fault> faults,
            boolean keep) {

        /** The options from {@code hal9.drill.*} system properties, over {@code dflt}. */
        static Options fromSystemProperties(Options dflt) {
            Set<Fault> faults = dflt.faults();
            String f = System.getProperty("hal9.drill.faults");
            if (f != null && !f.isBlank()) {
                faults = EnumSet.noneOf(Fault.class);
                for (String name : f.split(",")) {
                    faults.add(
                            Fault.valueOf(name.strip().toUpperCase(Locale.ROOT).replace('-', '_')));
                }
            }
            return new Options(
                    Integer.getInteger("hal9.drill.instances", dflt.instances()),
                    Integer.getInteger("hal9.drill.games", dflt.games()),
                    Integer.getInteger("hal9.drill.rounds", dflt.rounds()),
                    Integer.getInteger("hal9.drill.extra-games", dflt.extraGames()),
                    duration("hal9.drill.think", dflt.think()),
                    duration("hal9.drill.round-timeout", dflt.roundTimeout()),
                    duration("hal9.drill.lease", dflt.lease()),
                    duration("hal9.drill.deadline", dflt.deadline()),
                    faults,
                    Boolean.parseBoolean(System.getProperty("hal9.drill.keep", Boolean.toString(dflt.keep()))));
        }

        private static Duration duration(String property, Duration dflt) {
            String v = System.getProperty(property);
            return v == null || v.isBlank()
                    ? dflt
                    : ServerConfig.parseDuration(v.strip()); // 500ms, 2s, 10m or ISO-8601
        }

        int playersPerGame() {
            return Math.max(2, instances);
        }
    }

    /** What the drill counted. */
    record Report(
            Options options,
            int gamesStarted,
            int gamesFinished,
            long orphanRows,
            int acknowledged,
            int stored,
            int lost,
            long duplicates,
            int storedNotAcknowledged,
            DrillPlayers.Missing missing,
            long conflictingResults,
            long scoreMismatches,
            Map<String, Long> connectionsPerInstance,
            Map<String, Long> faultMillis,
            long takeoverAfterLapseMs,
            long killToTakeoverMs,
            long reconnects,
            long resyncs,
            long wsMoves,
            long httpMoves,
            Map<String, Long> refusals,
            Map<String, Long> closes,
            long playMillis,
            long totalMillis) {

        /** The drill's figures, one per line. */
        String describe() {
            StringBuilder b = new StringBuilder();
            b.append(String.format(
                    "deployment drill: %d instances behind HAProxy, Redis Cluster 3 masters + 3 replicas,"
                            + " PostgreSQL primary + synchronous replica; faults: %s%n",
                    options.instances(),
                    options.faults().stream().map(f -> f.label).toList()));
            b.append(String.format(
                    "  games finished / started         %d / %d (%d players each; %d left waiting or running)%n",
                    gamesFinished, gamesStarted, options.playersPerGame(), orphanRows));
            b.append(String.format(
                    "  acknowledged moves / stored      %d / %d: %d lost, %d duplicated, %d stored but never"
                            + " acknowledged (in flight at a fault)%n",
                    acknowledged, stored, lost, duplicates, storedNotAcknowledged));
            b.append(String.format(
                    "  moves sent                       %d over WebSocket, %d over HTTP%n", wsMoves, httpMoves));
            b.append(String.format(
                    "  round results missing            %d for connected players (neither received nor sent again),"
                            + " %d while reconnecting; %d rounds no player heard; %d more received only when the"
                            + " server sent them again%n",
                    missing.whileConnected(), missing.whileAway(), missing.lostForAll(), missing.resent()));
            b.append(String.format(
                    "  conflicting results / scores     %d / %d (a round's result differing between players; final"
                            + " scores differing from the database)%n",
                    conflictingResults, scoreMismatches));
            b.append(String.format(
                    "  takeover                         %d ms after the lease lapsed (%d ms after the SIGKILL, lease"
                            + " %d ms)%n",
                    takeoverAfterLapseMs, killToTakeoverMs, options.lease().toMillis()));
            b.append("  faults (ms)                      ").append(faultMillis).append('\n');
            b.append("  WebSockets per instance at start ")
                    .append(connectionsPerInstance)
                    .append('\n');
            b.append(String.format(
                    "  reconnects %d, resyncs (sync, then GET, after a missing result or a refusal) %d%n",
                    reconnects, resyncs));
            b.append("  refusals ").append(refusals).append('\n');
            b.append("  closes   ").append(closes).append('\n');
            b.append(String.format("  play %.1f s, whole drill %.1f s%n", playMillis / 1000.0, totalMillis / 1000.0));
            return b.toString();
        }
    }

    private static final String SECRET = "deployment-drill-shared-token-secret";
    private static final String PREFIX = "hal9drill:";

    private final Options options;
    private final Path dir;
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final Map<String, ServerProcess> instances = new LinkedHashMap<>();
    private final Map<String, Long> faultMillis = new LinkedHashMap<>();
    private final List<Long> games = new ArrayList<>();
    private final List<Long> initialGames = new ArrayList<>();
    private PrivateRedisCluster redis;
    private PrivatePostgresPair pg;
    private HaproxyProcess haproxy;
    private DrillPlayers players;
    private long takeoverAfterLapseMs = -1;
    private long killToTakeoverMs = -1;
    private boolean passed;

    DeploymentDrill(Options options) throws IOException {
        this.options = options;
        if (options.instances() < 2) {
            throw new IllegalArgumentException("instances must be >= 2 (one is killed), was " + options.instances());
        }
        this.dir = Files.createTempDirectory("hal9-drill-");
    }

    /** Where the logs are (each instance's, HAProxy's, the configuration). */
    Path dir() {
        return dir;
    }

    /** Marks the drill as passed: {@link #close()} then removes its folder (unless {@code keep}). */
    void passed() {
        this.passed = true;
    }

    /** Starts everything, plays, plays the faults, waits for every game and counts. */
    Report run() throws Exception {
        long t0 = System.nanoTime();
        String haproxyBinary = HaproxyProcess.find(); // skips (or fails) before anything starts
        redis = PrivateRedisCluster.start();
        toClose.add(redis);
        pg = PrivatePostgresPair.start();
        toClose.add(pg);
        startInstances();
        List<String> servers = new ArrayList<>();
        for (ServerProcess s : instances.values()) {
            servers.add(URI.create(s.baseUrl()).getAuthority());
        }
        haproxy = HaproxyProcess.start(haproxyBinary, dir, servers);
        toClose.add(haproxy);
        haproxy.awaitUp(List.copyOf(instances.keySet()), Duration.ofSeconds(20));
        log(
                "up: %s, Redis Cluster %s, PostgreSQL %s, HAProxy %s (stats %s)",
                instances.keySet(), redis.ports(), pg, haproxy.baseUrl(), haproxy.statsUrl());

        players = new DrillPlayers(
                haproxy.baseUrl(),
                haproxy.wsUrl(),
                options.think(),
                options.roundTimeout().plusSeconds(1));
        Map<String, Long> spread = startGames(options.games(), options.rounds(), true);
        long playStart = System.nanoTime();
        long deadline = playStart + options.deadline().toNanos();

        List<Fault> faults =
                Arrays.stream(Fault.values()).filter(options.faults()::contains).toList();
        for (int i = 0; i < faults.size(); i++) {
            int target = (int) ((long) options.rounds() * (i + 1) / (faults.size() + 1));
            awaitProgress(target, deadline);
            Fault f = faults.get(i);
            log("fault %d: %s (games at round %d or later)", i + 1, f.label, target);
            switch (f) {
                case INSTANCE -> killInstance();
                case REDIS_MASTER -> killRedisMaster();
                case HAPROXY -> restartHaproxy();
                case POSTGRES -> failOverPostgres();
            }
            if (options.extraGames() > 0) {
                startGames(options.extraGames(), Math.max(4, options.rounds() / 4), false);
            }
        }
        players.awaitDone(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        long playMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - playStart);
        log("every player is done after %.1f s of play", playMillis / 1000.0);
        return count(spread, playMillis, t0);
    }

    // ---------------------------------------------------------------- set-up

    private List<String> serverArgs(String name) {
        return SharedServices.postgresArgs(
                pg.multiHostUrl(),
                4,
                dir.resolve("journal").toString(),
                "--instance-name",
                name,
                "--admin-port",
                "0",
                "--db-read-urls",
                pg.jdbcUrl(pg.replicaPort()),
                "--redis-uri",
                redis.uri(),
                "--redis-prefix",
                PREFIX,
                "--token-secret",
                SECRET,
                "--lease",
                options.lease().toMillis() + "ms",
                "--lease-renew-interval",
                Math.max(50, options.lease().toMillis() / 8) + "ms",
                "--round-timeout",
                options.roundTimeout().toMillis() + "ms",
                // behind HAProxy every player comes from its address: the per-client limits are HAProxy's
                "--ws-max-connections-per-address",
                "10000",
                "--create-rate",
                "0");
    }

    private void startInstances() throws Exception {
        Files.createDirectories(dir.resolve("journal"));
        // the first one alone migrates the schema; the others start together
        String first = "hal9-1";
        instances.put(first, ServerProcess.start(dir.resolve(first + ".log"), serverArgs(first)));
        toClose.add(instances.get(first));
        List<CompletableFuture<ServerProcess>> rest = new ArrayList<>();
        for (int i = 2; i <= options.instances(); i++) {
            String name = "hal9-" + i;
            rest.add(CompletableFuture.supplyAsync(
                    () -> {
                        try {
                            return ServerProcess.start(dir.resolve(name + ".log"), serverArgs(name));
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new IllegalStateException(e);
                        }
                    },
                    c -> Thread.ofVirtual().start(c)));
        }
        for (int i = 0; i < rest.size(); i++) {
            ServerProcess s = rest.get(i).get(120, TimeUnit.SECONDS);
            instances.put("hal9-" + (i + 2), s);
            toClose.add(s);
        }
    }

    /**
     * Creates {@code n} games through HAProxy, joins their players, then opens the players' WebSockets one
     * after the other, game by game, so that round-robin puts the players of one game on different
     * instances; answers how many of these WebSockets each instance took (HAProxy's counters).
     */
    private Map<String, Long> startGames(int n, int rounds, boolean initial) {
        int seats = options.playersPerGame();
        List<DrillPlayers.Player> joined = new ArrayList<>();
        for (int g = 0; g < n; g++) {
            long id = players.createGame(seats, rounds, options.roundTimeout());
            synchronized (games) {
                games.add(id);
                if (initial) {
                    initialGames.add(id);
                }
            }
            for (int s = 0; s < seats; s++) {
                joined.add(players.join(id, s));
            }
        }
        Map<String, Long> before = sessionsPerServer();
        for (DrillPlayers.Player p : joined) {
            players.connect(p);
        }
        Map<String, Long> after = sessionsPerServer();
        Map<String, Long> spread = new TreeMap<>();
        after.forEach((k, v) -> spread.put(k, v - before.getOrDefault(k, 0L)));
        joined.forEach(players::start);
        return spread;
    }

    private Map<String, Long> sessionsPerServer() {
        Map<String, Long> out = new TreeMap<>();
        haproxy.stats().forEach((name, row) -> out.put(name, Long.parseLong(row.getOrDefault("stot", "0"))));
        return out;
    }

    private void awaitProgress(int round, long deadline) {
        while (true) {
            List<Long> behind = new ArrayList<>();
            for (long id : initialGames) {
                if (!players.finished.contains(id) && players.progress.getOrDefault(id, 0) < round) {
                    behind.add(id);
                }
            }
            if (behind.isEmpty()) {
                return;
            }
            if (System.nanoTime() - deadline >= 0) {
                Map<Long, Integer> at = new TreeMap<>();
                behind.forEach(id -> at.put(id, players.progress.getOrDefault(id, 0)));
                throw new IllegalStateException("games did not reach round " + round + " before the deadline"
                        + " (game -> last round heard): " + at + "; logs in " + dir);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // polling the players' progress
        }
    }

    // ---------------------------------------------------------------- faults

    private void killInstance() throws Exception {
        String victim;
        try (Connection c = db()) {
            Map<String, Long> live = hostsOfLiveGames(c);
            victim = live.entrySet().stream()
                    .filter(e -> instances.containsKey(e.getKey()))
                    .max(Map.Entry.comparingByValue())
                    .orElseThrow()
                    .getKey();
            log("killing %s (live games per host: %s)", victim, live);
        }
        ServerProcess s = instances.remove(victim);
        long killed = System.nanoTime();
        s.kill();
        CompletableFuture<Long> markedDown = CompletableFuture.supplyAsync(
                () -> {
                    haproxy.awaitUp(List.copyOf(instances.keySet()), Duration.ofSeconds(20));
                    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
                },
                c -> Thread.ofVirtual().start(c));
        // takeover: from the dead instance's lease end (database time) until it hosts no live game
        try (Connection c = db();
                PreparedStatement ps = c.prepareStatement("SELECT (SELECT count(*) FROM games WHERE host = ? AND"
                        + " status IN ('waiting', 'running')), (extract(epoch FROM now() - (SELECT lease_until FROM"
                        + " instances WHERE name = ?)) * 1000)::bigint")) {
            ps.setString(1, victim);
            ps.setString(2, victim);
            long limit = killed + options.lease().plusSeconds(20).toNanos();
            while (true) {
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getLong(1) == 0) {
                        takeoverAfterLapseMs = Math.max(0, rs.getLong(2));
                        killToTakeoverMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
                        break;
                    }
                }
                if (System.nanoTime() - limit >= 0) {
                    throw new IllegalStateException(victim + "'s games were not taken over within lease + 20 s");
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // polling the database
            }
        }
        faultMillis.put("instance out of HAProxy", markedDown.get(30, TimeUnit.SECONDS));
        faultMillis.put("takeover after SIGKILL", killToTakeoverMs);
        log("%s: taken over %d ms after its lease lapsed", victim, takeoverAfterLapseMs);
    }

    private void killRedisMaster() {
        // the master that carries the most of the live games' rooms
        Map<Integer, Integer> rooms = new HashMap<>();
        synchronized (games) {
            for (long id : games) {
                if (!players.finished.contains(id)) {
                    rooms.merge(redis.masterOf(PREFIX + "room:game:" + id), 1, Integer::sum);
                }
            }
        }
        int port = rooms.entrySet().stream()
                .max(Map.Entry.comparingByValue())
                .map(Map.Entry::getKey)
                .orElse(redis.masters().get(0));
        log("killing the Redis master on port %d (live rooms per master: %s)", port, rooms);
        long killed = System.nanoTime();
        redis.kill(port);
        redis.awaitFailover(port, Duration.ofSeconds(30));
        faultMillis.put("Redis failover", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed));
    }

    private void restartHaproxy() throws IOException {
        long stopped = System.nanoTime();
        haproxy.restart();
        long back = System.nanoTime();
        haproxy.awaitUp(List.copyOf(instances.keySet()), Duration.ofSeconds(20));
        faultMillis.put("HAProxy restart", TimeUnit.NANOSECONDS.toMillis(back - stopped));
        faultMillis.put("HAProxy restart to instances up", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopped));
    }

    private void failOverPostgres() {
        long killed = System.nanoTime();
        pg.killPrimary();
        pg.promoteReplica();
        long promoted = System.nanoTime();
        faultMillis.put("PostgreSQL promotion", TimeUnit.NANOSECONDS.toMillis(promoted - killed));
        haproxy.awaitUp(List.copyOf(instances.keySet()), Duration.ofSeconds(60));
        faultMillis.put("instances ready after promotion", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - promoted));
    }

    // ---------------------------------------------------------------- counts

    private Report count(Map<String, Long> spread, long playMillis, long t0) throws Exception {
        List<Long> all;
        synchronized (games) {
            all = List.copyOf(games);
        }
        Set<DrillPlayers.Ack> acked = Set.copyOf(players.acked);
        Set<DrillPlayers.Ack> stored = new HashSet<>();
        int finished = 0;
        long orphans;
        long duplicates;
        long scoreMismatches = 0;
        Map<Long, Integer> lastRound = new HashMap<>();
        try (Connection c = db()) {
            // the final rows are written just after the last result; the moves a moment after their answer
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (true) {
                finished = countFinished(c, all);
                stored = storedMoves(c, all);
                if ((finished == all.size() && stored.containsAll(acked)) || System.nanoTime() - until >= 0) {
                    break;
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100)); // polling the database
            }
            orphans = single(c, "SELECT count(*) FROM games WHERE status IN ('waiting', 'running')");
            duplicates = single(
                    c,
                    "SELECT count(*) FROM (SELECT 1 FROM actions GROUP BY game_id, player_id, round"
                            + " HAVING count(*) > 1) d");
            try (PreparedStatement ps = c.prepareStatement("SELECT id, current_round FROM games WHERE id = ANY (?)")) {
                ps.setArray(1, c.createArrayOf("bigint", all.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        lastRound.put(rs.getLong(1), rs.getInt(2));
                    }
                }
            }
            scoreMismatches = scoreMismatches(c);
        }
        // a game's last round is the last one resolved: the database's current round, or the last result heard
        players.progress.forEach((g, r) -> lastRound.merge(g, r, Math::max));
        Set<DrillPlayers.Ack> lost = new HashSet<>(acked);
        lost.removeAll(stored);
        if (!lost.isEmpty()) {
            log(
                    "acknowledged but not stored (first 10): %s",
                    lost.stream().limit(10).toList());
        }
        Set<DrillPlayers.Ack> notAcked = new HashSet<>(stored);
        notAcked.removeAll(acked);
        DrillPlayers.Missing missing = players.missing(lastRound);
        synchronized (players.conflicts) {
            players.conflicts.forEach(c -> log("conflicting results: %s", c));
        }
        if (missing.whileConnected() > 0) {
            log("missing results while connected (player -> rounds, first few): %s", missing.examples());
        }
        return new Report(
                options,
                all.size(),
                finished,
                orphans,
                acked.size(),
                stored.size(),
                lost.size(),
                duplicates,
                notAcked.size(),
                missing,
                players.conflictingResults.sum(),
                scoreMismatches,
                spread,
                faultMillis,
                takeoverAfterLapseMs,
                killToTakeoverMs,
                players.reconnects.sum(),
                players.resyncs.sum(),
                players.wsMoves.sum(),
                players.httpMoves.sum(),
                players.refusalCounts(),
                players.closeCounts(),
                playMillis,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }

    /** Final results heard by the players whose scores differ from the players rows. */
    private long scoreMismatches(Connection c) throws SQLException {
        long mismatches = 0;
        try (PreparedStatement ps = c.prepareStatement("SELECT score FROM players WHERE id = ?")) {
            for (var e : players.results.entrySet()) {
                var result = e.getValue();
                if (result.path("nextRound").asInt(1) != 0) {
                    continue;
                }
                for (var p : result.path("players")) {
                    ps.setLong(1, p.path("playerId").asLong());
                    try (ResultSet rs = ps.executeQuery()) {
                        if (!rs.next() || rs.getInt(1) != p.path("score").asInt()) {
                            mismatches++;
                        }
                    }
                }
            }
        }
        return mismatches;
    }

    private static int countFinished(Connection c, List<Long> ids) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("SELECT count(*) FROM games WHERE id = ANY (?) AND status = 'finished'")) {
            ps.setArray(1, c.createArrayOf("bigint", ids.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    private static Set<DrillPlayers.Ack> storedMoves(Connection c, List<Long> ids) throws SQLException {
        Set<DrillPlayers.Ack> out = new HashSet<>();
        try (PreparedStatement ps =
                c.prepareStatement("SELECT game_id, player_id, round, move FROM actions WHERE game_id = ANY (?)")) {
            ps.setArray(1, c.createArrayOf("bigint", ids.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new DrillPlayers.Ack(rs.getLong(1), rs.getLong(2), rs.getInt(3), rs.getString(4)));
                }
            }
        }
        return out;
    }

    private static long single(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static Map<String, Long> hostsOfLiveGames(Connection c) throws SQLException {
        Map<String, Long> out = new TreeMap<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT host, count(*) FROM games WHERE status IN ('waiting', 'running') GROUP BY host")) {
            while (rs.next()) {
                out.put(rs.getString(1), rs.getLong(2));
            }
        }
        return out;
    }

    /** The primary, in the schema the servers use (their default: no schema in the URL or the options). */
    private Connection db() throws SQLException {
        Connection c = DriverManager.getConnection(pg.multiHostUrl());
        c.setSchema(ServerConfig.DEFAULT_DB_SCHEMA);
        return c;
    }

    private static void log(String format, Object... args) {
        System.out.printf("drill: " + format + "%n", args);
    }

    /**
     * Stops the players, the instances (SIGTERM), HAProxy, Redis and PostgreSQL; removes the folder when the
     * drill passed and {@code keep} is off, else says where it is.
     */
    @Override
    public void close() {
        if (players != null) {
            players.close();
        }
        for (ServerProcess s : instances.values()) {
            try {
                s.term(Duration.ofSeconds(20));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (AutoCloseable c : toClose) {
            try {
                c.close();
            } catch (Exception e) {
                // best effort at teardown
            }
        }
        if (passed && !options.keep()) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (IOException e) {
                // a temporary folder
            }
        } else {
            log("logs and configuration kept in %s", dir);
        }
    }
}

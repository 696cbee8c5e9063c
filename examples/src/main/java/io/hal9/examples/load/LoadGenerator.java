package io.hal9.examples.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hal9.examples.server.ServerConfig;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;

/**
 * Plays N concurrent games of M players over real WebSocket connections at a target action rate,
 * runs staged HTTP load on {@code GET /api/games} beside it (virtual users ramped linearly like the
 * seed's k6 script), and prints the seed's performance table; {@code --out FILE} also writes it as
 * the {@code e2e.json} the benchmarks report renders.
 *
 * <p>The server runs in its own JVM: without {@code --target} this program starts one as a child
 * process (same class path; {@code HAL9_DB_URL} and the other {@code HAL9_*} variables are passed on)
 * and stops it with SIGTERM at the end. Memory per game is measured in the server's JVM with
 * {@code jcmd} (heap used after a full GC with every game's players connected, minus before, divided
 * by the games), so the client's objects are not in it; with {@code --target} it needs
 * {@code --server-pid}. Actions persisted are rows committed in the {@code actions} table during the
 * run, counted over JDBC ({@code --db-url}, default {@code HAL9_DB_URL}, in the server's schema: {@code
 * HAL9_DB_SCHEMA}, else the URL's {@code currentSchema}, else {@code hal9}); without a database URL
 * (embedded H2 in the child) the figure is not available.
 *
 * <p>The WebSocket side is {@link WsPlayers} (Netty, one event loop thread by default). Latencies and
 * late rounds are counted after the first {@code --warmup} of play (10 s by default). Latency is
 * action→result, for every move: to receiving the result of its round, from when the move was due under
 * the target schedule (coordinated-omission corrected: a round the server held up delays the next
 * ones, and they count that wait) and, separately, from when it was written (uncorrected); both in
 * HdrHistogram (see {@link LatencyRecorder}), both reported. In an M-player game it includes the time
 * the other M-1 moves take to arrive. Over the same measured window a {@link WakeupProbe} records how late
 * the machine wakes a thread that sleeps 1 ms ({@code latencyMs.machineWakeupLateness} in the JSON): the floor
 * that the machine, not the server, sets under those latencies.
 *
 * <p>Thread safety: a program entry point; not for concurrent use.
 */
public final class LoadGenerator {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The heap used in {@code jcmd GC.heap_info}: G1 and Parallel say "used 1234K", ZGC "used 326M". */
    private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)([KMG])\\b");
    /** The seed's k6 stages: ramp to 100 users in 30 s, to 500 in 1 min, to 1000 in 2 min, to 0 in 30 s. */
    static final String SEED_STAGES = "100:30s,500:60s,1000:120s,0:30s";

    private final Map<String, String> opts;
    private final PrintStream out;
    /** The instance names of the servers this run started (their leftover games are ended after the run). */
    private final List<String> instanceNames = new ArrayList<>();

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final LongAdder httpRequests = new LongAdder();
    private final LongAdder httpErrors = new LongAdder();
    /** Time of every HTTP stage request (GET /api/games), from its send to its whole answer, in nanoseconds. */
    private final Histogram httpLatency = new ConcurrentHistogram(3);

    private final AtomicBoolean stop = new AtomicBoolean();

    LoadGenerator(Map<String, String> opts, PrintStream out) {
        this.opts = opts;
        this.out = out;
    }

    /** The options and their defaults. */
    static Map<String, String> defaults() {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("games", "100");
        o.put("players", "2");
        o.put("rate", "1000");
        o.put("rounds", "1000");
        o.put("http-stages", SEED_STAGES);
        o.put("http-scale", "1");
        o.put("http-think", "1s");
        // one event loop: at 10,000 moves/s it takes about 38 % of a core, where two took 61 % between them
        // (waking each other and the server across the two cores), CPU this 2-core machine's server lacked;
        // pass --ws-threads 2 or more for rates beyond one loop (the max-rate runs)
        o.put("ws-threads", "1");
        o.put("warmup", "10s");
        o.put("server-heap", "1g");
        o.put("server-jvm", "-XX:+AlwaysPreTouch");
        // one WebSocket event loop: on a machine the server shares with this generator and PostgreSQL, a
        // second loop costs more in cross-thread wake-ups (a room's sessions on both loops) than it adds
        o.put("server-args", "--ws-threads 1");
        // servers started as children; more than one needs HAL9_DB_URL and HAL9_REDIS_URI (one deployment)
        o.put("instances", "1");
        // how players reach a game hosted by one of several instances: affinity (each player on the game's
        // host) or round-robin (player p of a game on instance host + p: with 2 instances half the moves are
        // forwarded, as behind a round-robin balancer)
        o.put("routing", "affinity");
        return o;
    }

    /**
     * Runs a load test; {@code --help} lists the options.
     *
     * @param args options
     * @throws Exception when the run cannot start or a file cannot be written
     */
    public static void main(String[] args) throws Exception {
        Map<String, String> o = defaults();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--help")) {
                System.out.println("""
                        LoadGenerator [--games N] [--players M] [--rate actions/s] [--duration D] [--rounds R]
                            [--http-stages VU:D,...] [--http-scale F] [--http-think D] [--ws-threads T] [--warmup D]
                            [--target http://host:port --ws ws://host:port/ws [--server-pid PID]]
                            [--db-url JDBC] [--server-heap 1g] [--server-jvm "-XX:+Flag ..."]
                            [--server-args "--opt v ..."] [--instances N] [--routing affinity|round-robin]
                            [--out e2e.json]
                        Stages ramp linearly like k6; --http-scale multiplies their durations (0.5: 2 min).
                        --duration of play defaults to the scaled stages' total.
                        Without --target a server starts as a child JVM (HAL9_* variables are passed on);
                        --instances N starts N (on PostgreSQL and Redis: HAL9_DB_URL, HAL9_REDIS_URI), games are
                        created on each in turn, and --routing says where players connect.
                        Defaults:""" + " " + o);
                return;
            }
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("load generator: expected --option value, got '" + args[i] + "'");
            }
            o.put(args[i].substring(2), args[++i]);
        }
        new LoadGenerator(o, System.out).run();
    }

    private int intOpt(String name) {
        return Integer.parseInt(opts.getOrDefault(name, defaults().get(name)));
    }

    static Duration duration(String s) {
        String v = s.trim().toLowerCase(Locale.ROOT);
        if (v.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
        }
        if (v.endsWith("m")) {
            return Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)));
        }
        if (v.endsWith("s")) {
            return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
        }
        return Duration.parse(s);
    }

    /** A stage of the HTTP load: ramp linearly to {@code users} over {@code length}. */
    record Stage(int users, Duration length) {}

    /** The stages of {@code spec} ("VU:duration,..."), their durations multiplied by {@code scale}. */
    static List<Stage> stages(String spec, double scale) {
        if (!(scale > 0)) {
            throw new IllegalArgumentException("load generator: http-scale must be > 0, was " + scale);
        }
        List<Stage> out = new ArrayList<>();
        for (String s : spec.split(",")) {
            String[] p = s.trim().split(":");
            if (p.length != 2) {
                throw new IllegalArgumentException("load generator: a stage is VU:duration, was '" + s + "'");
            }
            long nanos = (long) (duration(p[1]).toNanos() * scale);
            out.add(new Stage(Integer.parseInt(p[0].trim()), Duration.ofNanos(nanos)));
        }
        return out;
    }

    /** The users the stages ask for {@code elapsed} after their start: linear within a stage, like k6. */
    static int usersAt(List<Stage> stages, Duration elapsed) {
        long t = elapsed.toNanos();
        int from = 0;
        for (Stage s : stages) {
            long len = s.length().toNanos();
            if (t < len) {
                return (int) Math.round(from + (s.users() - from) * (double) t / len);
            }
            t -= len;
            from = s.users();
        }
        return 0;
    }

    void run() throws Exception {
        int games = intOpt("games");
        int players = intOpt("players");
        int rate = intOpt("rate");
        int rounds = intOpt("rounds");
        List<Stage> stages = stages(opts.get("http-stages"), Double.parseDouble(opts.get("http-scale")));
        Duration stagesTotal = Duration.ZERO;
        for (Stage s : stages) {
            stagesTotal = stagesTotal.plus(s.length());
        }
        Duration length = opts.containsKey("duration") ? duration(opts.get("duration")) : stagesTotal;
        String base = opts.get("target");
        String ws = opts.get("ws");
        int instances = intOpt("instances");
        boolean roundRobin = switch (opts.getOrDefault("routing", "affinity")) {
            case "affinity" -> false;
            case "round-robin" -> true;
            default ->
                throw new IllegalArgumentException(
                        "load generator: routing must be affinity or round-robin, was '" + opts.get("routing") + "'");
        };
        List<Process> children = new ArrayList<>();
        List<String> bases = new ArrayList<>();
        List<String> wsUrls = new ArrayList<>();
        Long pid = opts.containsKey("server-pid") ? Long.valueOf(opts.get("server-pid")) : null;
        String dbUrl = opts.getOrDefault("db-url", System.getenv("HAL9_DB_URL"));
        LatencyRecorder latencies = new LatencyRecorder();
        List<Long> created = new ArrayList<>();
        try (WsPlayers ws2 = new WsPlayers(intOpt("ws-threads"), latencies)) {
            if (base == null) {
                if (instances < 1 || instances > 8) {
                    throw new IllegalArgumentException("load generator: instances must be in [1, 8], was " + instances);
                }
                if (instances > 1 && (dbUrl == null || System.getenv("HAL9_REDIS_URI") == null)) {
                    throw new IllegalArgumentException("load generator: --instances " + instances
                            + " is one deployment: set HAL9_DB_URL (PostgreSQL) and HAL9_REDIS_URI");
                }
                for (int i = 0; i < instances; i++) {
                    int port = freePort();
                    int wsPort = freePort();
                    Process child = startServer(port, wsPort, games * players, instances == 1 ? "" : "-" + i);
                    children.add(child);
                    bases.add("http://127.0.0.1:" + port);
                    // one port for HTTP and WebSocket, unless the server is asked for the previous JDK engine
                    wsUrls.add("ws://127.0.0.1:" + (jdkEngine() ? wsPort : port) + "/ws");
                }
                for (int i = 0; i < instances; i++) {
                    awaitHealthy(bases.get(i), children.get(i));
                }
                // heap per game is measured on a lone server only: with several, games and sessions split
                pid = instances == 1 ? children.get(0).pid() : null;
            } else if (ws == null) {
                throw new IllegalArgumentException("load generator: --target needs --ws too");
            } else {
                bases.addAll(List.of(base.split(",")));
                wsUrls.addAll(List.of(ws.split(",")));
                if (bases.size() != wsUrls.size()) {
                    throw new IllegalArgumentException(
                            "load generator: --target and --ws must list as many servers, were " + bases + " and "
                                    + wsUrls);
                }
            }
            base = bases.get(0);
            long heapBefore = pid == null ? -1 : heapUsedAfterGc(pid);
            out.printf(
                    Locale.ROOT,
                    "creating %d games of %d players on %s%s%n",
                    games,
                    players,
                    bases,
                    bases.size() > 1 ? ", players " + (roundRobin ? "round-robin" : "on their game's host") : "");
            List<WsPlayers.GameSpec> specs = createGames(bases, games, players, rounds);
            specs.forEach(g -> created.add(g.id()));
            CountDownLatch welcomed = new CountDownLatch(games * players);
            for (int g = 0; g < specs.size(); g++) {
                int host = g % bases.size(); // game g was created on, and is hosted by, bases[g % n]
                List<String> urls = new ArrayList<>();
                for (int p = 0; p < players; p++) {
                    urls.add(wsUrls.get(roundRobin ? (host + p) % wsUrls.size() : host));
                }
                ws2.connect(urls, specs.get(g), welcomed);
            }
            if (!welcomed.await(5, TimeUnit.MINUTES)) {
                throw new IllegalStateException("load generator: " + welcomed.getCount() + " of " + games * players
                        + " players got no welcome in 5 minutes");
            }
            if (ws2.errors.sum() > 0) {
                throw new IllegalStateException("load generator: connections failed: " + ws2.errorsByCode);
            }
            long heapAfter = pid == null ? -1 : heapUsedAfterGc(pid);
            double kbPerGame = pid == null ? Double.NaN : Math.max(0, heapAfter - heapBefore) / 1024.0 / games;
            out.printf(
                    Locale.ROOT,
                    "%d WebSocket connections open; server heap %s; playing %s at %d actions/s%n",
                    games * players,
                    pid == null
                            ? "not measured (no --server-pid)"
                            : String.format(Locale.ROOT, "%.1f KB per game", kbPerGame),
                    length,
                    rate);

            long firstRow = dbUrl == null ? -1 : maxActionId(dbUrl);
            String url = base;
            Thread httpLoad = Thread.ofVirtual().start(() -> httpStages(url, stages));
            long start = System.nanoTime();
            long end = start + length.toNanos();
            // each game plays one round every `interval`: games * players moves per interval = rate
            long interval = (long) (1e9 * games * players / Math.max(1, rate));
            Duration warmup = duration(opts.get("warmup"));
            if (warmup.isNegative() || warmup.compareTo(length) >= 0) {
                throw new IllegalArgumentException("load generator: warmup must be >= 0 and shorter than the play ("
                        + length + "), was " + warmup);
            }
            long measureFrom = start + warmup.toNanos();
            ws2.start(start, interval, end, measureFrom);
            // the machine's own wake-up lateness over the measured window: the floor under the latencies
            WakeupProbe probe = new WakeupProbe();
            try {
                while (System.nanoTime() < end && ws2.gamesFinished.sum() < games) {
                    if (System.nanoTime() - measureFrom >= 0 && !probe.started()) {
                        probe.start();
                    }
                    LockSupport.parkNanos(Math.min(end - System.nanoTime(), TimeUnit.MILLISECONDS.toNanos(50)));
                }
            } finally {
                probe.close();
            }
            // when every game ended early (rounds is at most 1,000), rates are over the time they played;
            // taken before counting the rows, which may take a while on a big table
            long playedUntil = ws2.gamesFinished.sum() == games ? ws2.lastResultNanos() : System.nanoTime();
            double seconds = Math.max(1, playedUntil - start) / 1e9;
            long rowsDuringPlay = dbUrl == null ? -1 : actionsSince(dbUrl, firstRow);
            if (ws2.gamesFinished.sum() > 0) {
                out.printf(
                        Locale.ROOT,
                        "%d of %d games played all their rounds before the end; rates are over %.1f s%n",
                        ws2.gamesFinished.sum(),
                        games,
                        seconds);
            }
            ws2.stop();
            boolean idle = ws2.awaitIdle(30_000);
            stop.set(true);
            httpLoad.join(Duration.ofSeconds(30));
            long rowsAfterDrain = dbUrl == null ? -1 : awaitDrained(dbUrl, firstRow, ws2.sent.sum());
            Result r = new Result(
                    games,
                    players,
                    rate,
                    seconds,
                    ws2.sent.sum(),
                    ws2.results.sum(),
                    ws2.late.sum(),
                    ws2.errors.sum(),
                    Map.copyOf(toLongs(ws2.errorsByCode)),
                    rowsDuringPlay,
                    rowsAfterDrain,
                    kbPerGame,
                    latencies,
                    httpRequests.sum(),
                    httpErrors.sum(),
                    idle,
                    probe.lateness());
            report(r);
        } finally {
            for (Process child : children) {
                child.destroy(); // SIGTERM: the server's graceful shutdown
            }
            for (Process child : children) {
                if (!child.waitFor(60, TimeUnit.SECONDS)) {
                    child.destroyForcibly();
                }
            }
            if (!children.isEmpty() && dbUrl != null) {
                for (String name : instanceNames) {
                    abortLeftovers(dbUrl, created, name);
                }
            }
        }
    }

    private static Map<String, Long> toLongs(Map<String, LongAdder> m) {
        Map<String, Long> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Whether the child server is started with {@code --http-engine jdk} (WebSocket on its own port). */
    private boolean jdkEngine() {
        List<String> extra = words(opts.get("server-args"));
        int i = extra.indexOf("--http-engine");
        return extra.contains("--http-engine=jdk")
                || i >= 0 && i + 1 < extra.size() && extra.get(i + 1).equals("jdk");
    }

    private Process startServer(int port, int wsPort, int connections, String suffix) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        // the heap fixed and touched up front, as for every benchmark here: a heap that grows during the
        // run, or pages touched for the first time, would be counted as the server's latency
        List<String> jvm = new ArrayList<>(List.of("-Xms" + opts.get("server-heap"), "-Xmx" + opts.get("server-heap")));
        jvm.addAll(words(opts.get("server-jvm")));
        List<String> server = new ArrayList<>(List.of(
                "io.hal9.examples.server.Main",
                "--host",
                "127.0.0.1",
                "--port",
                String.valueOf(port),
                "--ws-port",
                String.valueOf(wsPort),
                "--round-timeout",
                "60s",
                "--ws-max-connections",
                // the players' sessions, and room for the HTTP stages' connections on the same port
                String.valueOf(Math.max(1, connections) + 2_000),
                // every player and every HTTP stage connects from this one address, and every game is created from it
                "--ws-max-connections-per-address",
                String.valueOf(Math.max(1, connections) + 2_000),
                "--create-rate",
                "0",
                "--max-live-games",
                String.valueOf(Math.max(1, connections))));
        List<String> extra = words(opts.get("server-args"));
        int named = extra.indexOf("--instance-name");
        if (named >= 0 && named + 1 < extra.size()) {
            if (!suffix.isEmpty()) {
                throw new IllegalArgumentException("load generator: --instances names its servers itself; drop"
                        + " --instance-name from --server-args");
            }
            instanceNames.add(extra.get(named + 1));
        } else {
            // A server recovers the games its instance name hosted: a fixed name would make every run start
            // with the previous runs' games in memory and on its timers (they are also ended after each run).
            String name = "load-" + Long.toHexString(System.nanoTime()) + suffix;
            instanceNames.add(name);
            server.addAll(List.of("--instance-name", name));
        }
        server.addAll(extra);
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(jvm);
        cmd.addAll(List.of("-cp", classPath()));
        cmd.addAll(server);
        File log =
                new File(opts.getOrDefault("server-log", System.getProperty("java.io.tmpdir") + "/hal9-load-server.log")
                        + suffix);
        out.println("starting the server: " + String.join(" ", jvm) + " " + String.join(" ", server) + " (log: " + log
                + ")");
        return new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log))
                .start();
    }

    /** The whitespace-separated words of an option value; none for null or blank. */
    private static List<String> words(@Nullable String value) {
        return value == null || value.isBlank()
                ? List.of()
                : List.of(value.trim().split("\\s+"));
    }

    /**
     * This program's class path for the child: the class loader's URLs when it has them (under
     * {@code mvn exec:java} the JVM's own class path is Maven's), else {@code java.class.path}.
     */
    private static String classPath() {
        if (LoadGenerator.class.getClassLoader() instanceof URLClassLoader u && u.getURLs().length > 0) {
            List<String> parts = new ArrayList<>();
            for (URL url : u.getURLs()) {
                try {
                    parts.add(Path.of(url.toURI()).toString());
                } catch (URISyntaxException | IllegalArgumentException e) {
                    // not a file: the child cannot use it
                }
            }
            return String.join(File.pathSeparator, parts);
        }
        return System.getProperty("java.class.path");
    }

    private void awaitHealthy(String base, Process child) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            if (!child.isAlive()) {
                throw new IllegalStateException("load generator: the server exited with " + child.exitValue());
            }
            try {
                HttpResponse<Void> r = http.send(
                        HttpRequest.newBuilder(URI.create(base + "/health")).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200)); // polling a child's start
        }
        throw new IllegalStateException("load generator: the server was not healthy within 120 s");
    }

    /** Heap used in the server's JVM after a full GC, in bytes, through jcmd. */
    static long heapUsedAfterGc(long pid) throws IOException, InterruptedException {
        jcmd(pid, "GC.run");
        return heapUsed(jcmd(pid, "GC.heap_info"));
    }

    /** The first "used N[KMG]" of a {@code GC.heap_info} answer, in bytes. */
    static long heapUsed(String info) {
        Matcher m = HEAP_USED.matcher(info);
        if (!m.find()) {
            throw new IllegalStateException("load generator: no heap figure in jcmd's answer: " + info);
        }
        long unit = switch (m.group(2)) {
            case "K" -> 1L << 10;
            case "M" -> 1L << 20;
            default -> 1L << 30;
        };
        return Long.parseLong(m.group(1)) * unit;
    }

    private static String jcmd(long pid, String command) throws IOException, InterruptedException {
        String home = System.getProperty("java.home");
        Path jcmd = Path.of(home, "bin", "jcmd");
        Process p = new ProcessBuilder(Files.exists(jcmd) ? jcmd.toString() : "jcmd", String.valueOf(pid), command)
                .redirectErrorStream(true)
                .start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("load generator: jcmd " + pid + " " + command + " failed: " + text);
        }
        return text;
    }

    /**
     * Ends, as {@code aborted}, the games of this run that its server left waiting or running when it
     * stopped, and any other game that server hosted then (taken over from an earlier run's leftovers). Without it they would stay live in the database with their owner's lease given up, and the
     * next server on the database (the next run, a test) would take them all over as a dead instance's games.
     */
    private void abortLeftovers(String dbUrl, List<Long> ids, String host) {
        try (Connection c = connect(dbUrl);
                PreparedStatement ps = c.prepareStatement("UPDATE games SET status = 'aborted', updated_at = now()"
                        + " WHERE (id = ANY (?) OR host = ?) AND status IN ('waiting', 'running')")) {
            ps.setArray(1, c.createArrayOf("bigint", ids.toArray()));
            ps.setString(2, host); // and what it took over from someone else's leftovers
            int n = ps.executeUpdate();
            if (n > 0) {
                out.printf(Locale.ROOT, "ended %d games the run left live (status aborted)%n", n);
            }
        } catch (SQLException e) {
            out.printf(Locale.ROOT, "could not end the run's leftover games: %s%n", e);
        }
    }

    private static long maxActionId(String dbUrl) throws SQLException {
        return queryLong(dbUrl, "SELECT coalesce(max(id), 0) FROM actions");
    }

    private static long actionsSince(String dbUrl, long firstRow) throws SQLException {
        return queryLong(dbUrl, "SELECT count(*) FROM actions WHERE id > " + firstRow);
    }

    private static long queryLong(String dbUrl, String sql) throws SQLException {
        try (Connection c = connect(dbUrl);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * A connection to the server's database whose unqualified names are the server's tables: its schema is
     * {@code HAL9_DB_SCHEMA}, else db-url's {@code currentSchema}, else {@code hal9} (as the server resolves it).
     */
    private static Connection connect(String dbUrl) throws SQLException {
        Connection c = DriverManager.getConnection(dbUrl, "postgres", "");
        try {
            c.setSchema(ServerConfig.schemaOf(System.getenv("HAL9_DB_SCHEMA"), dbUrl));
            return c;
        } catch (SQLException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** Rows written since {@code firstRow} once the server's batcher has written every move sent (or 20 s). */
    private static long awaitDrained(String dbUrl, long firstRow, long sent) throws SQLException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        long rows = actionsSince(dbUrl, firstRow);
        while (rows < sent && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
            rows = actionsSince(dbUrl, firstRow);
        }
        return rows;
    }

    /** Creates the games, game g on {@code bases[g % n]} (its host), and joins their players. */
    private List<WsPlayers.GameSpec> createGames(List<String> bases, int games, int players, int rounds)
            throws Exception {
        List<WsPlayers.GameSpec> all = new ArrayList<>(games);
        Semaphore inFlight = new Semaphore(32);
        List<CompletableFuture<WsPlayers.GameSpec>> fs = new ArrayList<>();
        try (ExecutorService exec = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int g = 0; g < games; g++) {
                String base = bases.get(g % bases.size());
                fs.add(CompletableFuture.supplyAsync(
                        () -> {
                            inFlight.acquireUninterruptibly();
                            try {
                                return createGame(base, players, rounds);
                            } finally {
                                inFlight.release();
                            }
                        },
                        exec));
            }
            for (CompletableFuture<WsPlayers.GameSpec> f : fs) {
                all.add(f.get());
            }
        }
        return all;
    }

    private WsPlayers.GameSpec createGame(String base, int players, int rounds) {
        JsonNode game = post(base + "/api/games", "{\"maxPlayers\":" + players + ",\"rounds\":" + rounds + "}");
        long id = game.get("id").asLong();
        long[] ids = new long[players];
        String[] tokens = new String[players];
        for (int p = 0; p < players; p++) {
            JsonNode j = post(base + "/api/games/" + id + "/join", "{\"name\":\"p" + p + "\"}");
            ids[p] = j.get("playerId").asLong();
            tokens[p] = j.get("token").asText();
        }
        return new WsPlayers.GameSpec(id, ids, tokens);
    }

    private JsonNode post(String url, String body) {
        try {
            HttpResponse<byte[]> r = http.send(
                    HttpRequest.newBuilder(URI.create(url))
                            .POST(HttpRequest.BodyPublishers.ofString(body))
                            .build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() / 100 != 2) {
                throw new IllegalStateException("load generator: " + url + " answered " + r.statusCode() + " "
                        + new String(r.body(), StandardCharsets.UTF_8));
            }
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new IllegalStateException("load generator: " + url + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Virtual users each doing GET /api/games then thinking, their number ramped like k6's stages: Netty
     * keep-alive clients on one event loop of their own ({@link HttpUsers}), so that the HTTP stages cost the
     * generator little CPU beside its WebSocket players.
     */
    private void httpStages(String base, List<Stage> stages) {
        Duration think = duration(opts.get("http-think"));
        URI uri = URI.create(base + "/api/games?status=running&page=0&size=20");
        try (HttpUsers users = new HttpUsers(1, uri, think, httpLatency, httpRequests, httpErrors)) {
            long start = System.nanoTime();
            while (!stop.get()) {
                users.rampTo(usersAt(stages, Duration.ofNanos(System.nanoTime() - start)));
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
            }
            users.rampTo(0);
        }
    }

    /** What a run measured; {@code -1} rows when no database was counted, NaN KB when no heap was read. */
    record Result(
            int games,
            int players,
            int rate,
            double seconds,
            long sent,
            long results,
            long lateRounds,
            long errors,
            Map<String, Long> errorsByCode,
            long rowsDuringPlay,
            long rowsAfterDrain,
            double kbPerGame,
            LatencyRecorder latencies,
            long httpRequests,
            long httpErrors,
            boolean drained,
            Histogram wakeupLateness) {}

    void report(Result r) throws IOException {
        if (!r.errorsByCode().isEmpty()) {
            out.println("errors by code (games stop at their first): " + r.errorsByCode());
        }
        Histogram sentFrom = r.latencies().uncorrected();
        Histogram dueFrom = r.latencies().corrected();
        double p50 = LatencyRecorder.ms(sentFrom, 50);
        double p95 = LatencyRecorder.ms(sentFrom, 95);
        double p99 = LatencyRecorder.ms(sentFrom, 99);
        double cp50 = LatencyRecorder.ms(dueFrom, 50);
        double cp95 = LatencyRecorder.ms(dueFrom, 95);
        double cp99 = LatencyRecorder.ms(dueFrom, 99);
        double sentRate = r.sent() / r.seconds();
        boolean counted = r.rowsDuringPlay() >= 0;
        double persisted = counted ? r.rowsDuringPlay() / r.seconds() : Double.NaN;
        double errRate = r.httpRequests() == 0 ? 0 : 100.0 * r.httpErrors() / r.httpRequests();
        boolean heap = !Double.isNaN(r.kbPerGame());
        int connections = r.games() * r.players();
        out.printf(Locale.ROOT, "%n| metric | seed target | HAL9 target | measured |%n|---|---|---|---|%n");
        out.printf(Locale.ROOT, "| concurrent games | 1,000 | 5,000 | %d (of %d players) |%n", r.games(), r.players());
        out.printf(
                Locale.ROOT,
                "| actions/s sent (asked %d; results %d, late rounds %d, errors %d) | | | %.0f |%n",
                r.rate(),
                r.results(),
                r.lateRounds(),
                r.errors(),
                sentRate);
        out.printf(
                Locale.ROOT,
                "| actions/s persisted | 10,000 | >= 20,000 | %s |%n",
                counted
                        ? String.format(
                                Locale.ROOT,
                                "%.0f (%d rows after drain of %d sent)",
                                persisted,
                                r.rowsAfterDrain(),
                                r.sent())
                        : "n/a (no --db-url)");
        out.printf(
                Locale.ROOT,
                "| memory per game (server heap after GC / games) | <= 5 MB | <= 50 KB | %s |%n",
                heap ? String.format(Locale.ROOT, "%.1f KB", r.kbPerGame()) : "n/a (no --server-pid)");
        out.printf(Locale.ROOT, "| WebSocket connections | 10,000 | 10,000 | %d |%n", connections);
        out.printf(
                Locale.ROOT,
                "| action→result p50 / p95 / p99 from when each move was due (coordinated omission corrected;"
                        + " max %.2f ms) | p99 <= 50 ms | p99 <= 10 ms | %.2f / %.2f / %.2f ms |%n",
                LatencyRecorder.ms(dueFrom, 100),
                cp50,
                cp95,
                cp99);
        out.printf(
                Locale.ROOT,
                "| action→result p50 / p95 / p99 from when each move was sent (max %.2f ms) | p99 <= 50 ms |"
                        + " p99 <= 10 ms | %.2f / %.2f / %.2f ms |%n",
                LatencyRecorder.ms(sentFrom, 100),
                p50,
                p95,
                p99);
        out.printf(
                Locale.ROOT,
                "| HTTP error rate (%d requests) | < 1%% | < 1%% | %.2f %% |%n",
                r.httpRequests(),
                errRate);
        if (httpLatency.getTotalCount() > 0) {
            out.printf(
                    Locale.ROOT,
                    "| HTTP GET /api/games p50 / p95 / p99 (max %.2f ms) | | | %.2f / %.2f / %.2f ms |%n",
                    LatencyRecorder.ms(httpLatency, 100),
                    LatencyRecorder.ms(httpLatency, 50),
                    LatencyRecorder.ms(httpLatency, 95),
                    LatencyRecorder.ms(httpLatency, 99));
        }
        Histogram wakeups = r.wakeupLateness();
        if (wakeups.getTotalCount() > 0) {
            out.printf(
                    Locale.ROOT,
                    "| machine: a thread sleeping 1 ms woke late by p50 / p99 / p99.9 (max %.2f ms) | | | %.2f /"
                            + " %.2f / %.2f ms |%n",
                    LatencyRecorder.ms(wakeups, 100),
                    LatencyRecorder.ms(wakeups, 50),
                    LatencyRecorder.ms(wakeups, 99),
                    LatencyRecorder.ms(wakeups, 99.9));
        }
        String file = opts.get("out");
        if (file == null) {
            return;
        }
        ObjectNode root = JSON.createObjectNode();
        Runtime rt = Runtime.getRuntime();
        root.put(
                "machine",
                cpuModel() + ", " + rt.availableProcessors() + " logical CPUs, "
                        + String.format(Locale.ROOT, "%.1f GiB", totalMemoryGiB()));
        root.put("jdk", System.getProperty("java.vendor") + " " + System.getProperty("java.runtime.version"));
        root.put("date", Instant.now().toString());
        StringBuilder cmd = new StringBuilder("LoadGenerator");
        // a value with spaces (--server-args '--ws-threads 1') is quoted, so that the command can be pasted
        opts.forEach((k, v) -> cmd.append(" --")
                .append(k)
                .append(' ')
                .append(v.isEmpty() || v.chars().anyMatch(Character::isWhitespace) ? "'" + v + "'" : v));
        root.put("command", cmd.toString());
        root.put(
                "notes",
                String.format(
                        Locale.ROOT,
                        "Server, load generator (Netty client, separate JVM) and PostgreSQL on the same machine;"
                                + " %.0f s of play; %d moves sent, %d results, %d late rounds, errors %s;"
                                + " %s rows persisted after the drain; heap per game measured in the server JVM;"
                                + " latency from when each move was due (latency_corrected_*, coordinated omission"
                                + " corrected) and from when it was sent (latency_*).",
                        r.seconds(),
                        r.sent(),
                        r.results(),
                        r.lateRounds(),
                        r.errorsByCode(),
                        counted ? String.valueOf(r.rowsAfterDrain()) : "n/a"));
        ArrayNode rows = root.putArray("rows");
        row(rows, "concurrent_games", "1,000", "5,000", r.games(), "games", r.games() >= 5000);
        double actions = counted ? persisted : sentRate;
        row(
                rows,
                "actions_per_second_persisted",
                "10,000",
                ">= 20,000",
                actions,
                "actions/s",
                counted && actions >= 20_000);
        if (heap) {
            row(rows, "memory_per_game", "<= 5 MB", "<= 50 KB", r.kbPerGame(), "KB", r.kbPerGame() <= 50);
        }
        row(rows, "websocket_connections", "10,000", "10,000", connections, "connections", connections >= 10_000);
        row(rows, "latency_p50", "", "", p50, "ms", true);
        row(rows, "latency_p95", "", "", p95, "ms", true);
        row(rows, "latency_p99", "<= 50 ms", "<= 10 ms", p99, "ms", p99 <= 10);
        row(rows, "latency_corrected_p50", "", "", cp50, "ms", true);
        row(rows, "latency_corrected_p95", "", "", cp95, "ms", true);
        row(rows, "latency_corrected_p99", "<= 50 ms", "<= 10 ms", cp99, "ms", cp99 <= 10);
        row(rows, "http_error_rate", "< 1%", "< 1%", errRate, "%", errRate < 1);
        if (httpLatency.getTotalCount() > 0) {
            row(rows, "http_p50", "", "", LatencyRecorder.ms(httpLatency, 50), "ms", true);
            row(rows, "http_p99", "", "", LatencyRecorder.ms(httpLatency, 99), "ms", true);
        }
        ObjectNode lat = root.putObject("latencyMs");
        latency(lat.putObject("corrected"), dueFrom);
        latency(lat.putObject("uncorrected"), sentFrom);
        latency(lat.putObject("httpGetGames"), httpLatency);
        // not a latency of the server: how late the machine woke a thread that slept 1 ms (WakeupProbe)
        latency(lat.putObject("machineWakeupLateness"), wakeups);
        ObjectNode timeline = root.putObject("timeline");
        timeline.put("originEpochMs", r.latencies().timelineOriginEpochMillis());
        timeline.put("slowAboveMs", LatencyRecorder.SLOW_MS);
        timeline.put("columns", "second: [results, slow (due), max ms (due)]");
        ArrayNode seconds = timeline.putArray("seconds");
        for (LatencyRecorder.Second s : r.latencies().timeline()) {
            seconds.addArray().add(s.results()).add(s.slow()).add(Math.round(s.maxNanos() / 1e4) / 100.0);
        }
        Path path = Path.of(file);
        if (path.getParent() != null) {
            Files.createDirectories(path.getParent());
        }
        Files.writeString(path, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root));
        out.println("wrote " + file);
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            // not Linux: the architecture will do
        }
        return System.getProperty("os.arch");
    }

    private static double totalMemoryGiB() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize() / (1024.0 * 1024 * 1024);
        }
        return Double.NaN;
    }

    private static void row(
            ArrayNode rows, String metric, String seed, String hal9, double measured, String unit, boolean met) {
        ObjectNode r = rows.addObject();
        r.put("metric", metric).put("seedTarget", seed).put("hal9Target", hal9);
        r.put("measured", Math.round(measured * 100) / 100.0).put("unit", unit).put("met", met);
    }

    /** A histogram's count and main percentiles, in ms, into {@code node}. */
    private static void latency(ObjectNode node, Histogram h) {
        node.put("count", h.getTotalCount());
        for (double p : new double[] {50, 90, 95, 99, 99.9, 100}) {
            double v = LatencyRecorder.ms(h, p);
            String name = p == 100 ? "max" : "p" + (p == Math.rint(p) ? String.valueOf((int) p) : "99_9");
            if (Double.isNaN(v)) {
                node.putNull(name);
            } else {
                node.put(name, Math.round(v * 1000) / 1000.0);
            }
        }
    }
}

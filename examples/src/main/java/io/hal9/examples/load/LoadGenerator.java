package io.hal9.examples.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hal9.examples.server.GameServer;
import io.hal9.examples.server.ServerConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * Plays N concurrent games of M players over real WebSocket connections at a target action rate,
 * runs staged HTTP load on {@code GET /api/games} beside it (virtual users ramped like the seed's
 * k6 script), and prints the seed's performance table; {@code --out FILE} also writes it as the
 * {@code e2e.json} the benchmarks report renders.
 *
 * <p>Without {@code --target} it starts a server in this JVM (embedded H2, or PostgreSQL when
 * {@code HAL9_DB_URL} is set) so that it can read the server's own counters: actions persisted come
 * from the batcher, memory per game from the heap before and after the games exist (this includes
 * the load generator's own per-game objects, so it over-estimates the server's share).
 *
 * <p>Latency is action→result: from sending a move to receiving the round result it resolved, for
 * every move. The client and the server share the machine, so the client's own delays count in it.
 *
 * <p>Thread safety: a program entry point; not for concurrent use.
 */
public final class LoadGenerator {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] MOVES = {"rock", "paper", "scissors", "lizard", "spock"};

    private final Map<String, String> opts;
    private final PrintStream out;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final Samples latencies = new Samples(20_000_000);
    private final LongAdder movesSent = new LongAdder();
    private final LongAdder results = new LongAdder();
    private final LongAdder wsErrors = new LongAdder();
    private final Map<String, LongAdder> errorsByCode = new ConcurrentHashMap<>();
    private final LongAdder httpRequests = new LongAdder();
    private final LongAdder httpErrors = new LongAdder();
    private final AtomicBoolean stop = new AtomicBoolean();
    private volatile String httpTarget = "";

    private LoadGenerator(Map<String, String> opts, PrintStream out) {
        this.opts = opts;
        this.out = out;
    }

    /**
     * Runs a load test; {@code --help} lists the options.
     *
     * @param args options
     * @throws Exception when the run cannot start or a file cannot be written
     */
    public static void main(String[] args) throws Exception {
        Map<String, String> o = new LinkedHashMap<>(Map.of(
                "games", "100",
                "players", "2",
                "rate", "1000",
                "duration", "30s",
                "http-stages", "100:10s,500:10s,1000:10s,0:5s",
                "http-think", "1s",
                "rounds", "1000"));
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--help")) {
                System.out.println("LoadGenerator [--target http://host:port --ws ws://host:port/ws] [--games N]"
                        + " [--players M] [--rate actions/s] [--duration 30s] [--rounds R]"
                        + " [--http-stages VU:duration,...] [--http-think 1s] [--out e2e.json]\n"
                        + "Defaults: " + o + "\nWithout --target a server starts in this JVM (HAL9_DB_URL and"
                        + " HAL9_REDIS_URI are honoured).");
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
        return Integer.parseInt(opts.get(name));
    }

    private static Duration duration(String s) {
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

    private void run() throws Exception {
        int games = intOpt("games");
        int players = intOpt("players");
        int rate = intOpt("rate");
        int rounds = intOpt("rounds");
        Duration length = duration(opts.get("duration"));
        GameServer local = null;
        String base = opts.get("target");
        String ws = opts.get("ws");
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        if (base == null) {
            local = GameServer.start(
                    "game",
                    ServerConfig.parse(
                            new String[] {
                                "--port",
                                "0",
                                "--ws-port",
                                "0",
                                "--round-timeout",
                                "60s",
                                "--ws-max-connections",
                                String.valueOf(Math.max(1, games * players)),
                                "--max-live-games",
                                String.valueOf(Math.max(1, games * 2))
                            },
                            System.getenv()));
            base = local.baseUrl();
            ws = local.wsUrl();
        } else if (ws == null) {
            throw new IllegalArgumentException("load generator: --target needs --ws too");
        }
        try {
            System.gc();
            long heapBefore = mem.getHeapMemoryUsage().getUsed();
            out.printf(Locale.ROOT, "creating %d games of %d players on %s%n", games, players, base);
            List<Game> all = createGames(base, ws, games, players, rounds);
            System.gc();
            long heapAfter = mem.getHeapMemoryUsage().getUsed();
            double kbPerGame = Math.max(0, heapAfter - heapBefore) / 1024.0 / games;
            out.printf(
                    Locale.ROOT,
                    "%d WebSocket connections open; playing %s at %d actions/s%n",
                    games * players,
                    length,
                    rate);

            httpTarget = base;
            long writtenBefore = local == null ? 0 : local.stats().actions().written();
            Thread httpLoad = Thread.ofVirtual().start(this::httpStages);
            long start = System.nanoTime();
            long end = start + length.toNanos();
            // each game plays one round every `interval`: games * players moves per interval = rate
            long interval = (long) (1e9 * games * players / Math.max(1, rate));
            List<Thread> loops = new ArrayList<>(games);
            for (int g = 0; g < games; g++) {
                Game game = all.get(g);
                long offset = interval * g / games;
                loops.add(Thread.ofVirtual().start(() -> play(game, start + offset, interval, end)));
            }
            for (Thread t : loops) {
                t.join();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            stop.set(true);
            httpLoad.join(Duration.ofSeconds(30));
            for (Game g : all) {
                for (Player p : g.players) {
                    p.socket.abort();
                }
            }
            long written = local == null ? -1 : local.stats().actions().written() - writtenBefore;
            report(games, players, seconds, written, kbPerGame);
        } finally {
            if (local != null) {
                local.close();
            }
        }
    }

    record Player(long id, WebSocket socket, LinkedBlockingQueue<JsonNode> inbox) {}

    record Game(long id, List<Player> players) {}

    private List<Game> createGames(String base, String ws, int games, int players, int rounds) throws Exception {
        List<Game> all = new ArrayList<>(games);
        Semaphore inFlight = new Semaphore(64);
        List<CompletableFuture<Game>> fs = new ArrayList<>();
        try (ExecutorService exec = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int g = 0; g < games; g++) {
                fs.add(CompletableFuture.supplyAsync(
                        () -> {
                            inFlight.acquireUninterruptibly();
                            try {
                                return createGame(base, ws, players, rounds);
                            } finally {
                                inFlight.release();
                            }
                        },
                        exec));
            }
            for (CompletableFuture<Game> f : fs) {
                all.add(f.get());
            }
        }
        return all;
    }

    private Game createGame(String base, String ws, int players, int rounds) {
        JsonNode game = post(base + "/api/games", "{\"maxPlayers\":" + players + ",\"rounds\":" + rounds + "}");
        long id = game.get("id").asLong();
        List<Player> ps = new ArrayList<>(players);
        for (int p = 0; p < players; p++) {
            JsonNode j = post(base + "/api/games/" + id + "/join", "{\"name\":\"p" + p + "\"}");
            LinkedBlockingQueue<JsonNode> inbox = new LinkedBlockingQueue<>();
            WebSocket socket = http.newWebSocketBuilder()
                    .buildAsync(URI.create(ws + "?token=" + j.get("token").asText()), new Listener(inbox))
                    .join();
            ps.add(new Player(j.get("playerId").asLong(), socket, inbox));
        }
        for (Player p : ps) {
            await(p, "welcome");
        }
        return new Game(id, ps);
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
                        + new String(r.body(), java.nio.charset.StandardCharsets.UTF_8));
            }
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new IllegalStateException("load generator: " + url + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static @Nullable JsonNode await(Player p, String type) {
        try {
            while (true) {
                JsonNode m = p.inbox.poll(30, TimeUnit.SECONDS);
                if (m == null) {
                    return null;
                }
                String t = m.path("type").asText();
                if (t.equals(type)) {
                    return m;
                }
                if (t.equals("error")) {
                    return m;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private void play(Game game, long first, long interval, long end) {
        int round = 1;
        long next = first;
        long[] sentAt = new long[game.players.size()];
        while (next < end && !stop.get()) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            for (int i = 0; i < game.players.size(); i++) {
                Player p = game.players.get(i);
                String move = MOVES[(int) ((p.id + round + i) % MOVES.length)];
                sentAt[i] = System.nanoTime();
                p.socket
                        .sendText("{\"type\":\"move\",\"round\":" + round + ",\"move\":\"" + move + "\"}", true)
                        .join();
                movesSent.increment();
            }
            boolean finished = false;
            for (int i = 0; i < game.players.size(); i++) {
                JsonNode r = await(game.players.get(i), "result");
                if (r == null || r.path("type").asText().equals("error")) {
                    wsErrors.increment();
                    String code =
                            r == null ? "no_result_in_30s" : r.path("error").asText();
                    errorsByCode.computeIfAbsent(code, k -> new LongAdder()).increment();
                    return;
                }
                latencies.add(System.nanoTime() - sentAt[i]);
                results.increment();
                finished = r.path("nextRound").asInt() == 0;
            }
            if (finished) {
                return;
            }
            round++;
            next += interval;
        }
    }

    /** Virtual users each doing GET /api/games then thinking, in stages like the seed's k6 script. */
    private void httpStages() {
        List<Thread> users = new ArrayList<>();
        Duration think = duration(opts.get("http-think"));
        AtomicInteger target = new AtomicInteger();
        String url = httpTarget;
        for (String stage : opts.get("http-stages").split(",")) {
            if (stop.get()) {
                break;
            }
            String[] p = stage.split(":");
            int vus = Integer.parseInt(p[0].trim());
            target.set(vus);
            while (users.size() < vus) {
                int me = users.size();
                users.add(Thread.ofVirtual().start(() -> virtualUser(me, target, url, think)));
            }
            LockSupport.parkNanos(duration(p[1]).toNanos());
        }
        target.set(0);
        for (Thread t : users) {
            try {
                t.join(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void virtualUser(int me, AtomicInteger target, String base, Duration think) {
        String url = base;
        while (!stop.get() && me < target.get()) {
            try {
                HttpResponse<Void> r = http.send(
                        HttpRequest.newBuilder(URI.create(url + "/api/games?status=running&page=0&size=20"))
                                .header("Accept-Encoding", "gzip")
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() != 200) {
                    httpErrors.increment();
                }
            } catch (IOException e) {
                httpErrors.increment();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            httpRequests.increment();
            LockSupport.parkNanos(think.toNanos());
        }
    }

    private void report(int games, int players, double seconds, long written, double kbPerGame) throws IOException {
        if (!errorsByCode.isEmpty()) {
            out.println("games stopped early, by reason: " + errorsByCode);
        }
        long[] l = latencies.sorted();
        double p50 = percentileMs(l, 0.50);
        double p95 = percentileMs(l, 0.95);
        double p99 = percentileMs(l, 0.99);
        double sentRate = movesSent.sum() / seconds;
        double persisted = written < 0 ? Double.NaN : written / seconds;
        double errRate = httpRequests.sum() == 0 ? 0 : 100.0 * httpErrors.sum() / httpRequests.sum();
        out.printf(Locale.ROOT, "%n| metric | seed target | HAL9 target | measured |%n|---|---|---|---|%n");
        out.printf(Locale.ROOT, "| concurrent games | 1,000 | 5,000 | %d |%n", games);
        out.printf(
                Locale.ROOT,
                "| actions/s sent (results %d, errors %d) | | | %.0f |%n",
                results.sum(),
                wsErrors.sum(),
                sentRate);
        out.printf(
                Locale.ROOT,
                "| actions/s persisted | 10,000 | >= 20,000 | %s |%n",
                written < 0 ? "n/a (remote target)" : String.format(Locale.ROOT, "%.0f", persisted));
        out.printf(
                Locale.ROOT,
                "| memory per game (heap delta / games, incl. client) | <= 5 MB | <= 50 KB | %.1f KB |%n",
                kbPerGame);
        out.printf(Locale.ROOT, "| WebSocket connections | 10,000 | 10,000 | %d |%n", games * players);
        out.printf(
                Locale.ROOT,
                "| action→result p50 / p95 / p99 | p99 <= 50 ms | p99 <= 10 ms | %.2f / %.2f / %.2f ms |%n",
                p50,
                p95,
                p99);
        out.printf(
                Locale.ROOT,
                "| HTTP error rate (%d requests) | < 1%% | < 1%% | %.2f %% |%n",
                httpRequests.sum(),
                errRate);
        String file = opts.get("out");
        if (file != null) {
            ObjectNode root = JSON.createObjectNode();
            Runtime rt = Runtime.getRuntime();
            root.put(
                    "machine",
                    System.getProperty("os.arch") + ", " + rt.availableProcessors() + " logical CPUs, "
                            + (rt.maxMemory() >> 20) + " MiB max heap");
            root.put("jdk", System.getProperty("java.vendor") + " " + System.getProperty("java.version"));
            root.put("date", Instant.now().toString());
            root.put("command", "LoadGenerator " + opts);
            root.put("notes", "Load generator, server and database on the same machine; " + seconds + " s of play.");
            ArrayNode rows = root.putArray("rows");
            row(rows, "concurrent_games", "1,000", "5,000", games, "games", games >= 5000);
            row(
                    rows,
                    "actions_per_second_persisted",
                    "10,000",
                    ">= 20,000",
                    written < 0 ? sentRate : persisted,
                    "actions/s",
                    (written < 0 ? sentRate : persisted) >= 20_000);
            row(rows, "memory_per_game", "<= 5 MB", "<= 50 KB", kbPerGame, "KB", kbPerGame <= 50);
            row(
                    rows,
                    "websocket_connections",
                    "10,000",
                    "10,000",
                    games * players,
                    "connections",
                    games * players >= 10_000);
            row(rows, "latency_p50", "", "", p50, "ms", true);
            row(rows, "latency_p95", "", "", p95, "ms", true);
            row(rows, "latency_p99", "<= 50 ms", "<= 10 ms", p99, "ms", p99 <= 10);
            row(rows, "http_error_rate", "< 1%", "< 1%", errRate, "%", errRate < 1);
            Files.writeString(
                    Path.of(file), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root));
            out.println("wrote " + file);
        }
    }

    private static void row(
            ArrayNode rows, String metric, String seed, String hal9, double measured, String unit, boolean met) {
        ObjectNode r = rows.addObject();
        r.put("metric", metric).put("seedTarget", seed).put("hal9Target", hal9);
        r.put("measured", Math.round(measured * 100) / 100.0).put("unit", unit).put("met", met);
    }

    private static double percentileMs(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int i = (int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1);
        return sorted[Math.max(0, i)] / 1e6;
    }

    /** Latency samples in a preallocated array; samples beyond its capacity are dropped. */
    static final class Samples {
        private final long[] values;
        private final AtomicInteger size = new AtomicInteger();

        Samples(int capacity) {
            values = new long[capacity];
        }

        void add(long v) {
            int i = size.getAndIncrement();
            if (i < values.length) {
                values[i] = v;
            }
        }

        long[] sorted() {
            long[] copy = Arrays.copyOf(values, Math.min(size.get(), values.length));
            Arrays.sort(copy);
            return copy;
        }
    }

    private static final class Listener implements WebSocket.Listener {
        private final LinkedBlockingQueue<JsonNode> inbox;
        private final StringBuilder partial = new StringBuilder();

        Listener(LinkedBlockingQueue<JsonNode> inbox) {
            this.inbox = inbox;
        }

        @Override
        public @Nullable CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                try {
                    inbox.add(JSON.readTree(partial.toString()));
                } catch (IOException e) {
                    inbox.add(JSON.createObjectNode().put("type", "error").put("error", "bad_json"));
                }
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }
    }
}

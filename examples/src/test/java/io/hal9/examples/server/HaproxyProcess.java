package io.hal9.examples.server;

import io.hal9.testkit.FreePorts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Assumptions;

/**
 * HAProxy as a process of its own, run from the deployment recipe's configuration ({@code
 * examples/deploy/haproxy.cfg}) with only its {@code server} lines replaced by the test's instances, on
 * free loopback ports. {@link #restart()} stops it hard (SIGTERM: every open connection is closed, as a
 * crash or a restart of the balancer would) and starts it again on the same ports.
 *
 * <p>If no {@code haproxy} binary is found ({@code PATH}, {@code /usr/sbin}), {@link #find()} skips the test
 * with the reason, or fails it when {@code HAL9_REQUIRE_SERVICES=1}.
 *
 * <p>Thread safety: meant for the test's own thread; {@link #stats()} may be called from any thread.
 */
final class HaproxyProcess implements AutoCloseable {
    /** The recipe's configuration, relative to the examples module (the test's working directory). */
    static final Path RECIPE = Path.of("deploy", "haproxy.cfg");

    private static final String BEGIN = "# BEGIN servers";
    private static final String END = "# END servers";

    private final String binary;
    private final Path config;
    private final Path log;
    private final int port;
    private final int statsPort;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private @Nullable Process process;

    private HaproxyProcess(String binary, Path config, Path log, int port, int statsPort) {
        this.binary = binary;
        this.config = config;
        this.log = log;
        this.port = port;
        this.statsPort = statsPort;
    }

    /** The haproxy binary, or a skipped (or, under HAL9_REQUIRE_SERVICES=1, failed) test. */
    static String find() {
        String found = null;
        List<String> dirs =
                new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
        dirs.add("/usr/sbin");
        for (String d : dirs) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, "haproxy"))) {
                found = Path.of(d, "haproxy").toString();
                break;
            }
        }
        if (found == null) {
            String reason = "haproxy not found on PATH or in /usr/sbin: the deployment drill needs HAProxy 2.6+";
            String require = System.getenv("HAL9_REQUIRE_SERVICES");
            if ("1".equals(require) || "true".equalsIgnoreCase(require)) {
                throw new IllegalStateException(reason + " [HAL9_REQUIRE_SERVICES=1: failing instead of skipping]");
            }
            Assumptions.abort(reason);
        }
        return found;
    }

    /**
     * Writes the recipe with {@code servers} ({@code host:port} of each instance, named hal9-1, hal9-2, ...)
     * into {@code dir}, checks it ({@code haproxy -c}) and starts HAProxy on free ports.
     */
    static HaproxyProcess start(String binary, Path dir, List<String> servers) throws IOException {
        String recipe = Files.readString(RECIPE, StandardCharsets.UTF_8);
        Path config = dir.resolve("haproxy.cfg");
        Files.writeString(config, withServers(recipe, servers), StandardCharsets.UTF_8);
        List<Integer> ports = FreePorts.take(2);
        HaproxyProcess h = new HaproxyProcess(binary, config, dir.resolve("haproxy.log"), ports.get(0), ports.get(1));
        h.run(List.of("-c", "-q"), Duration.ofSeconds(10));
        h.launch();
        return h;
    }

    /** The recipe with the lines between each pair of BEGIN/END server markers replaced by {@code servers}. */
    static String withServers(String recipe, List<String> servers) {
        StringBuilder out = new StringBuilder();
        boolean inside = false;
        int blocks = 0;
        for (String line : recipe.split("\n", -1)) {
            String t = line.strip();
            if (t.equals(BEGIN)) {
                inside = true;
                blocks++;
                out.append(line).append('\n');
                String indent = line.substring(0, line.indexOf('#'));
                for (int i = 0; i < servers.size(); i++) {
                    out.append(indent)
                            .append("server hal9-")
                            .append(i + 1)
                            .append(' ')
                            .append(servers.get(i))
                            .append(" check\n");
                }
            } else if (t.equals(END)) {
                inside = false;
                out.append(line).append('\n');
            } else if (!inside) {
                out.append(line).append('\n');
            }
        }
        if (blocks == 0 || inside) {
            throw new IllegalStateException(RECIPE + ": no complete '" + BEGIN + "' ... '" + END + "' block");
        }
        return out.toString();
    }

    /** The balancer's base URL. */
    String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    /** The balancer's WebSocket URL. */
    String wsUrl() {
        return "ws://127.0.0.1:" + port + "/ws";
    }

    String statsUrl() {
        return "http://127.0.0.1:" + statsPort + "/stats";
    }

    Path config() {
        return config;
    }

    /** Hard stop (SIGTERM closes every connection at once) and a new process on the same ports. */
    void restart() throws IOException {
        stop();
        launch();
    }

    /**
     * Backend {@code hal9}'s servers as the stats page shows them now: name → row (status, scur, stot, ...
     * as in HAProxy's CSV: keys are the header's column names).
     */
    Map<String, Map<String, String>> stats() {
        try {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create(statsUrl() + ";csv"))
                            .timeout(Duration.ofSeconds(2))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            String[] lines = r.body().split("\n");
            String[] header = lines[0].replaceFirst("^# ", "").split(",", -1);
            Map<String, Map<String, String>> out = new HashMap<>();
            for (int i = 1; i < lines.length; i++) {
                String[] cols = lines[i].split(",", -1);
                if (cols.length < 2
                        || !cols[0].equals("hal9")
                        || cols[1].equals("BACKEND")
                        || cols[1].equals("FRONTEND")) {
                    continue;
                }
                Map<String, String> row = new HashMap<>();
                for (int c = 0; c < Math.min(cols.length, header.length); c++) {
                    row.put(header[c], cols[c]);
                }
                out.put(cols[1], row);
            }
            return out;
        } catch (IOException e) {
            return Map.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Map.of();
        }
    }

    /** Waits until exactly the servers {@code up} are UP in backend hal9 (the others DOWN or in maintenance). */
    void awaitUp(List<String> up, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Map<String, Map<String, String>> s = stats();
            List<String> nowUp = new ArrayList<>();
            s.forEach((name, row) -> {
                if (row.getOrDefault("status", "").startsWith("UP")) {
                    nowUp.add(name);
                }
            });
            if (!s.isEmpty() && nowUp.size() == up.size() && nowUp.containsAll(up)) {
                return;
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new IllegalStateException("HAProxy: servers up " + nowUp + ", expected " + up + " within "
                        + timeout + "; log:\n" + logTail());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50)); // polling a process we do not control
        }
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private void launch() throws IOException {
        List<String> cmd = new ArrayList<>(List.of(binary, "-db", "-f", config.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        env(pb);
        process = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!FreePorts.accepting(port) || !FreePorts.accepting(statsPort)) {
            Process p = process;
            if (p == null || !p.isAlive() || System.nanoTime() - deadline >= 0) {
                throw new IllegalStateException("HAProxy did not start; log:\n" + logTail());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // polling a process we do not control
        }
    }

    private void env(ProcessBuilder pb) {
        pb.environment().put("HAL9_LB_ADDR", "127.0.0.1");
        pb.environment().put("HAL9_LB_PORT", Integer.toString(port));
        pb.environment().put("HAL9_LB_STATS_PORT", Integer.toString(statsPort));
    }

    private void run(List<String> args, Duration timeout) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(binary));
        cmd.addAll(args);
        cmd.addAll(List.of("-f", config.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        env(pb);
        Process p = pb.start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException("haproxy " + String.join(" ", args) + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void stop() {
        Process p = process;
        if (p == null) {
            return;
        }
        p.destroy(); // SIGTERM: HAProxy's hard stop, every connection closed at once
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    @Override
    public void close() {
        stop();
        http.close();
    }
}

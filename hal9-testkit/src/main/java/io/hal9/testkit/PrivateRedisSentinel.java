package io.hal9.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A Redis Sentinel setup of a test's own on loopback: one master, one replica ({@code --replicaof})
 * and 1 to 3 sentinels ({@code redis-server <conf> --sentinel}) watching them under the master name
 * {@value #MASTER_NAME}, without persistence, in a temporary directory removed by {@link #close()}.
 * For tests that kill the master and watch Sentinel promote the replica; it never touches any other
 * Redis.
 *
 * <pre>{@code
 * try (PrivateRedisSentinel sentinel = PrivateRedisSentinel.start(1)) {
 *     ... use sentinel.uri() (redis-sentinel://127.0.0.1:s1[,...]/0#hal9) ...
 *     int old = sentinel.masterPort();
 *     sentinel.killMaster();                              // SIGKILL, as a crash
 *     sentinel.awaitFailover(old, Duration.ofSeconds(20)); // the replica is the master now
 * }
 * }</pre>
 *
 * <p>Settings: {@code down-after-milliseconds} 1000, {@code failover-timeout} 5000, quorum a
 * majority of the sentinels: a killed master is failed over in about 2-4 s. The killed master is not
 * restarted: after a failover the setup has one master and no replica.
 *
 * <p>If {@code redis-server} is missing from the {@code PATH}, {@link #start(int)} skips the test with
 * the reason, or fails it when {@code HAL9_REQUIRE_SERVICES=1}.
 *
 * <p>Thread safety: meant for the test's own thread; the query methods may be called from any thread
 * (each opens its own short connection).
 */
public final class PrivateRedisSentinel implements AutoCloseable {
    /** The name the sentinels know the master by (the fragment of {@link #uri()}). */
    public static final String MASTER_NAME = "hal9";

    private static final long START_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final String server;
    private final Path dir;
    private final Map<Integer, Process> processes = new LinkedHashMap<>();
    private final int firstMaster;
    private final int replica;
    private final List<Integer> sentinels;

    private PrivateRedisSentinel(String server, Path dir, int master, int replica, List<Integer> sentinels) {
        this.server = server;
        this.dir = dir;
        this.firstMaster = master;
        this.replica = replica;
        this.sentinels = sentinels;
    }

    /**
     * Starts a master, a replica attached to it and {@code sentinels} sentinels, and waits until every
     * sentinel knows the master, its replica and the other sentinels.
     *
     * @param sentinels how many sentinels, 1 to 3
     */
    public static PrivateRedisSentinel start(int sentinels) {
        if (sentinels < 1 || sentinels > 3) {
            throw new IllegalArgumentException("hal9-testkit: sentinels must be 1 to 3, was " + sentinels);
        }
        String server = PrivateProcesses.findOnPath("redis-server");
        if (server == null) {
            server = PrivateProcesses.unavailable(
                    "redis-server not found on PATH: this test needs a private Redis Sentinel setup");
        }
        Path dir;
        try {
            dir = Files.createTempDirectory("hal9-redis-sentinel");
        } catch (IOException e) {
            throw new UncheckedIOException("hal9-testkit: no temporary directory for a private Redis Sentinel", e);
        }
        List<Integer> ports = FreePorts.take(2 + sentinels);
        PrivateRedisSentinel s =
                new PrivateRedisSentinel(server, dir, ports.get(0), ports.get(1), ports.subList(2, ports.size()));
        try {
            s.startData(s.firstMaster, null);
            s.startData(s.replica, s.firstMaster);
            s.awaitReplicaLinked();
            int quorum = sentinels / 2 + 1;
            for (int port : s.sentinels) {
                s.startSentinel(port, quorum);
            }
            s.awaitSentinelsReady();
            return s;
        } catch (IOException e) {
            s.close();
            throw new UncheckedIOException("hal9-testkit: could not start a private Redis Sentinel setup", e);
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** {@code redis-sentinel://127.0.0.1:<s1>[,127.0.0.1:<s2>...]/0#hal9}, for Lettuce and SharedRedis. */
    public String uri() {
        StringBuilder b = new StringBuilder("redis-sentinel://");
        for (int i = 0; i < sentinels.size(); i++) {
            b.append(i == 0 ? "" : ",").append("127.0.0.1:").append(sentinels.get(i));
        }
        return b.append("/0#").append(MASTER_NAME).toString();
    }

    /** The sentinels' ports. */
    public List<Integer> sentinelPorts() {
        return List.copyOf(sentinels);
    }

    /** The port of the master as the sentinels name it now. */
    public int masterPort() {
        for (int port : sentinels) {
            try {
                Object reply = call(port, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME);
                if (reply instanceof List<?> l && l.size() == 2) {
                    return Integer.parseInt(text(l.get(1)));
                }
            } catch (IOException | RuntimeException e) {
                // ask the next sentinel
            }
        }
        throw new IllegalStateException("hal9-testkit: no sentinel names the master " + MASTER_NAME);
    }

    /**
     * Kills the current master at once (SIGKILL), as a crash would, and waits until it is gone.
     *
     * @return the killed master's port
     */
    public int killMaster() {
        int port = masterPort();
        kill(port);
        return port;
    }

    /**
     * Waits until the sentinels name another master than {@code deadPort} and that node says it is a
     * master.
     *
     * @throws IllegalStateException if that does not happen within {@code timeout}
     */
    public void awaitFailover(int deadPort, Duration timeout) {
        boolean failedOver = PrivateProcesses.await(timeout.toNanos(), () -> {
            int now = masterPort();
            return now != deadPort && text(call(now, "ROLE")).startsWith("master");
        });
        if (!failedOver) {
            throw new IllegalStateException(
                    "hal9-testkit: Sentinel did not fail over from port " + deadPort + " within " + timeout);
        }
    }

    /** Kills every process and removes the directory. Idempotent. */
    @Override
    public void close() {
        PrivateProcesses.killAll(processes);
        PrivateProcesses.deleteTree(dir);
    }

    @Override
    public String toString() {
        return "PrivateRedisSentinel[master " + firstMaster + ", replica " + replica + ", sentinels " + sentinels + "]";
    }

    // ---------------------------------------------------------------- plumbing

    private void kill(int port) {
        PrivateProcesses.kill(processes.remove(port));
    }

    private void startData(int port, @Nullable Integer replicaOf) throws IOException {
        Path nodeDir = Files.createDirectories(dir.resolve(Integer.toString(port)));
        List<String> args = PrivateProcesses.redisServer(server, port, "--dir", nodeDir.toString());
        if (replicaOf != null) {
            args.addAll(List.of("--replicaof", "127.0.0.1", Integer.toString(replicaOf)));
        }
        launch(port, args, nodeDir);
    }

    private void startSentinel(int port, int quorum) throws IOException {
        Path nodeDir = Files.createDirectories(dir.resolve(Integer.toString(port)));
        Path conf = nodeDir.resolve("sentinel.conf"); // Sentinel rewrites its configuration: a file of its own
        Files.writeString(
                conf,
                String.join(
                        "\n",
                        "port " + port,
                        "bind 127.0.0.1",
                        "dir " + nodeDir,
                        "sentinel monitor " + MASTER_NAME + " 127.0.0.1 " + firstMaster + " " + quorum,
                        "sentinel down-after-milliseconds " + MASTER_NAME + " 1000",
                        "sentinel failover-timeout " + MASTER_NAME + " 5000",
                        "sentinel parallel-syncs " + MASTER_NAME + " 1",
                        ""),
                StandardCharsets.UTF_8);
        launch(port, List.of(server, conf.toString(), "--sentinel"), nodeDir);
    }

    private void launch(int port, List<String> args, Path nodeDir) throws IOException {
        Process p = PrivateProcesses.launch(
                args, ProcessBuilder.Redirect.to(nodeDir.resolve("redis.log").toFile()));
        processes.put(port, p);
        if (!PrivateProcesses.awaitAccepting(port, p, START_TIMEOUT_NANOS)) {
            throw new IllegalStateException("hal9-testkit: " + args.get(args.size() - 1) + " on port " + port
                    + " did not start: " + Files.readString(nodeDir.resolve("redis.log")));
        }
    }

    private void awaitReplicaLinked() {
        awaitTrue(
                "the replica to sync with the master",
                () -> text(call(replica, "INFO", "replication")).contains("master_link_status:up"));
    }

    /** Every sentinel sees the master up, its replica and every other sentinel. */
    private void awaitSentinelsReady() {
        awaitTrue("the sentinels to know the master, its replica and each other", () -> {
            for (int port : sentinels) {
                Map<String, String> m = fields(call(port, "SENTINEL", "MASTER", MASTER_NAME));
                if (!"master".equals(m.get("flags"))
                        || !"1".equals(m.get("num-slaves"))
                        || !String.valueOf(sentinels.size() - 1).equals(m.get("num-other-sentinels"))) {
                    return false;
                }
            }
            return true;
        });
    }

    private static void awaitTrue(String what, PrivateProcesses.Condition c) {
        if (!PrivateProcesses.await(START_TIMEOUT_NANOS, c)) {
            throw new IllegalStateException("hal9-testkit: timed out after 30 s waiting for " + what);
        }
    }

    private static Map<String, String> fields(@Nullable Object reply) {
        Map<String, String> out = new HashMap<>();
        if (reply instanceof List<?> l) {
            for (int i = 0; i + 1 < l.size(); i += 2) {
                out.put(text(l.get(i)), text(l.get(i + 1)));
            }
        }
        return out;
    }

    private static @Nullable Object call(int port, String... args) throws IOException {
        try (RespClient c = RespClient.open(RedisEndpoint.plain("127.0.0.1", port, "private sentinel"), 2)) {
            return c.call(args);
        }
    }

    private static String text(@Nullable Object reply) {
        if (reply instanceof byte[] b) {
            return new String(b, StandardCharsets.UTF_8);
        }
        if (reply instanceof List<?> l && !l.isEmpty()) {
            return text(l.get(0)); // ROLE: the first element names the role
        }
        return String.valueOf(reply);
    }
}

package io.hal9.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * A Redis Cluster of a test's own on loopback: 3 masters and 3 replicas ({@code redis-server
 * --cluster-enabled yes}, joined by {@code redis-cli --cluster create --cluster-replicas 1}), without
 * persistence, in a temporary directory removed by {@link #close()}. For tests that kill a master
 * and watch the cluster fail over; it never touches any other Redis.
 *
 * <pre>{@code
 * try (PrivateRedisCluster cluster = PrivateRedisCluster.start()) {
 *     ... use cluster.uri() (redis-cluster://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3) ...
 *     int port = cluster.masterOf("some-key");
 *     cluster.kill(port);                  // SIGKILL, as a crash
 *     cluster.awaitFailover(port);         // a replica took over its slots
 * }
 * }</pre>
 *
 * <p>Settings: {@code cluster-node-timeout} 1000 ms (a dead master is failed over in 1-3 s),
 * {@code cluster-require-full-coverage no} (the other masters keep serving their slots while one is
 * down, as a production cluster that prefers partial service would be configured).
 *
 * <p>If {@code redis-server} or {@code redis-cli} is missing from the {@code PATH}, {@link #start()}
 * skips the test with the reason, or fails it when {@code HAL9_REQUIRE_SERVICES=1}.
 *
 * <p>Thread safety: meant for the test's own thread; the query methods may be called from any thread
 * (each opens its own short connection).
 */
public final class PrivateRedisCluster implements AutoCloseable {
    private static final int MASTERS = 3;
    private static final int NODES = 6;
    private static final long START_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(20);

    private final String server;
    private final Path dir;
    private final Map<Integer, Process> processes = new LinkedHashMap<>();
    private final List<Integer> ports;

    private PrivateRedisCluster(String server, Path dir, List<Integer> ports) {
        this.server = server;
        this.dir = dir;
        this.ports = ports;
    }

    /** Starts 6 nodes, creates the cluster and waits until every node reports {@code cluster_state:ok}. */
    public static PrivateRedisCluster start() {
        String server = PrivateProcesses.findOnPath("redis-server");
        String cli = PrivateProcesses.findOnPath("redis-cli");
        if (server == null || cli == null) {
            return PrivateProcesses.unavailable(
                    "redis-server or redis-cli not found on PATH: this test needs a private Redis Cluster");
        }
        Path dir;
        try {
            dir = Files.createTempDirectory("hal9-redis-cluster");
        } catch (IOException e) {
            throw new UncheckedIOException("hal9-testkit: no temporary directory for a private Redis Cluster", e);
        }
        PrivateRedisCluster cluster = new PrivateRedisCluster(server, dir, freePorts());
        try {
            for (int port : cluster.ports) {
                cluster.startNode(port);
            }
            List<String> args = new ArrayList<>(List.of(cli, "--cluster", "create"));
            for (int port : cluster.ports) {
                args.add("127.0.0.1:" + port);
            }
            args.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
            Process create = new ProcessBuilder(args)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("create.log").toFile())
                    .start();
            if (!create.waitFor(30, TimeUnit.SECONDS) || create.exitValue() != 0) {
                create.destroyForcibly();
                throw new IllegalStateException("hal9-testkit: redis-cli --cluster create failed: "
                        + Files.readString(dir.resolve("create.log")));
            }
            cluster.awaitHealthy(List.of());
            return cluster;
        } catch (IOException e) {
            cluster.close();
            throw new UncheckedIOException("hal9-testkit: could not start a private Redis Cluster", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cluster.close();
            throw new IllegalStateException("hal9-testkit: interrupted while starting a Redis Cluster", e);
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    /** {@code redis-cluster://127.0.0.1:<p1>,127.0.0.1:<p2>,127.0.0.1:<p3>}: three of the nodes as seeds. */
    public String uri() {
        return "redis-cluster://127.0.0.1:" + ports.get(0) + ",127.0.0.1:" + ports.get(1) + ",127.0.0.1:"
                + ports.get(2);
    }

    /** The seed URIs one by one ({@code redis://127.0.0.1:<port>}), all six nodes. */
    public List<String> seedUris() {
        return ports.stream().map(p -> "redis://127.0.0.1:" + p).toList();
    }

    /** The ports of all nodes, masters and replicas. */
    public List<Integer> ports() {
        return List.copyOf(ports);
    }

    /** The ports of the nodes that are masters with slots now, in the order of their first slot. */
    public List<Integer> masters() {
        List<int[]> found = new ArrayList<>(); // {firstSlot, port}
        for (List<?> range : slots()) {
            int first = ((Long) range.get(0)).intValue();
            found.add(new int[] {first, portOf(range.get(2))});
        }
        found.sort(Comparator.comparingInt(a -> a[0]));
        return found.stream().map(a -> a[1]).distinct().toList();
    }

    /** The port of the master that serves {@code key}'s slot now. */
    public int masterOf(String key) {
        int slot = slot(key);
        for (List<?> range : slots()) {
            if (((Long) range.get(0)) <= slot && slot <= ((Long) range.get(1))) {
                return portOf(range.get(2));
            }
        }
        throw new IllegalStateException("hal9-testkit: no master serves slot " + slot);
    }

    /** Kills the node on {@code port} at once (SIGKILL), as a crash would, and waits until it is gone. */
    public void kill(int port) {
        PrivateProcesses.kill(processes.remove(port));
    }

    /**
     * Waits until the cluster is whole again without the node on {@code deadPort}: every live node
     * reports {@code cluster_state:ok} and no slot is served by the dead node.
     *
     * @throws IllegalStateException if that does not happen within {@code timeout}
     */
    public void awaitFailover(int deadPort, Duration timeout) {
        if (!PrivateProcesses.await(timeout.toNanos(), () -> healthy(List.of(deadPort)))) {
            throw new IllegalStateException(
                    "hal9-testkit: the cluster did not fail over from port " + deadPort + " within " + timeout);
        }
    }

    /** Kills every node and removes the directory. Idempotent. */
    @Override
    public void close() {
        PrivateProcesses.killAll(processes);
        PrivateProcesses.deleteTree(dir);
    }

    /** The cluster hash slot of {@code key} (CRC16 of the key or of its {@code {hash tag}}, mod 16384). */
    public static int slot(String key) {
        byte[] b = key.getBytes(StandardCharsets.UTF_8);
        int start = 0;
        int end = b.length;
        int open = key.indexOf('{');
        if (open >= 0) {
            int close = key.indexOf('}', open + 1);
            if (close > open + 1) {
                byte[] tag = key.substring(open + 1, close).getBytes(StandardCharsets.UTF_8);
                b = tag;
                end = tag.length;
            }
        }
        int crc = 0;
        for (int i = start; i < end; i++) {
            crc ^= (b[i] & 0xff) << 8;
            for (int j = 0; j < 8; j++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
                crc &= 0xffff;
            }
        }
        return crc % 16384;
    }

    @Override
    public String toString() {
        return "PrivateRedisCluster" + ports;
    }

    // ---------------------------------------------------------------- plumbing

    private void startNode(int port) throws IOException {
        Path nodeDir = Files.createDirectories(dir.resolve(Integer.toString(port)));
        Process p = PrivateProcesses.launch(
                PrivateProcesses.redisServer(
                        server,
                        port,
                        "--cluster-enabled",
                        "yes",
                        "--cluster-config-file",
                        "nodes.conf",
                        "--cluster-node-timeout",
                        "1000",
                        "--cluster-require-full-coverage",
                        "no",
                        "--dir",
                        nodeDir.toString()),
                ProcessBuilder.Redirect.to(nodeDir.resolve("redis.log").toFile()));
        processes.put(port, p);
        if (!PrivateProcesses.awaitAccepting(port, p, START_TIMEOUT_NANOS)) {
            throw new IllegalStateException("hal9-testkit: cluster node on port " + port + " did not start");
        }
    }

    private void awaitHealthy(List<Integer> dead) throws IOException {
        long deadline = System.nanoTime() + START_TIMEOUT_NANOS;
        while (!healthy(dead)) {
            if (System.nanoTime() - deadline >= 0) {
                throw new IllegalStateException(
                        "hal9-testkit: the private Redis Cluster did not become ok within 20 s");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50)); // polling processes we do not control
        }
    }

    /** Every live node says ok, the masters serve all 16384 slots, none on a dead node, each has a replica. */
    private boolean healthy(List<Integer> dead) throws IOException {
        for (int port : ports) {
            if (dead.contains(port) || !processes.containsKey(port)) {
                continue;
            }
            String info = text(call(port, "CLUSTER", "INFO"));
            if (!info.contains("cluster_state:ok")) {
                return false;
            }
        }
        long covered = 0;
        int masters = 0;
        for (List<?> range : slots()) {
            int port = portOf(range.get(2));
            if (dead.contains(port)) {
                return false;
            }
            covered += (Long) range.get(1) - (Long) range.get(0) + 1;
            masters++;
            if (dead.isEmpty() && range.size() < 4) {
                return false; // wait for the replicas to be attached at start
            }
        }
        return covered == 16384 && masters >= MASTERS;
    }

    private List<List<?>> slots() {
        for (int port : ports) {
            if (!processes.containsKey(port)) {
                continue;
            }
            try {
                Object reply = call(port, "CLUSTER", "SLOTS");
                List<List<?>> out = new ArrayList<>();
                for (Object o : (List<?>) reply) {
                    out.add((List<?>) o);
                }
                return out;
            } catch (IOException | RuntimeException e) {
                // try the next node
            }
        }
        throw new IllegalStateException("hal9-testkit: no cluster node answers CLUSTER SLOTS");
    }

    private static int portOf(Object node) {
        return ((Long) ((List<?>) node).get(1)).intValue();
    }

    private static @Nullable Object call(int port, String... args) throws IOException {
        try (RespClient c = RespClient.open(RedisEndpoint.plain("127.0.0.1", port, "private cluster"), 2)) {
            return c.call(args);
        }
    }

    private static String text(@Nullable Object reply) {
        return reply instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(reply);
    }

    /** Six ports p with p and p + 10000 (the cluster bus) free on loopback. */
    private static List<Integer> freePorts() {
        List<Integer> out = new ArrayList<>();
        for (int attempt = 0; attempt < 1000 && out.size() < NODES; attempt++) {
            int p = ThreadLocalRandom.current().nextInt(20_000, 50_000);
            if (!out.contains(p) && free(p) && free(p + 10_000)) {
                out.add(p);
            }
        }
        if (out.size() < NODES) {
            throw new IllegalStateException("hal9-testkit: no free loopback ports for a private Redis Cluster");
        }
        return out;
    }

    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return s.isBound();
        } catch (IOException e) {
            return false;
        }
    }
}

package io.hal9.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A redis-server of a test's own, on a free loopback port, for tests that must kill, restart or pause
 * Redis (outages, reconnects) without touching the shared one other tests use. Started without
 * persistence, as the seed configures Redis, so a restarted server is empty.
 *
 * <pre>{@code
 * try (PrivateRedisServer redis = PrivateRedisServer.start()) {
 *     ... use redis.uri() ...
 *     redis.kill();      // an outage
 *     redis.restart();   // back, empty, on the same port
 * }
 * }</pre>
 *
 * <p>If no {@code redis-server} is on the {@code PATH}, {@link #start()} skips the test with the
 * reason, or fails it when {@code HAL9_REQUIRE_SERVICES=1}.
 *
 * <p>Thread safety: meant for the test's own thread; {@link #uri()} and {@link #port()} may be read
 * from any thread.
 */
public final class PrivateRedisServer implements AutoCloseable {
    private static final long START_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final String binary;
    private final int port;
    private @Nullable Process process;

    private PrivateRedisServer(String binary, int port) {
        this.binary = binary;
        this.port = port;
    }

    /** Starts a server on a free loopback port and waits until it accepts connections. */
    public static PrivateRedisServer start() {
        String binary = PrivateProcesses.findOnPath("redis-server");
        if (binary == null) {
            binary = PrivateProcesses.unavailable(
                    "redis-server not found on PATH: this test needs a private Redis it can stop");
        }
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("hal9-testkit: no free loopback port for a private redis-server", e);
        }
        PrivateRedisServer server = new PrivateRedisServer(binary, port);
        server.restart();
        return server;
    }

    /** The server's port on 127.0.0.1. */
    public int port() {
        return port;
    }

    /** {@code redis://127.0.0.1:<port>}. */
    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** Starts the server again on the same port (empty) after {@link #kill()}; no-op if it runs. */
    public void restart() {
        if (process != null && process.isAlive()) {
            return;
        }
        try {
            process = PrivateProcesses.launch(
                    PrivateProcesses.redisServer(binary, port), ProcessBuilder.Redirect.DISCARD);
        } catch (IOException e) {
            throw new UncheckedIOException("hal9-testkit: could not start " + binary + " on port " + port, e);
        }
        if (!PrivateProcesses.awaitAccepting(port, null, START_TIMEOUT_NANOS)) {
            kill();
            throw new IllegalStateException(
                    "hal9-testkit: private redis-server on port " + port + " did not accept connections within 10 s");
        }
    }

    /** Kills the server at once (SIGKILL), as a crash would, and waits until the process is gone. */
    public void kill() {
        Process p = process;
        if (p == null) {
            return;
        }
        PrivateProcesses.kill(p);
        process = null;
    }

    /** Returns true while the server process runs. */
    public boolean isRunning() {
        Process p = process;
        return p != null && p.isAlive();
    }

    /** Kills the server. Idempotent. */
    @Override
    public void close() {
        kill();
    }

    @Override
    public String toString() {
        return "PrivateRedisServer[" + uri() + (isRunning() ? ", running]" : ", stopped]");
    }
}

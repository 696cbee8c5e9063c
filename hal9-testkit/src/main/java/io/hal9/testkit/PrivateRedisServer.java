package io.hal9.testkit;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Assumptions;

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
        String binary = findOnPath("redis-server");
        if (binary == null) {
            String reason = "redis-server not found on PATH: this test needs a private Redis it can stop";
            String require = System.getenv("HAL9_REQUIRE_SERVICES");
            if ("1".equals(require) || "true".equalsIgnoreCase(require)) {
                throw new IllegalStateException(reason + " [HAL9_REQUIRE_SERVICES=1: failing instead of skipping]");
            }
            Assumptions.abort(reason);
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
            process = new ProcessBuilder(
                            binary,
                            "--port",
                            Integer.toString(port),
                            "--bind",
                            "127.0.0.1",
                            "--save",
                            "",
                            "--appendonly",
                            "no")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("hal9-testkit: could not start " + binary + " on port " + port, e);
        }
        long deadline = System.nanoTime() + START_TIMEOUT_NANOS;
        while (!accepting()) {
            if (System.nanoTime() - deadline >= 0) {
                kill();
                throw new IllegalStateException("hal9-testkit: private redis-server on port " + port
                        + " did not accept connections within 10 s");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // polling a process we do not control
        }
    }

    /** Kills the server at once (SIGKILL), as a crash would, and waits until the process is gone. */
    public void kill() {
        Process p = process;
        if (p == null) {
            return;
        }
        p.destroyForcibly();
        try {
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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

    private boolean accepting() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The absolute path of the executable {@code name} on the {@code PATH}, or {@code null}. */
    static @Nullable String findOnPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            File f = new File(dir, name);
            if (f.canExecute()) {
                return f.getAbsolutePath();
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return "PrivateRedisServer[" + uri() + (isRunning() ? ", running]" : ", stopped]");
    }
}

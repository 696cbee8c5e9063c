package io.hal9.testkit;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Assumptions;

/**
 * The one copy of what the private servers of the testkit ({@link PrivateRedisServer}, {@link
 * PrivateRedisCluster}, {@link PrivateRedisSentinel}, {@link PrivatePostgresPair}) do with the processes they
 * own: find the executable on the {@code PATH} or skip (fail under {@code HAL9_REQUIRE_SERVICES=1}), start a
 * process, wait until its port accepts connections, poll a condition with a deadline, kill a process as a crash
 * would, and remove the temporary directory afterwards.
 *
 * <p>Waiting polls (a process we do not control has nothing to wait on), with the interval the caller names.
 *
 * <p>Thread safety: stateless.
 */
final class PrivateProcesses {
    private PrivateProcesses() {}

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

    /**
     * Skips the test with {@code reason}, or fails it when {@code HAL9_REQUIRE_SERVICES} is {@code 1} or {@code
     * true}. Never returns.
     */
    static <T> T unavailable(String reason) {
        String require = System.getenv("HAL9_REQUIRE_SERVICES");
        if ("1".equals(require) || "true".equalsIgnoreCase(require)) {
            throw new IllegalStateException(reason + " [HAL9_REQUIRE_SERVICES=1: failing instead of skipping]");
        }
        return Assumptions.abort(reason);
    }

    /**
     * The command line of a private redis-server on 127.0.0.1:{@code port} that keeps nothing on disk (no RDB
     * snapshot, no append-only file), followed by {@code more}.
     */
    static List<String> redisServer(String binary, int port, String... more) {
        List<String> args = new ArrayList<>(List.of(
                binary, "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"));
        args.addAll(List.of(more));
        return args;
    }

    /** Starts {@code args} with its output, standard error included, going to {@code output}. */
    static Process launch(List<String> args, ProcessBuilder.Redirect output) throws IOException {
        return new ProcessBuilder(args)
                .redirectErrorStream(true)
                .redirectOutput(output)
                .start();
    }

    /**
     * Waits until 127.0.0.1:{@code port} accepts a connection.
     *
     * @param process the process that should listen there: waiting stops when it has exited; null to wait the
     *     whole timeout whatever happens to it
     * @return false if the process exited or {@code timeoutNanos} passed first
     */
    static boolean awaitAccepting(int port, @Nullable Process process, long timeoutNanos) {
        long deadline = System.nanoTime() + timeoutNanos;
        while (!accepting(port)) {
            if ((process != null && !process.isAlive()) || System.nanoTime() - deadline >= 0) {
                return false;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // polling a process we do not control
        }
        return true;
    }

    /** Whether 127.0.0.1:{@code port} accepts a connection within 200 ms. */
    static boolean accepting(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A condition on processes we do not control; an exception means "not yet". */
    interface Condition {
        boolean holds() throws IOException;
    }

    /**
     * Polls {@code c} every 50 ms until it holds.
     *
     * @return false if {@code timeoutNanos} passed first
     */
    static boolean await(long timeoutNanos, Condition c) {
        long deadline = System.nanoTime() + timeoutNanos;
        while (true) {
            try {
                if (c.holds()) {
                    return true;
                }
            } catch (IOException | RuntimeException e) {
                // not yet: a process starting, or answering oddly mid-failover
            }
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50)); // polling processes we do not control
        }
    }

    /** Kills {@code p} at once (SIGKILL), as a crash would, and waits up to 10 s until it is gone. */
    static void kill(@Nullable Process p) {
        if (p == null) {
            return;
        }
        p.destroyForcibly();
        try {
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Kills every process of {@code byPort} (see {@link #kill}) and empties it. */
    static void killAll(Map<Integer, Process> byPort) {
        for (int port : List.copyOf(byPort.keySet())) {
            kill(byPort.remove(port));
        }
    }

    /** Removes {@code dir} and everything below it, best effort (a temporary directory). */
    static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // best effort: a temporary directory
        }
    }
}

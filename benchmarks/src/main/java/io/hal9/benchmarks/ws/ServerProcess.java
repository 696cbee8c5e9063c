package io.hal9.benchmarks.ws;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One {@link BenchServer} JVM started by the driver with the driver's own java binary and class path,
 * spoken to over its stdin and stdout.
 *
 * <p>Design / Concurrency / Invariants: one daemon thread reads the server's stdout; {@code STATS}
 * lines go to a queue the controlling thread takes from (one request in flight at a time), {@code
 * READY} and {@code CONFIG} complete futures, anything else is echoed with a prefix.
 *
 * <p>Thread safety: the control methods are for one controlling thread.
 */
final class ServerProcess implements AutoCloseable {
    private final Process process;
    private final Writer stdin;
    private final String label;
    private final BlockingQueue<String> statsLines = new LinkedBlockingQueue<>();
    private final CompletableFuture<Integer> ready = new CompletableFuture<>();
    private final CompletableFuture<String> config = new CompletableFuture<>();
    private final List<String> command;
    private final List<String> output = java.util.Collections.synchronizedList(new ArrayList<>());
    private final Thread reader;
    private boolean closed;

    private ServerProcess(String label, List<String> command) {
        this.label = label;
        this.command = command;
        try {
            this.process = new ProcessBuilder(command)
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        this.reader = new Thread(this::readStdout, "ws-bench-" + label + "-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts a server JVM and waits (up to 60 s) until it listens. */
    static ServerProcess start(BenchWsServer.Impl impl, BenchWsServer.Mode mode, List<String> jvmArgs) {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(jvmArgs);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(BenchServer.class.getName());
        command.add("--impl");
        command.add(impl.label());
        command.add("--mode");
        command.add(mode.name().toLowerCase(Locale.ROOT));
        command.add("--port");
        command.add("0");
        ServerProcess server = new ServerProcess(impl.label(), command);
        try {
            server.ready.get(60, TimeUnit.SECONDS);
            return server;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.close();
            throw new IllegalStateException("interrupted while starting " + impl.label(), e);
        } catch (ExecutionException | TimeoutException e) {
            server.close();
            throw new IllegalStateException("server " + impl.label() + " did not start: " + e, e);
        }
    }

    private void readStdout() {
        try (BufferedReader out =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith(ServerStats.PREFIX)) {
                    statsLines.add(line);
                } else if (line.startsWith("READY port=")) {
                    ready.complete(Integer.parseInt(
                            line.substring("READY port=".length()).trim()));
                } else if (line.startsWith("CONFIG ")) {
                    config.complete(line.substring("CONFIG ".length()));
                } else {
                    output.add(line);
                    System.out.println("[server " + label + "] " + line);
                }
            }
        } catch (IOException | RuntimeException e) {
            ready.completeExceptionally(e);
        } finally {
            ready.completeExceptionally(new IllegalStateException("server exited before it was ready"));
        }
    }

    /** The server's other stdout lines so far (after {@link #close()}: all of them). */
    List<String> output() {
        synchronized (output) {
            return List.copyOf(output);
        }
    }

    int port() {
        return ready.join();
    }

    String config() {
        return config.getNow("?");
    }

    String commandLine() {
        return String.join(" ", command.subList(0, command.indexOf("-cp"))) + " ... "
                + String.join(" ", command.subList(command.indexOf("-cp") + 2, command.size()));
    }

    /** Asks the server for one reading; {@code fullGc} runs two full collections first. */
    ServerStats stats(boolean fullGc) {
        try {
            statsLines.clear();
            stdin.write(fullGc ? "gcstats\n" : "stats\n");
            stdin.flush();
            String line = statsLines.poll(60, TimeUnit.SECONDS);
            if (line == null) {
                throw new IllegalStateException("server " + label + " did not answer 'stats' within 60 s");
            }
            return ServerStats.parse(line);
        } catch (IOException e) {
            throw new UncheckedIOException("server " + label + " is gone", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Waits until the server counts {@code connections} sessions, or {@code timeout}; the last reading. */
    ServerStats awaitConnections(long connections, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        ServerStats last = stats(false);
        while (last.connections() != connections && System.nanoTime() - deadline < 0) {
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
            last = stats(false);
        }
        return last;
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    /**
     * Asks the server to quit, then kills it if it has not exited within 15 s; afterwards {@link #output()}
     * has every line it printed. Idempotent.
     */
    void stop() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            stdin.write("quit\n");
            stdin.close();
        } catch (IOException e) {
            // already gone
        }
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            reader.join(5_000);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}

package io.hal9.examples.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The reference server as a process of its own, for tests that kill it (SIGKILL), stop it (SIGTERM)
 * or restart it. Its standard error goes to a log file the test can read; {@link #start} returns once
 * the server printed its URL (after migrations and the journal's replay).
 */
final class ServerProcess implements AutoCloseable {
    private final Process process;
    private final Path log;
    private final String baseUrl;

    private ServerProcess(Process process, Path log, String baseUrl) {
        this.process = process;
        this.log = log;
        this.baseUrl = baseUrl;
    }

    /** Starts {@code Main} with {@code args}; its log goes to {@code log} (appended to). */
    static ServerProcess start(Path log, List<String> args) throws IOException, InterruptedException {
        return start(log, List.of("-Xmx512m"), args);
    }

    /** Starts {@code Main} with the JVM options {@code jvm} and {@code args}; its log goes to {@code log}. */
    static ServerProcess start(Path log, List<String> jvm, List<String> args) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java));
        cmd.addAll(jvm);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path")));
        cmd.add(Main.class.getName());
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd)
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null) {
            int at = line.indexOf("server on http://");
            if (at >= 0) {
                String url = line.substring(at + "server on ".length());
                Thread.ofVirtual().start(() -> drain(out));
                return new ServerProcess(p, log, url.substring(0, url.indexOf(' ')));
            }
        }
        p.waitFor(10, TimeUnit.SECONDS);
        throw new IllegalStateException("server exited (" + (p.isAlive() ? "alive" : "status " + p.exitValue())
                + ") before printing its URL; its log:\n" + Files.readString(log));
    }

    String baseUrl() {
        return baseUrl;
    }

    ApiClient api() {
        return new ApiClient(baseUrl);
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL: the process dies wherever it is, nothing of its shutdown runs. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("server did not die within 30 s of SIGKILL");
        }
    }

    /** SIGTERM: the shutdown hook runs; answers whether the process exited within {@code timeout}. */
    boolean term(Duration timeout) throws InterruptedException {
        process.destroy();
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** SIGSTOP: the process stops wherever it is (its threads, timers and lease renewals with it). */
    void pause() throws IOException, InterruptedException {
        signal("STOP");
    }

    /** SIGCONT: a paused process runs on from where it stopped. */
    void resume() throws IOException, InterruptedException {
        signal("CONT");
    }

    private void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid()))
                .inheritIO()
                .start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
        }
    }

    String log() throws IOException {
        return Files.readString(log, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            try {
                process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void drain(BufferedReader out) {
        try {
            while (out.readLine() != null) {
                // discard: the URL was all we needed
            }
        } catch (IOException e) {
            // the process ended
        }
    }
}

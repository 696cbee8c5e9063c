package io.hal9.examples.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@link Main} run to its end as a process of its own, for tests of what an operator sees when the server cannot
 * start: the exit code and the lines on standard output and standard error.
 *
 * @param exitCode the process's exit code
 * @param out its standard output
 * @param err its standard error (where the server's log goes too)
 */
record MainRun(int exitCode, String out, String err) {

    /** Runs {@code Main} with {@code args} and waits for it to exit, at most {@code timeout}. */
    static MainRun of(Path dir, Duration timeout, List<String> args) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m", "-cp", System.getProperty("java.class.path")));
        cmd.add(Main.class.getName());
        cmd.addAll(args);
        Path out = Files.createTempFile(dir, "main-", ".out");
        Path err = Files.createTempFile(dir, "main-", ".err");
        Process p = new ProcessBuilder(cmd)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        p.getOutputStream().close(); // no input
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("Main did not exit within " + timeout + " (a thread kept the JVM alive?);"
                    + " its standard error:\n" + Files.readString(err, StandardCharsets.UTF_8));
        }
        return new MainRun(
                p.exitValue(),
                Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    /** The lines of standard error that say the server could not start. */
    List<String> failureLines() {
        return err.lines().filter(l -> l.startsWith("hal9: cannot start: ")).toList();
    }

    /** The lines of standard error that belong to a stack trace. */
    List<String> stackTraceLines() {
        return err.lines()
                .filter(l -> l.startsWith("\tat ")
                        || l.matches("\\s+at .*")
                        || l.startsWith("Caused by: ")
                        || l.startsWith("Exception in thread"))
                .toList();
    }
}

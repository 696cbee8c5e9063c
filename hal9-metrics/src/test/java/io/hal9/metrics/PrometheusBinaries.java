package io.hal9.metrics;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds Prometheus's binaries ({@code prometheus}, {@code promtool}) on the PATH. A test that needs one
 * is skipped with the reason when it is missing, or fails when {@code HAL9_REQUIRE_SERVICES=1} (CI,
 * where {@code .ci/run} installs Debian's {@code prometheus} package).
 */
public final class PrometheusBinaries {
    private PrometheusBinaries() {}

    /** The binary's path; skips or fails the calling test if there is none. */
    public static Path require(String binary) {
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                Path candidate = Path.of(dir, binary);
                if (Files.isExecutable(candidate)) {
                    return candidate;
                }
            }
        }
        String reason = binary + " not found on the PATH; install Debian's 'prometheus' package"
                + " (apt-get install --no-install-recommends prometheus), as .ci/run does";
        if ("1".equals(System.getenv("HAL9_REQUIRE_SERVICES"))) {
            fail(reason + " (HAL9_REQUIRE_SERVICES=1)");
        }
        Assumptions.abort(reason);
        throw new AssertionError(reason); // not reached
    }

    /** What {@code promtool check metrics} said of a text-format scrape. */
    public record Check(int exitCode, String output) {}

    /** Runs {@code promtool check metrics} on {@code scrape}; skips or fails the test without promtool. */
    public static Check checkMetrics(String scrape) throws IOException, InterruptedException {
        Path promtool = require("promtool");
        Process p = new ProcessBuilder(promtool.toString(), "check", "metrics")
                .redirectErrorStream(true)
                .start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(scrape.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("promtool check metrics did not finish within 30 s");
        }
        return new Check(p.exitValue(), out);
    }
}

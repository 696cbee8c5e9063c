package io.hal9.metrics;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
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
}

package io.hal9.examples.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/** Reading a {@code /metrics} body in tests, and linting it with {@code promtool check metrics}. */
final class Scrapes {
    private Scrapes() {}

    /** The value of the one sample exported as {@code series} (name and labels, as in the scrape). */
    static double sample(String body, String series) {
        Matcher m =
                Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(body);
        assertThat(m.find()).as("series %s in\n%s", series, body).isTrue();
        return Double.parseDouble(m.group(1));
    }

    /**
     * Asserts that {@code promtool check metrics} accepts {@code body} without a finding. Skips the test with
     * the reason when promtool is not on the PATH, or fails it under {@code HAL9_REQUIRE_SERVICES=1}.
     */
    static void assertPromtoolAccepts(String body) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(promtool().toString(), "check", "metrics")
                .redirectErrorStream(true)
                .start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(body.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS))
                .as("promtool finished in 30 s")
                .isTrue();
        assertThat(p.exitValue()).as("promtool check metrics said:\n%s", out).isZero();
        assertThat(out.strip()).as("promtool's lint findings").isEmpty();
    }

    private static Path promtool() {
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                Path candidate = Path.of(dir, "promtool");
                if (Files.isExecutable(candidate)) {
                    return candidate;
                }
            }
        }
        String reason = "promtool not found on the PATH; install Debian's 'prometheus' package";
        if ("1".equals(System.getenv("HAL9_REQUIRE_SERVICES"))) {
            fail(reason + " (HAL9_REQUIRE_SERVICES=1)");
        }
        Assumptions.abort(reason);
        throw new AssertionError(reason);
    }
}

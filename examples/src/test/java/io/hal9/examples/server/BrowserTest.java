package io.hal9.examples.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The play page and the console in a real browser: starts a server on embedded defaults and runs {@code
 * src/test/browser/pages.mjs} with Node, which drives headless Debian Chromium through {@code playwright-core}:
 * two browser contexts play a full game to the end (a dropped connection and a console disconnect on the way,
 * both reconnected with the same token), the console lists that game, ends another one (whose player page shows
 * it ended), a third game is joined from the list of waiting games and left by one player (the other wins), and
 * the console's actions chart moves while a small load runs. The script takes a screenshot of each page:
 * into {@code target/screenshots}, or where the system property {@code hal9.screenshots} (or the environment
 * variable {@code HAL9_SCREENSHOTS}) says, a relative path being taken from the repository root ({@code
 * -Dhal9.screenshots=docs/images} refreshes the README's images).
 *
 * <p>Skipped with the reason when {@code /usr/bin/chromium}, {@code node} or {@code
 * src/test/browser/node_modules/playwright-core} ({@code npm ci --prefix examples/src/test/browser}) is missing;
 * failed instead under {@code HAL9_REQUIRE_SERVICES=1} (CI).
 *
 * <p>Limits: the script gets {@link #SCRIPT_TIMEOUT}; its output is kept in {@code target/browser-test.log}.
 */
@Timeout(180)
class BrowserTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path BROWSER_DIR = Path.of("src", "test", "browser");
    static final Duration SCRIPT_TIMEOUT = Duration.ofSeconds(150);

    @Test
    void twoPlayersPlayAGameAndTheConsoleWatchesAndActs() throws Exception {
        String node = requirements();
        Path shots = screenshotDir();
        Files.createDirectories(shots);
        Files.deleteIfExists(shots.resolve("play.png"));
        Files.deleteIfExists(shots.resolve("console.png"));
        try (GameServer server = GameServer.start(
                "browser",
                ServerConfig.parse(
                        new String[] {
                            "--port", "0", "--round-timeout", "30s", "--create-rate", "0", "--cache-ttl", "100ms"
                        },
                        Map.of()))) {
            Path log = Path.of("target", "browser-test.log");
            Files.createDirectories(log.getParent());
            Process p = new ProcessBuilder(
                            node,
                            BROWSER_DIR.resolve("pages.mjs").toString(),
                            server.baseUrl(),
                            server.adminUrl(),
                            shots.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            boolean ended = p.waitFor(SCRIPT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (!ended) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            String output = Files.readString(log, StandardCharsets.UTF_8);
            assertThat(ended)
                    .as("the browser script ended within %s; its output:%n%s", SCRIPT_TIMEOUT, output)
                    .isTrue();
            assertThat(p.exitValue())
                    .as("the browser script's exit code; its output:%n%s", output)
                    .isZero();
        }
        assertThat(shots.resolve("play.png")).isNotEmptyFile();
        assertThat(shots.resolve("console.png")).isNotEmptyFile();
    }

    /** The node binary, or a skipped (under HAL9_REQUIRE_SERVICES=1, failed) test naming what is missing. */
    static String requirements() {
        List<String> missing = new ArrayList<>();
        if (!Files.isExecutable(CHROMIUM)) {
            missing.add(CHROMIUM + " (apt-get install chromium)");
        }
        String node = onPath("node");
        if (node == null) {
            missing.add("node on PATH (Node.js 18+)");
        }
        if (!Files.isDirectory(BROWSER_DIR.resolve("node_modules").resolve("playwright-core"))) {
            missing.add(BROWSER_DIR.resolve("node_modules").resolve("playwright-core")
                    + " (npm ci --prefix examples/src/test/browser)");
        }
        if (!missing.isEmpty() || node == null) {
            String reason = "the browser test needs " + String.join(", ", missing);
            String require = System.getenv("HAL9_REQUIRE_SERVICES");
            if ("1".equals(require) || "true".equalsIgnoreCase(require)) {
                throw new IllegalStateException(reason + " [HAL9_REQUIRE_SERVICES=1: failing instead of skipping]");
            }
            Assumptions.abort(reason);
        }
        return node;
    }

    private static @Nullable String onPath(String binary) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, binary))) {
                return Path.of(d, binary).toString();
            }
        }
        return null;
    }

    /** Where the screenshots go: hal9.screenshots or HAL9_SCREENSHOTS (relative: to the repository root), else target. */
    static Path screenshotDir() throws IOException {
        String wanted = System.getProperty("hal9.screenshots", System.getenv("HAL9_SCREENSHOTS"));
        if (wanted == null || wanted.isBlank()) {
            return Path.of("target", "screenshots").toAbsolutePath();
        }
        Path p = Path.of(wanted);
        // the tests run in the examples module: the repository root is its parent
        return p.isAbsolute() ? p : Path.of("..").toAbsolutePath().normalize().resolve(p);
    }
}

package io.hal9.examples.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What the reference server prints at start on its embedded defaults is what examples/README.md's quick start
 * shows, line for line (the ports aside: the test takes free ones and writes the defaults, 8080 and 9080, back).
 */
@Timeout(60)
class BannerTest {
    @Test
    void theStartupBannerIsTheOneTheReadmeShows() throws Exception {
        ServerConfig config = ServerConfig.parse(new String[] {"--port", "0", "--admin-port", "0"}, Map.of());
        List<String> printed;
        try (GameServer server = GameServer.start("game", config)) {
            int port = URI.create(server.baseUrl()).getPort();
            int admin = URI.create(server.adminUrl()).getPort();
            printed = new ArrayList<>();
            for (String line : Main.banner(server, config)) {
                printed.add(line.replace(":" + port + "/", ":8080/")
                        .replace(":" + port + " ", ":8080 ")
                        .replace(":" + admin + "/", ":9080/"));
            }
        }
        assertThat(printed).containsExactlyElementsOf(readmeBanner());
    }

    /** The fenced block after "prints its URLs:" in examples/README.md. */
    private static List<String> readmeBanner() throws Exception {
        Path readme = Path.of("README.md"); // surefire runs in the module's folder
        List<String> lines = Files.readAllLines(readme);
        int at = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains("prints its URLs:")) {
                at = i;
                break;
            }
        }
        assertThat(at)
                .as("the quick start's 'prints its URLs:' line in " + readme.toAbsolutePath())
                .isNotNegative();
        int open = at + 1;
        while (!lines.get(open).startsWith("```")) {
            open++;
        }
        List<String> block = new ArrayList<>();
        for (int i = open + 1; !lines.get(i).startsWith("```"); i++) {
            block.add(lines.get(i));
        }
        return block;
    }
}

package io.hal9.examples.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hal9.examples.server.GameServer;
import io.hal9.examples.server.ServerConfig;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The load generator: its HTTP stages, its frame reading, and a short run against a real server. */
@Timeout(60)
class LoadGeneratorTest {
    @TempDir
    Path dir;

    @Test
    void stagesRampLinearlyLikeK6AndTheScaleShortensThem() {
        List<LoadGenerator.Stage> s = LoadGenerator.stages(LoadGenerator.SEED_STAGES, 0.5);
        assertThat(s)
                .containsExactly(
                        new LoadGenerator.Stage(100, Duration.ofSeconds(15)),
                        new LoadGenerator.Stage(500, Duration.ofSeconds(30)),
                        new LoadGenerator.Stage(1000, Duration.ofSeconds(60)),
                        new LoadGenerator.Stage(0, Duration.ofSeconds(15)));
        assertThat(LoadGenerator.usersAt(s, Duration.ZERO)).isZero();
        assertThat(LoadGenerator.usersAt(s, Duration.ofMillis(7500))).isEqualTo(50);
        assertThat(LoadGenerator.usersAt(s, Duration.ofSeconds(30))).isEqualTo(300);
        assertThat(LoadGenerator.usersAt(s, Duration.ofSeconds(105))).isEqualTo(1000);
        assertThat(LoadGenerator.usersAt(s, Duration.ofMillis(112_500))).isEqualTo(500);
        assertThat(LoadGenerator.usersAt(s, Duration.ofSeconds(121))).isZero();
        assertThatThrownBy(() -> LoadGenerator.stages("100:10s", 0))
                .hasMessageContaining("http-scale must be > 0, was 0.0");
        assertThatThrownBy(() -> LoadGenerator.stages("100", 1)).hasMessageContaining("a stage is VU:duration");
    }

    @Test
    void theHeapFigureIsReadFromG1AndZgcAnswersAlike() {
        assertThat(LoadGenerator.heapUsed(
                        " garbage-first heap   total 1048576K, used 53248K [0x00000000c0000000, 0x0000000100000000)"))
                .isEqualTo(53_248L * 1024);
        assertThat(LoadGenerator.heapUsed(" ZHeap           used 326M, capacity 1024M, max capacity 1024M"))
                .isEqualTo(326L << 20);
        assertThatThrownBy(() -> LoadGenerator.heapUsed("no figure here"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no heap figure");
    }

    @Test
    void aResultFrameIsReadForItsTopLevelFieldsOnly() {
        WsPlayers.Message m = WsPlayers.Message.parse(Unpooled.copiedBuffer(
                "{\"type\":\"result\",\"gameId\":7,\"round\":3,\"timedOut\":false,"
                        + "\"players\":[{\"playerId\":1,\"round\":99,\"move\":\"rock\"}],"
                        + "\"status\":\"running\",\"nextRound\":4,\"winners\":[]}",
                StandardCharsets.UTF_8));
        assertThat(m.type).isEqualTo("result");
        assertThat(m.round).isEqualTo(3); // not the nested "round"
        assertThat(m.nextRound).isEqualTo(4);
        WsPlayers.Message e = WsPlayers.Message.parse(Unpooled.copiedBuffer(
                "{\"type\":\"error\",\"error\":\"stale_round\",\"detail\":\"x\"}", StandardCharsets.UTF_8));
        assertThat(e.type).isEqualTo("error");
        assertThat(e.error).isEqualTo("stale_round");
        assertThat(WsPlayers.Message.parse(Unpooled.copiedBuffer("[1]", StandardCharsets.UTF_8)).error)
                .isEqualTo("bad_json");
    }

    @Test
    void playsEveryGameToItsEndAgainstARealServerAndWritesTheE2eJson() throws Exception {
        try (GameServer server = GameServer.start(
                "load-test", ServerConfig.parse(new String[] {"--port", "0", "--ws-port", "0"}, Map.of()))) {
            Path file = dir.resolve("results/e2e.json");
            Map<String, String> o = LoadGenerator.defaults();
            o.putAll(Map.of(
                    "target", server.baseUrl(),
                    "ws", server.wsUrl(),
                    "games", "5",
                    "players", "3",
                    "rounds", "3",
                    "rate", "300",
                    "duration", "3s",
                    "warmup", "0s",
                    "http-stages", "4:1s,0:1s",
                    "out", file.toString()));
            ByteArrayOutputStream text = new ByteArrayOutputStream();
            new LoadGenerator(o, new PrintStream(text, true, StandardCharsets.UTF_8)).run();

            String printed = text.toString(StandardCharsets.UTF_8);
            assertThat(printed).contains("| concurrent games | 1,000 | 5,000 | 5 (of 3 players) |");
            // 5 games x 3 players x 3 rounds, each move answered by its round's result, the games finished
            assertThat(printed).contains("results 45, late rounds 0, errors 0");
            assertThat(printed).contains("| WebSocket connections | 10,000 | 10,000 | 15 |");
            JsonNode json = new ObjectMapper().readTree(Files.readString(file));
            assertThat(json.get("machine").asText()).contains("logical CPUs");
            assertThat(json.get("command").asText())
                    .startsWith("LoadGenerator --games 5 ")
                    .as("a value with spaces is quoted so that the command can be pasted")
                    .contains(" --server-args '--ws-threads 1' ");
            List<String> metrics = new ArrayList<>();
            json.get("rows").forEach(r -> metrics.add(r.get("metric").asText()));
            assertThat(metrics)
                    .containsExactly(
                            "concurrent_games",
                            "actions_per_second_persisted",
                            "websocket_connections",
                            "latency_p50",
                            "latency_p95",
                            "latency_p99",
                            "http_error_rate");
            assertThat(json.at("/rows/5/measured").asDouble()).isPositive();
            assertThat(json.at("/rows/6/measured").asDouble()).isZero();
            assertThat(server.stats().actions().accepted()).isEqualTo(45);
        }
    }
}

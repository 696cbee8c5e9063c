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
    void aRoutingOtherThanAffinityOrRoundRobinIsRefusedNamingIt() {
        Map<String, String> o = LoadGenerator.defaults();
        o.put("routing", "sticky");
        assertThatThrownBy(() -> new LoadGenerator(o, new PrintStream(new ByteArrayOutputStream())).run())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("routing must be affinity or round-robin, was 'sticky'");
    }

    @Test
    void listedTargetsAndWebSocketUrlsMustPairUp() {
        Map<String, String> o = LoadGenerator.defaults();
        o.putAll(Map.of("target", "http://127.0.0.1:1,http://127.0.0.1:2", "ws", "ws://127.0.0.1:1/ws"));
        assertThatThrownBy(() -> new LoadGenerator(o, new PrintStream(new ByteArrayOutputStream())).run())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--target and --ws must list as many servers");
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
                            "latency_corrected_p50",
                            "latency_corrected_p95",
                            "latency_corrected_p99",
                            "http_error_rate");
            assertThat(json.at("/rows/5/measured").asDouble()).isPositive();
            // from when each move was due: never less than from when it was sent
            assertThat(json.at("/rows/8/measured").asDouble())
                    .isGreaterThanOrEqualTo(json.at("/rows/5/measured").asDouble());
            assertThat(json.at("/rows/9/measured").asDouble()).isZero();
            assertThat(json.at("/latencyMs/corrected/count").asLong()).isEqualTo(45);
            assertThat(json.at("/latencyMs/uncorrected/count").asLong()).isEqualTo(45);
            assertThat(json.at("/latencyMs/corrected/max").asDouble())
                    .isGreaterThanOrEqualTo(
                            json.at("/latencyMs/uncorrected/max").asDouble());
            assertThat(printed).contains("from when each move was due (coordinated omission corrected");
            // the machine's wake-up lateness over the measured play, beside the latencies it bounds
            assertThat(json.at("/latencyMs/machineWakeupLateness/count").asLong())
                    .isPositive();
            assertThat(printed).contains("| machine: a thread sleeping 1 ms woke late by p50 / p99 / p99.9");
            assertThat(server.stats().actions().accepted()).isEqualTo(45);
        }
    }

    /**
     * One game paced like {@link WsPlayers}' (round r+1 due one interval after round r's slot, sent once
     * round r's results are in, at once when late), on a fake clock: a server answering in 1 ms, which
     * holds one round for a second when {@code stall} is set.
     */
    private static LatencyRecorder play(boolean stall) {
        LatencyRecorder rec = new LatencyRecorder(0, 0);
        long ms = 1_000_000L;
        long interval = 10 * ms;
        long clock = 0;
        long next = 0;
        for (int round = 0; round < 1000; round++) {
            long due = next;
            long sent = Math.max(due, clock); // the game waits for its slot, or is late
            long received = sent + (stall && round == 100 ? 1000 * ms : ms);
            rec.record(due, sent, received);
            clock = received;
            next += interval;
        }
        return rec;
    }

    @Test
    void aStalledServerInflatesTheCorrectedLatencyButNotTheUncorrectedOne() {
        LatencyRecorder steady = play(false);
        assertThat(LatencyRecorder.ms(steady.corrected(), 99)).isEqualTo(LatencyRecorder.ms(steady.uncorrected(), 99));
        assertThat(LatencyRecorder.ms(steady.corrected(), 100))
                .isCloseTo(1.0, org.assertj.core.data.Offset.offset(0.01));

        LatencyRecorder stalled = play(true);
        assertThat(stalled.corrected().getTotalCount()).isEqualTo(1000);
        assertThat(stalled.uncorrected().getTotalCount()).isEqualTo(1000);
        // sent: the stall is one sample of 1 s among 1,000 answered in 1 ms
        assertThat(LatencyRecorder.ms(stalled.uncorrected(), 99)).isLessThan(1.01);
        assertThat(LatencyRecorder.ms(stalled.uncorrected(), 100)).isGreaterThan(999.0);
        // due: the ~110 rounds due during the stall went out late and carry their wait
        assertThat(LatencyRecorder.ms(stalled.corrected(), 99)).isGreaterThan(900.0);
        assertThat(LatencyRecorder.ms(stalled.corrected(), 90)).isGreaterThan(10.0);
        assertThat(LatencyRecorder.ms(stalled.corrected(), 50)).isLessThan(1.01);
    }

    @Test
    void theTimelinePutsAStallsSlowResultsInTheSecondsTheyArrived() {
        List<LatencyRecorder.Second> steady = play(false).timeline();
        assertThat(steady).hasSize(10); // 1,000 rounds of 10 ms, the last result at 9.991 s
        assertThat(steady).allSatisfy(s -> assertThat(s.slow()).isZero());
        assertThat(steady.stream().mapToLong(LatencyRecorder.Second::results).sum())
                .isEqualTo(1000);

        List<LatencyRecorder.Second> stalled = play(true).timeline();
        // round 100 (due at 1 s) is held until 2 s; the rounds due meanwhile are answered from 2.0 to 2.1 s
        for (int second = 0; second < stalled.size(); second++) {
            LatencyRecorder.Second s = stalled.get(second);
            if (second == 2) {
                assertThat(s.slow()).isGreaterThan(100);
                assertThat(s.maxNanos()).isGreaterThanOrEqualTo(1_000_000_000L);
            } else {
                assertThat(s.slow()).as("second %d", second).isZero();
            }
        }
    }

    @Test
    void aMoveSentAHairBeforeItsSlotCountsNoLessThanFromItsSend() {
        LatencyRecorder rec = new LatencyRecorder();
        rec.record(1_000, 900, 5_900); // a timer that fired 100 ns early
        assertThat(rec.corrected().getMaxValue()).isEqualTo(rec.uncorrected().getMaxValue());
        assertThat(LatencyRecorder.ms(new LatencyRecorder().corrected(), 99)).isNaN();
    }
}

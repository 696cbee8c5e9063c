package io.hal9.examples.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hal9.testkit.PostgresService;
import io.hal9.testkit.RequiresPostgres;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server as its own process under load gets SIGTERM ({@code Process.destroy()}); every move it
 * acknowledged (202) must be in the database after it exits.
 */
@RequiresPostgres
@Timeout(90)
class SigtermTest {
    private static final int GAMES = 6;

    record Ack(long game, long player, int round) {}

    @Test
    void everyAcknowledgedMoveIsInTheDatabaseAfterSigterm(PostgresService pg, @TempDir Path dir) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName(),
                "--port",
                "0",
                "--ws-port",
                "0",
                "--db-url",
                pg.jdbcUrl(),
                "--db-max-connections",
                "4",
                "--round-timeout",
                "60s",
                "--journal-dir",
                dir.resolve("journal").toString());
        File log = dir.resolve("server.log").toFile();
        pb.redirectError(log);
        Process server = pb.start();
        Set<Ack> acked = ConcurrentHashMap.newKeySet();
        AtomicBoolean stop = new AtomicBoolean();
        List<CompletableFuture<Void>> players = new ArrayList<>();
        try {
            String base = baseUrl(server, log.toPath());
            ApiClient api = new ApiClient(base);
            CountDownLatch loadRunning = new CountDownLatch(GAMES * 2);
            for (int g = 0; g < GAMES; g++) {
                long id = api.createGame(2, 1_000);
                for (String token : List.of(api.join(id, "a" + g), api.join(id, "b" + g))) {
                    long player = Long.parseLong(token.split("\\.")[1]);
                    players.add(CompletableFuture.runAsync(
                            () -> play(api, id, player, token, acked, stop, loadRunning),
                            command -> Thread.ofVirtual().start(command)));
                }
            }
            loadRunning.await(30, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(30)).until(() -> acked.size() >= 200);
            server.destroy(); // SIGTERM: the shutdown hook runs while the players keep sending
            assertThat(server.waitFor(60, TimeUnit.SECONDS)).as("server exited").isTrue();
        } finally {
            stop.set(true);
            if (server.isAlive()) {
                server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        CompletableFuture.allOf(players.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        String serverLog = Files.readString(log.toPath(), StandardCharsets.UTF_8);
        assertThat(serverLog).contains("game: shutting down").contains("game: stopped");

        Set<Ack> stored = new HashSet<>();
        try (Connection c = pg.open();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT game_id, player_id, round FROM actions")) {
            while (rs.next()) {
                stored.add(new Ack(rs.getLong(1), rs.getLong(2), rs.getInt(3)));
            }
        }
        assertThat(acked).hasSizeGreaterThanOrEqualTo(200);
        assertThat(stored).as("rows in actions").containsAll(acked);
        // nothing but what players sent: at most the acknowledged moves plus those in flight at the kill
        assertThat(stored.size()).isLessThanOrEqualTo(acked.size() + players.size());
    }

    private static void play(
            ApiClient api,
            long game,
            long player,
            String token,
            Set<Ack> acked,
            AtomicBoolean stop,
            CountDownLatch running) {
        String[] moves = {"rock", "paper", "scissors", "lizard", "spock"};
        int i = (int) player;
        running.countDown();
        while (!stop.get()) {
            ApiClient.Reply r;
            try {
                r = api.post("/api/games/" + game + "/moves", "{\"move\":\"" + moves[i++ % 5] + "\"}", token);
            } catch (RuntimeException e) {
                return; // connection refused or reset: the server is going away
            }
            if (r.status() == 202) {
                acked.add(new Ack(game, player, r.body().get("round").asInt()));
            } else if (r.status() == 409 && r.error().equals("already_moved")) {
                Thread.onSpinWait(); // waiting for the other player's move
            } else {
                return;
            }
        }
    }

    private static String baseUrl(Process server, Path log) throws IOException, SQLException {
        BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null) {
            int at = line.indexOf("server on http://");
            if (at >= 0) {
                String url = line.substring(at + "server on ".length());
                Thread.ofVirtual().start(() -> drain(out));
                return url.substring(0, url.indexOf(' '));
            }
        }
        throw new IllegalStateException("server exited before printing its URL:\n" + Files.readString(log));
    }

    private static void drain(BufferedReader out) {
        try {
            while (out.readLine() != null) {
                // discard
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

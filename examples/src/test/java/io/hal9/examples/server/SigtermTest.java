package io.hal9.examples.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hal9.testkit.PostgresService;
import io.hal9.testkit.RequiresPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
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

    @Test
    void everyAcknowledgedMoveIsInTheDatabaseAfterSigterm(PostgresService pg, @TempDir Path dir) throws Exception {
        MovePlayers players;
        ServerProcess server = ServerProcess.start(
                dir.resolve("server.log"),
                SharedServices.postgresArgs(
                        pg.jdbcUrl(), 4, dir.resolve("journal").toString(), "--round-timeout", "60s"));
        try {
            players = MovePlayers.start(server.api(), GAMES, false);
            await().atMost(Duration.ofSeconds(30)).until(() -> players.acked().size() >= 200);
            // SIGTERM: the shutdown hook runs while the players keep sending
            assertThat(server.term(Duration.ofSeconds(60))).as("server exited").isTrue();
        } finally {
            server.close();
        }
        players.close();
        assertThat(server.log()).contains("game: shutting down").contains("game: stopped");

        Set<MovePlayers.Ack> stored;
        try (Connection c = pg.open()) {
            stored = new HashSet<>(MovePlayers.storedActions(c));
        }
        assertThat(players.acked()).hasSizeGreaterThanOrEqualTo(200);
        assertThat(stored).as("rows in actions").containsAll(players.acked());
        // nothing but what players sent: at most the acknowledged moves plus those in flight at the kill
        assertThat(stored.size()).isLessThanOrEqualTo(players.acked().size() + players.playerCount());
    }
}

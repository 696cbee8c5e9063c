package io.hal9.examples.server;

import static io.hal9.examples.server.SharedServices.strings;
import static org.assertj.core.api.Assertions.assertThat;

import io.hal9.testkit.PostgresService;
import io.hal9.testkit.RequiresPostgres;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server pointed at a database it does not own: the {@code public} schema already holds another
 * application's tables, one of them called {@code players} like one of the server's. The server keeps to a
 * schema of its own ({@code hal9} by default) and leaves {@code public} as it was; told to use {@code public},
 * it refuses to start in one line. Each test runs on a database it creates on the test PostgreSQL and drops.
 */
@RequiresPostgres
@Timeout(120)
class ExistingDatabaseTest {

    @Test
    void theServerKeepsItsTablesInItsOwnSchemaAndLeavesPublicAlone(PostgresService pg) throws Exception {
        String db =
                "hal9_existing_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection admin = pg.open()) {
            create(admin, db);
            try {
                String url = urlOf(pg, db);
                foreignTables(url);
                long id;
                try (GameServer server = GameServer.start("existing", config(url))) {
                    ApiClient api = new ApiClient(server.baseUrl());
                    id = api.createGame(2, 1);
                    String a = api.join(id, "ann");
                    api.join(id, "bob");
                    assertThat(api.post("/api/games/" + id + "/moves", "{\"move\":\"rock\"}", a)
                                    .status())
                            .isEqualTo(202);
                }
                try (Connection c = DriverManager.getConnection(url)) {
                    // the server's tables and its migration history are in hal9, with the game in them
                    assertThat(strings(c, "SELECT count(*) FROM hal9.games WHERE id = " + id))
                            .containsExactly("1");
                    assertThat(strings(c, "SELECT count(*) FROM hal9.players WHERE game_id = " + id))
                            .containsExactly("2");
                    assertThat(strings(c, "SELECT count(*) FROM hal9.actions WHERE game_id = " + id))
                            .containsExactly("1");
                    assertThat(strings(c, "SELECT max(version) FROM hal9.flyway_schema_history WHERE success"))
                            .containsExactly("6");
                    // public holds the other application's two tables, as they were, and nothing else
                    assertThat(strings(
                                    c,
                                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"))
                            .containsExactly("invoices", "players");
                    assertThat(strings(c, "SELECT name || ':' || level FROM public.players"))
                            .containsExactly("someone-else:7");
                }
            } finally {
                drop(admin, db);
            }
        }
    }

    @Test
    void toldToUsePublicTheProgramRefusesInOneLineAndExitsWith1(PostgresService pg, @TempDir Path dir)
            throws Exception {
        String db =
                "hal9_existing_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection admin = pg.open()) {
            create(admin, db);
            try {
                String url = urlOf(pg, db);
                foreignTables(url);
                MainRun run = MainRun.of(
                        dir,
                        Duration.ofSeconds(60),
                        List.of("--port", "0", "--db-url", url, "--db-schema", "public", "--journal-dir", "off"));

                assertThat(run.exitCode())
                        .as("exit code; stderr:%n%s", run.err())
                        .isEqualTo(1);
                assertThat(run.failureLines())
                        .as("stderr:%n%s", run.err())
                        .singleElement()
                        .asString()
                        .contains("cannot migrate the database schema 'public'")
                        .contains("non-empty schema")
                        .contains("db-schema");
                assertThat(run.stackTraceLines()).as("stderr:%n%s", run.err()).isEmpty();
                try (Connection c = DriverManager.getConnection(url)) {
                    assertThat(strings(
                                    c,
                                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"))
                            .containsExactly("invoices", "players");
                }
            } finally {
                drop(admin, db);
            }
        }
    }

    /** The options of a server on {@code url} with free ports and no journal. */
    private static ServerConfig config(String url) {
        return SharedServices.parse(
                List.of("--port", "0", "--db-url", url, "--db-max-connections", "2", "--journal-dir", "off"));
    }

    /** Another application's tables in {@code public}, one of them named like the server's. */
    private static void foreignTables(String url) throws SQLException {
        try (Connection c = DriverManager.getConnection(url);
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE public.players (name text PRIMARY KEY, level integer NOT NULL)");
            s.execute("INSERT INTO public.players VALUES ('someone-else', 7)");
            s.execute("CREATE TABLE public.invoices (id bigint PRIMARY KEY)");
        }
    }

    /** A URL of database {@code db} on the test's PostgreSQL, with no schema set. */
    private static String urlOf(PostgresService pg, String db) {
        String url = pg.jdbcUrl();
        int slash = url.indexOf('/', "jdbc:postgresql://".length());
        String out = url.substring(0, slash + 1) + db + "?user=" + URLEncoder.encode(pg.user(), StandardCharsets.UTF_8);
        return pg.password().isEmpty()
                ? out
                : out + "&password=" + URLEncoder.encode(pg.password(), StandardCharsets.UTF_8);
    }

    private static void create(Connection admin, String db) throws SQLException {
        try (Statement s = admin.createStatement()) {
            s.execute("CREATE DATABASE " + db);
        }
    }

    private static void drop(Connection admin, String db) throws SQLException {
        try (Statement s = admin.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
        }
    }
}

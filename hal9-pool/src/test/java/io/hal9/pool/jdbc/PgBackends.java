package io.hal9.pool.jdbc;

import static org.awaitility.Awaitility.await;

import io.hal9.testkit.PostgresService;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;

/**
 * Waits until the server has let go of the test's closed connections. A backend leaves {@code
 * pg_stat_activity} a moment after its client closed the socket; the testkit counts any still listed
 * when the test ends as leaked, so tests that close pools wait here first (through a connection under
 * another application name, which the testkit does not count).
 */
final class PgBackends {
    private PgBackends() {}

    static void awaitClosed(PostgresService pg) throws SQLException {
        String url = pg.jdbcUrl() + "&ApplicationName=hal9-pool-jdbc-cleanup";
        try (Connection c = DriverManager.getConnection(url);
                PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM pg_stat_activity"
                        + " WHERE application_name LIKE '%' || ? AND pid <> pg_backend_pid()")) {
            ps.setString(1, pg.schema());
            await().atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(10))
                    .until(() -> {
                        try (ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            return rs.getLong(1) == 0;
                        }
                    });
        }
    }
}

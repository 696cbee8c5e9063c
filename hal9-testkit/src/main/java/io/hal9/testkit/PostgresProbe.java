package io.hal9.testkit;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.postgresql.Driver;

/** Connects to PostgreSQL for real, with short timeouts, to tell whether a source works. */
final class PostgresProbe {

    /** Connect and login timeout of a probe, in seconds. */
    static final int PROBE_TIMEOUT_SECONDS = 2;

    /** Connect timeout of the connections that create and drop schemas, in seconds. */
    static final int ADMIN_TIMEOUT_SECONDS = 10;

    /** The database looked for on the local default port. */
    static final String LOCAL_DATABASE = "test";

    // Used directly rather than through DriverManager: no dependence on which class loader
    // registered which driver.
    private static final Driver DRIVER = new Driver();

    private PostgresProbe() {}

    /**
     * Opens a connection; URL parameters win over the defaults set here (timeouts and the
     * application name).
     */
    static Connection connect(String url, int timeoutSeconds) throws SQLException {
        Properties defaults = new Properties();
        defaults.setProperty("connectTimeout", Integer.toString(timeoutSeconds));
        defaults.setProperty("loginTimeout", Integer.toString(timeoutSeconds));
        defaults.setProperty("ApplicationName", "hal9-testkit");
        Connection c = DRIVER.connect(url, defaults);
        if (c == null) {
            throw new SQLException("not a PostgreSQL JDBC URL: " + JdbcUrls.masked(url), "08001");
        }
        return c;
    }

    /** Runs {@code SELECT 1}: a login alone does not prove the session can run statements. */
    private static void ping(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.setQueryTimeout(PROBE_TIMEOUT_SECONDS);
            s.execute("SELECT 1");
        }
    }

    /** Whether the driver accepts {@code url} at all. */
    static boolean isPostgresUrl(String url) {
        return url.startsWith("jdbc:postgresql:") && Driver.parseURL(url, null) != null;
    }

    /** Tries the URL as given. */
    static Attempt<PostgresEndpoint> probeUrl(String url, String origin) {
        try (Connection c = connect(url, PROBE_TIMEOUT_SECONDS)) {
            ping(c);
            return Attempt.found(PostgresEndpoint.fromUrl(url, origin));
        } catch (SQLException | RuntimeException e) {
            return Attempt.missed(Failures.describe(e, PROBE_TIMEOUT_SECONDS));
        }
    }

    /**
     * Tries database {@code test} on {@code host:port} as {@code postgres}, then as the OS user;
     * the second user is tried only when the first fails to authenticate.
     */
    static Attempt<PostgresEndpoint> probeLocal(String host, int port) {
        Set<String> users = new LinkedHashSet<>();
        users.add("postgres");
        users.add(System.getProperty("user.name", "postgres"));
        List<String> refused = new ArrayList<>();
        String where = host + ":" + port;
        for (String user : users) {
            String url = "jdbc:postgresql://" + where + "/" + LOCAL_DATABASE + "?user=" + user;
            try (Connection c = connect(url, PROBE_TIMEOUT_SECONDS)) {
                ping(c);
                return Attempt.found(new PostgresEndpoint(url, user, "", where + " as " + user));
            } catch (SQLException e) {
                if (!Failures.isAuthentication(e)) {
                    String why = Failures.describe(e, PROBE_TIMEOUT_SECONDS);
                    if ("3D000".equals(e.getSQLState())) {
                        why += "; create it: createdb -h " + host + " -p " + port + " -U " + user + " "
                                + LOCAL_DATABASE;
                    }
                    return Attempt.missed(why);
                }
                refused.add(user);
            } catch (RuntimeException e) {
                return Attempt.missed(Failures.describe(e, PROBE_TIMEOUT_SECONDS));
            }
        }
        return Attempt.missed("authentication failed as " + String.join(" and ", refused)
                + " (trust authentication expected; otherwise set HAL9_POSTGRES_URL with user and password)");
    }
}

package io.hal9.testkit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One test scope's schema: created by {@link #create}, dropped by {@link #close()}.
 *
 * <p>Design: the handed-out URL carries {@code ApplicationName=hal9test:<schema>}, so that at the
 * end the connections a test left open can be found in {@code pg_stat_activity}, terminated, and
 * reported: the schema is always dropped, and a leak fails the test. Connections from
 * {@link #open()} are tracked and closed before that, without failing anything.
 *
 * <p>Concurrency: {@code opened} is a concurrent queue (tests may open from many threads);
 * {@code closed} makes {@link #close()} run once and stops {@link #open()} afterwards (a
 * connection opened in the race with close is caught by the termination step).
 */
final class PostgresSchema implements PostgresService, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PostgresSchema.class);

    /** How long the DROP waits for locks held by connections the test did not close. */
    private static final String LOCK_TIMEOUT = "10s";
    /** How long closed connections get to leave pg_stat_activity before open ones count as leaks. */
    private static final Duration BACKEND_EXIT_GRACE = Duration.ofSeconds(2);

    private final PostgresEndpoint endpoint;
    private final String schema;
    private final String applicationName;
    private final String jdbcUrl;
    private final Queue<Connection> opened = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    private PostgresSchema(PostgresEndpoint endpoint, String schema) {
        this.endpoint = endpoint;
        this.schema = schema;
        this.applicationName = "hal9test:" + schema;
        this.jdbcUrl = JdbcUrls.withParam(
                JdbcUrls.withParam(endpoint.url(), "currentSchema", schema), "ApplicationName", applicationName);
    }

    /** Creates a fresh schema with a random name on the endpoint. */
    static PostgresSchema create(PostgresEndpoint endpoint) {
        Objects.requireNonNull(endpoint, "endpoint");
        String schema = "t_"
                + UUID.randomUUID().toString().replace("-", "").substring(0, 12).toLowerCase(Locale.ROOT);
        try (Connection c = PostgresProbe.connect(endpoint.url(), PostgresProbe.ADMIN_TIMEOUT_SECONDS);
                Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "hal9-testkit: could not create schema " + schema + " on " + endpoint.origin() + ": "
                            + e.getMessage(),
                    e);
        }
        LOG.debug("hal9-testkit: created schema {} on {}", schema, endpoint.origin());
        return new PostgresSchema(endpoint, schema);
    }

    @Override
    public String jdbcUrl() {
        return jdbcUrl;
    }

    @Override
    public String user() {
        return endpoint.user();
    }

    @Override
    public String password() {
        return endpoint.password();
    }

    @Override
    public String schema() {
        return schema;
    }

    @Override
    public Connection open() throws SQLException {
        if (closed.get()) {
            throw new IllegalStateException("hal9-testkit: schema " + schema + " was dropped when its test ended");
        }
        Connection c = PostgresProbe.connect(jdbcUrl, PostgresProbe.ADMIN_TIMEOUT_SECONDS);
        opened.add(c);
        return c;
    }

    /**
     * Closes the connections from {@link #open()}, terminates any other connection made with
     * {@link #jdbcUrl()}, and drops the schema with everything in it.
     *
     * @throws IllegalStateException when the schema could not be dropped, or when connections
     *     opened from {@link #jdbcUrl()} were still open (after dropping it)
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (Connection c; (c = opened.poll()) != null; ) {
            try {
                c.close();
            } catch (SQLException e) {
                LOG.debug("hal9-testkit: schema {}: closing a connection failed: {}", schema, e.toString());
            }
        }
        int leaked = 0;
        try (Connection c = PostgresProbe.connect(endpoint.url(), PostgresProbe.ADMIN_TIMEOUT_SECONDS)) {
            try (Statement s = c.createStatement()) {
                s.execute("SET lock_timeout = '" + LOCK_TIMEOUT + "'");
            }
            awaitBackendsGone(c);
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    + " WHERE application_name = ? AND pid <> pg_backend_pid()")) {
                ps.setString(1, applicationName);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        leaked += rs.getBoolean(1) ? 1 : 0;
                    }
                }
            }
            try (Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "hal9-testkit: could not drop schema " + schema + " on " + endpoint.origin() + ": "
                            + e.getMessage(),
                    e);
        }
        LOG.debug("hal9-testkit: dropped schema {}", schema);
        if (leaked > 0) {
            throw new IllegalStateException("hal9-testkit: schema " + schema + ": " + leaked
                    + " connection(s) made with jdbcUrl() were still open when the test ended; they were"
                    + " terminated and the schema dropped. Close every connection and pool the test opens"
                    + " (connections from open() are closed for you).");
        }
    }

    /**
     * A connection the test closed a moment ago stays in {@code pg_stat_activity} until its backend has
     * exited, a few milliseconds later. Give such backends up to {@link #BACKEND_EXIT_GRACE} to go, so
     * that only connections really left open are reported as leaks.
     */
    private void awaitBackendsGone(Connection c) throws SQLException {
        long deadline = System.nanoTime() + BACKEND_EXIT_GRACE.toNanos();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT count(*) FROM pg_stat_activity" + " WHERE application_name = ? AND pid <> pg_backend_pid()")) {
            ps.setString(1, applicationName);
            while (true) {
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next() || rs.getInt(1) == 0 || System.nanoTime() - deadline >= 0) {
                        return;
                    }
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
        }
    }

    @Override
    public String toString() {
        return "PostgresService[schema=" + schema + ", " + endpoint.origin() + "]";
    }
}

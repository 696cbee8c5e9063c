package io.hal9.examples.server;

import io.hal9.pool.jdbc.JdbcPool;
import io.hal9.pool.jdbc.ReadWriteRouter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.jspecify.annotations.Nullable;

/**
 * The server's databases: PostgreSQL through hal9-pool's {@link JdbcPool} (HikariCP) with reads
 * routed to replicas by a {@link ReadWriteRouter}, or, with no {@code db-url}, an embedded H2
 * database in PostgreSQL mode held in memory. Migrates the schema with Flyway at open
 * ({@code db/postgresql} or {@code db/h2}).
 *
 * <p>Schema: on PostgreSQL the server's tables and Flyway's history live in a schema of their own,
 * {@link ServerConfig#dbSchema()} ({@code hal9} unless configured), created by Flyway if missing, and every
 * connection of every pool has it as its {@code search_path} (the driver's {@code currentSchema}), so that
 * the SQL names tables without a schema. A database whose {@code public} schema already holds other tables
 * hosts the server as it is; the server never touches another schema.
 *
 * <p>Start-up failures are one sentence each ({@link #open} throws an {@link IllegalStateException} saying what
 * failed and where, with the cause attached): a database that refuses connections is found by one plain
 * connection before any pool opens (a pool that cannot open its first connection logs a stack trace of its
 * own), and a migration Flyway refuses is reported with the schema it was run on.
 *
 * <p>Why H2 and not an embedded PostgreSQL: embedded PostgreSQL jars run the real {@code postgres}
 * binary, which refuses to start as root, and this project's machines and CI run as root. H2 needs
 * no process, at the cost of a second migration set without partitioning.
 *
 * <p>Health: {@link #healthCheck()} is what {@link HealthProbe} runs every second. On PostgreSQL it borrows
 * from a pool of its own ({@code <name>-health}: one connection, 1 s connection timeout, driver connect,
 * login and socket timeouts of 1-2 s), so that a check is bounded whatever the database or the network
 * does, and a main pool exhausted by load does not make the database look down. hal9-pool's {@link
 * JdbcPool} has no try-acquire (it is HikariCP: a borrow waits its pool's {@code connectionTimeout}), so
 * a pool with a short timeout is how a borrow is bounded.
 *
 * <p>Replicas ({@code db-read-url}) are never a start-up dependency: the server starts while one is
 * down, the router marks it down and probes it again in the background (500 ms, doubling to 30 s), and
 * a read that fails on a replica (lost connection, recovery conflict) is run again on the primary within
 * the same request. Which reads go to replicas: only the games list, which is already served from a cache
 * for {@code cache-ttl} and so tolerates replica lag; the reads of one game (its row and players, what a
 * player asks right after creating or joining it, often through another instance) go to the primary, so
 * a player always reads their own writes whichever instance answers. Why not wait for the replica's LSN:
 * the instance that reads is often not the one that wrote, so the write's LSN would have to travel with
 * the player (in the token or a header) and every write would pay a {@code pg_current_wal_lsn()} round
 * trip; a primary-key lookup on the primary costs less than that. Why not "the primary for N seconds
 * after a write": only the writing instance knows when it wrote.
 *
 * <p>Primary failover: give {@code db-url} a pgjdbc multi-host URL, {@code
 * jdbc:postgresql://db1:5432,db2:5432/hal9?targetServerType=primary&hostRecheckSeconds=2}: every new
 * connection goes to the host that accepts writes now, so after the primary dies and a standby is promoted
 * the pools reconnect to it (within {@code hostRecheckSeconds}, how long pgjdbc trusts what it learnt of a
 * host), and the action batcher, which retries transient failures, writes what it held. No acknowledged move
 * is lost if the standby is synchronous; an asynchronous one may miss the last commits before the crash
 * (tested with a synchronous standby by {@code PostgresFailoverTest}).
 *
 * <p>Limits: the embedded database lives and dies with the process. Pools are bounded by
 * {@code db-max-connections}, plus the health pool's one connection to the primary; a caller waits up to
 * HikariCP's connection timeout (30 s) then fails.
 *
 * <p>Thread safety: safe for concurrent use; {@link #close()} is idempotent.
 */
final class Database implements AutoCloseable {
    /** The health pool's connection timeout: the longest a check waits for its connection. */
    static final Duration HEALTH_CONNECTION_TIMEOUT = Duration.ofSeconds(1);

    /** The longest a read waits for a replica's connection before it goes to the primary. */
    static final Duration REPLICA_CONNECTION_TIMEOUT = Duration.ofSeconds(1);

    private final ReadWriteRouter router;
    private final boolean embedded;
    private final JdbcPool health;

    private Database(ReadWriteRouter router, boolean embedded, JdbcPool health) {
        this.router = router;
        this.embedded = embedded;
        this.health = health;
    }

    static Database open(String name, ServerConfig config) {
        Objects.requireNonNull(config, "config");
        List<JdbcPool> pools = new ArrayList<>();
        try {
            String url = config.dbUrl();
            boolean embedded = url == null;
            JdbcPool primary;
            if (embedded) {
                primary = JdbcPool.builder(name + "-h2")
                        .jdbcUrl(
                                "jdbc:h2:mem:" + name + "-" + UUID.randomUUID()
                                        + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_DELAY=-1")
                        .maxConnections(config.dbMaxConnections())
                        .minConnections(1)
                        .build();
            } else {
                checkConnects(name, url, config);
                primary = pool(name + "-primary", url, config, false);
            }
            pools.add(primary);
            migrate(name, primary, embedded, config.dbSchema());
            // A replica is never a start-up dependency: its pool starts without a connection, the router
            // probes it in the background and sends reads to the primary until it answers (or marks it down
            // and probes it again with backoff); a read that fails on it is run again on the primary.
            ReadWriteRouter.Builder rb =
                    ReadWriteRouter.builder(name).primary(primary).probeReplicasAtStart(true);
            int i = 0;
            for (String replica : config.dbReadUrls()) {
                JdbcPool p = pool(name + "-replica-" + (i++), replica, config, true);
                pools.add(p);
                rb.replica(p);
            }
            JdbcPool health = primary;
            if (!embedded) {
                health = healthPool(name + "-health", url, config);
                pools.add(health);
            }
            return new Database(rb.build(), embedded, health);
        } catch (RuntimeException e) {
            for (JdbcPool p : pools) {
                p.close();
            }
            throw e;
        }
    }

    /**
     * Runs the migrations: on PostgreSQL in {@code schema} (created if missing, where Flyway keeps its history
     * too), on the embedded database in its default schema.
     *
     * @throws IllegalStateException when Flyway refuses or a migration fails, naming the schema
     */
    private static void migrate(String name, JdbcPool primary, boolean embedded, String schema) {
        FluentConfiguration flyway = Flyway.configure()
                .dataSource(primary.dataSource())
                .locations(embedded ? "classpath:db/h2" : "classpath:db/postgresql");
        if (!embedded) {
            flyway.schemas(schema).defaultSchema(schema).createSchemas(true);
        }
        try {
            flyway.load().migrate();
        } catch (FlywayException e) {
            String why = oneLine(String.valueOf(e.getMessage()));
            String hint = why.contains("non-empty schema")
                    ? " (the server's tables need a schema of their own, empty or made by the server: see"
                            + " db-schema)"
                    : "";
            throw new IllegalStateException(
                    name + ": cannot migrate the database schema" + (embedded ? "" : " '" + schema + "'") + ": " + why
                            + hint,
                    e);
        }
    }

    /**
     * Opens and closes one connection to {@code url}, so that a database that refuses (down, wrong host, port,
     * database or password) is reported in one sentence before any pool tries.
     *
     * @throws IllegalStateException naming the database (its URL without parameters) and the driver's reason
     */
    private static void checkConnects(String name, String url, ServerConfig config) {
        Properties props = new Properties();
        @Nullable String user = config.dbUser();
        if (user != null) {
            props.setProperty("user", user);
        }
        @Nullable String password = config.dbPassword();
        if (password != null) {
            props.setProperty("password", password);
        }
        // PgJDBC's own bounds, in seconds (parameters in db-url win): TCP connect, the whole login, any read
        props.setProperty("connectTimeout", "5");
        props.setProperty("loginTimeout", "10");
        props.setProperty("socketTimeout", "10");
        try {
            DriverManager.getConnection(url, props).close(); // connected and logged in: what the pools need
        } catch (SQLException e) {
            int q = url.indexOf('?');
            throw new IllegalStateException(
                    name + ": cannot connect to the database " + (q < 0 ? url : url.substring(0, q)) + ": "
                            + oneLine(String.valueOf(e.getMessage())),
                    e);
        }
    }

    /** {@code text} on one line: line breaks and runs of blanks become one space. */
    static String oneLine(String text) {
        return text.strip().replaceAll("\\s+", " ");
    }

    private static JdbcPool pool(String name, String url, ServerConfig config, boolean readOnly) {
        JdbcPool.Builder b = JdbcPool.builder(name)
                .jdbcUrl(url)
                .maxConnections(config.dbMaxConnections())
                .minConnections(Math.min(2, config.dbMaxConnections()))
                .readOnly(readOnly)
                // the schema of the server's tables (see the class comment); equal to db-url's, if it sets one
                .dataSourceProperty("currentSchema", config.dbSchema());
        if (readOnly) {
            // a replica down at start must not stop the server, and a read waits at most 1 s for one of
            // its connections before it moves on to the primary
            b.failFast(false).connectionTimeout(REPLICA_CONNECTION_TIMEOUT);
        }
        // A database that stops answering without closing its connections (a partition, a stalled
        // host) must not hang a request or the action batcher forever: a read that waits longer than
        // this fails, the connection is dropped and the batcher retries on a new one. Parameters in
        // db-url win over these.
        b.dataSourceProperty("socketTimeout", "30");
        b.dataSourceProperty("connectTimeout", readOnly ? "1" : "5");
        b.dataSourceProperty("tcpKeepAlive", "true");
        if (!readOnly) {
            // lets the JDBC driver turn a batch of single-row INSERTs into multi-row ones
            b.dataSourceProperty("reWriteBatchedInserts", "true");
        }
        @Nullable String user = config.dbUser();
        if (user != null) {
            b.username(user);
        }
        @Nullable String password = config.dbPassword();
        if (password != null) {
            b.password(password);
        }
        return b.build();
    }

    /**
     * The primary's pool for health checks: one connection, failing within about a second when the
     * database refuses, and within the driver's 2 s socket timeout when it hangs. Starts without a
     * connection ({@code failFast(false)}): the main pool has just proved the database answers.
     */
    private static JdbcPool healthPool(String name, String url, ServerConfig config) {
        JdbcPool.Builder b = JdbcPool.builder(name)
                .jdbcUrl(url)
                .maxConnections(1)
                .minConnections(1)
                .connectionTimeout(HEALTH_CONNECTION_TIMEOUT)
                .validationTimeout(Duration.ofMillis(500))
                .failFast(false)
                .dataSourceProperty("currentSchema", config.dbSchema())
                // PgJDBC's own bounds, in seconds: TCP connect, the whole login, and any read
                .dataSourceProperty("connectTimeout", "1")
                .dataSourceProperty("loginTimeout", "2")
                .dataSourceProperty("socketTimeout", "2");
        @Nullable String user = config.dbUser();
        if (user != null) {
            b.username(user);
        }
        @Nullable String password = config.dbPassword();
        if (password != null) {
            b.password(password);
        }
        return b.build();
    }

    /**
     * Checks that the primary answers: borrows the health pool's connection (at most {@link
     * #HEALTH_CONNECTION_TIMEOUT}) and asks it {@link Connection#isValid} with a 1 s bound. On the
     * embedded database, the primary's own pool is used (it cannot be unreachable).
     *
     * @return the check {@link HealthProbe} runs; it throws when the primary does not answer
     */
    HealthProbe.Check healthCheck() {
        return () -> {
            try (Connection c = health.dataSource().getConnection()) {
                if (!c.isValid(1)) {
                    throw new SQLTimeoutException("the connection gave no answer within 1 s");
                }
            }
        };
    }

    ReadWriteRouter router() {
        return router;
    }

    boolean embedded() {
        return embedded;
    }

    @Override
    public void close() {
        // the router owns its pools and closes them, replicas first
        router.close();
        if (health != router.primary()) {
            health.close();
        }
    }
}

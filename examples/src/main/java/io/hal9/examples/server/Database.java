package io.hal9.examples.server;

import io.hal9.pool.jdbc.JdbcPool;
import io.hal9.pool.jdbc.ReadWriteRouter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.jspecify.annotations.Nullable;

/**
 * The server's databases: PostgreSQL through hal9-pool's {@link JdbcPool} (HikariCP) with reads
 * routed to replicas by a {@link ReadWriteRouter}, or, with no {@code db-url}, an embedded H2
 * database in PostgreSQL mode held in memory. Migrates the schema with Flyway at open
 * ({@code db/postgresql} or {@code db/h2}).
 *
 * <p>Why H2 and not an embedded PostgreSQL: embedded PostgreSQL jars run the real {@code postgres}
 * binary, which refuses to start as root, and this project's machines and CI run as root. H2 needs
 * no process, at the cost of a second migration set without partitioning.
 *
 * <p>Limits: the embedded database lives and dies with the process. Pools are bounded by
 * {@code db-max-connections}; a caller waits up to HikariCP's connection timeout (30 s) then fails.
 *
 * <p>Thread safety: safe for concurrent use; {@link #close()} is idempotent.
 */
final class Database implements AutoCloseable {
    private final ReadWriteRouter router;
    private final boolean embedded;

    private Database(ReadWriteRouter router, boolean embedded) {
        this.router = router;
        this.embedded = embedded;
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
                primary = pool(name + "-primary", url, config, false);
            }
            pools.add(primary);
            Flyway.configure()
                    .dataSource(primary.dataSource())
                    .locations(embedded ? "classpath:db/h2" : "classpath:db/postgresql")
                    .load()
                    .migrate();
            ReadWriteRouter.Builder rb = ReadWriteRouter.builder(name).primary(primary);
            int i = 0;
            for (String replica : config.dbReadUrls()) {
                JdbcPool p = pool(name + "-replica-" + (i++), replica, config, true);
                pools.add(p);
                rb.replica(p);
            }
            return new Database(rb.build(), embedded);
        } catch (RuntimeException e) {
            for (JdbcPool p : pools) {
                p.close();
            }
            throw e;
        }
    }

    private static JdbcPool pool(String name, String url, ServerConfig config, boolean readOnly) {
        JdbcPool.Builder b = JdbcPool.builder(name)
                .jdbcUrl(url)
                .maxConnections(config.dbMaxConnections())
                .minConnections(Math.min(2, config.dbMaxConnections()))
                .readOnly(readOnly);
        // A database that stops answering without closing its connections (a partition, a stalled
        // host) must not hang a request or the action batcher forever: a read that waits longer than
        // this fails, the connection is dropped and the batcher retries on a new one. Parameters in
        // db-url win over these.
        b.dataSourceProperty("socketTimeout", "30");
        b.dataSourceProperty("connectTimeout", "5");
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
    }
}

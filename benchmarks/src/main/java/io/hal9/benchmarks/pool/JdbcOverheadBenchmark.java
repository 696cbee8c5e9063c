package io.hal9.benchmarks.pool;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.hal9.pool.jdbc.JdbcPool;
import io.hal9.pool.jdbc.ReadWriteRouter;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the read/write routing layer adds to a connection's round trip through the pool: borrow a
 * connection, hand it to a trivial function, give it back. On H2 in memory, so that the pool and the
 * routing are all there is to measure. Target: HAL9 within 5% of the bare pool.
 *
 * <ul>
 *   <li>{@code hikari}: the anchor, a bare {@link HikariDataSource}: {@code getConnection()} then
 *       {@code close()} (4 connections, fixed size as HikariCP's docs recommend, otherwise defaults);
 *   <li>{@code hal9-reads}: {@link ReadWriteRouter#reads(io.hal9.pool.jdbc.JdbcFunction)} with one
 *       replica (health check, per-replica count, then HikariCP): the routing layer alone;
 *   <li>{@code hal9-reads-2replicas}: the same with two replicas, so each read also picks one and
 *       the two pools share the CPU caches (a cost of having two pools more than of the routing);
 *   <li>{@code hal9-writes}: {@link ReadWriteRouter#writes(io.hal9.pool.jdbc.JdbcFunction)} (primary);
 *   <li>{@code hal9-reads-view}: {@code getConnection()}/{@code close()} on {@link ReadWriteRouter#reads()},
 *       the plain {@link DataSource} view (one replica).
 * </ul>
 *
 * <p>Every pool (the anchor and each of HAL9's) is HikariCP with the same settings on the same
 * database, so the difference is the routing layer. Run with {@code -prof gc}: the routing itself
 * allocates nothing; what is left is HikariCP's proxy per borrow.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class JdbcOverheadBenchmark {
    static final String URL = "jdbc:h2:mem:bench;DB_CLOSE_DELAY=-1";
    static final int CONNECTIONS = 4;

    @Param({"hikari", "hal9-reads", "hal9-reads-2replicas", "hal9-writes", "hal9-reads-view"})
    public String impl;

    /** One borrow, trivial use and return. */
    @FunctionalInterface
    interface Cycle {
        Object run() throws SQLException;
    }

    private HikariDataSource bare;
    private ReadWriteRouter router;
    private Cycle cycle;

    @Setup
    public void setUp() {
        switch (impl) {
            case "hikari" -> {
                HikariConfig config = new HikariConfig();
                config.setPoolName("bare");
                config.setJdbcUrl(URL);
                config.setMaximumPoolSize(CONNECTIONS);
                config.setMinimumIdle(CONNECTIONS);
                bare = new HikariDataSource(config);
                DataSource ds = bare;
                cycle = () -> {
                    try (Connection c = ds.getConnection()) {
                        return c;
                    }
                };
            }
            case "hal9-reads" -> {
                router = router(1);
                cycle = () -> router.reads(c -> c);
            }
            case "hal9-reads-2replicas" -> {
                router = router(2);
                cycle = () -> router.reads(c -> c);
            }
            case "hal9-writes" -> {
                router = router(1);
                cycle = () -> router.writes(c -> c);
            }
            case "hal9-reads-view" -> {
                router = router(1);
                DataSource view = router.reads();
                cycle = () -> {
                    try (Connection c = view.getConnection()) {
                        return c;
                    }
                };
            }
            default -> throw new IllegalArgumentException("unknown impl " + impl);
        }
    }

    private static ReadWriteRouter router(int replicas) {
        ReadWriteRouter.Builder b = ReadWriteRouter.builder("bench").primary(pool("primary"));
        for (int i = 1; i <= replicas; i++) {
            b.replica(pool("r" + i));
        }
        return b.build();
    }

    private static JdbcPool pool(String name) {
        return JdbcPool.builder(name)
                .jdbcUrl(URL)
                .maxConnections(CONNECTIONS)
                .minConnections(CONNECTIONS)
                .build();
    }

    @TearDown
    public void tearDown() {
        if (bare != null) {
            bare.close();
        }
        if (router != null) {
            router.close();
        }
    }

    @Benchmark
    @Threads(1)
    public Object borrowAndReturn1Thread() throws SQLException {
        return cycle.run();
    }

    @Benchmark
    @Threads(2)
    public Object borrowAndReturn2Threads() throws SQLException {
        return cycle.run();
    }
}

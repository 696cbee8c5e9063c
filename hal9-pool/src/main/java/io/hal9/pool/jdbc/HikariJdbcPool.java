package io.hal9.pool.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import com.zaxxer.hikari.metrics.MetricsTrackerFactory;
import com.zaxxer.hikari.pool.HikariPool;
import io.hal9.core.Hal9Exception;
import java.sql.SQLException;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link JdbcPool} implementation: a thin owner of one {@link HikariDataSource}.
 *
 * <p>Design: HikariCP does the pooling; this class maps HAL9's validated options onto a {@link
 * HikariConfig}, starts the pool and reads its gauges. Concurrency: no mutable state of its own
 * (HikariCP's data source is thread-safe and its {@code close()} idempotent). Invariants: the data
 * source is started in the constructor path ({@link #start}) and never replaced.
 */
final class HikariJdbcPool implements JdbcPool {
    private static final Logger log = LoggerFactory.getLogger(JdbcPool.class);

    private final String name;
    private final String component;
    private final int maxConnections;
    private final HikariDataSource dataSource;

    private HikariJdbcPool(String name, String component, int maxConnections, HikariDataSource dataSource) {
        this.name = name;
        this.component = component;
        this.maxConnections = maxConnections;
        this.dataSource = dataSource;
    }

    /** Starts a pool from its builder (checked by {@code build()}). */
    static JdbcPool start(JdbcPool.Builder b) {
        HikariConfig config = new HikariConfig();
        config.setPoolName(b.name);
        String url = b.jdbcUrl;
        DataSource given = b.dataSource;
        if (url != null) {
            config.setJdbcUrl(url);
        } else if (given != null) {
            config.setDataSource(given);
        }
        if (b.username != null) {
            config.setUsername(b.username);
        }
        if (b.password != null) {
            config.setPassword(b.password);
        }
        b.properties.forEach(config::addDataSourceProperty);
        config.setMaximumPoolSize(b.maxConnections);
        config.setMinimumIdle(b.minConnections);
        config.setConnectionTimeout(b.connectionTimeout.toMillis());
        config.setIdleTimeout(b.idleTimeout.toMillis());
        config.setMaxLifetime(b.maxLifetime.toMillis());
        config.setKeepaliveTime(b.keepaliveTime.toMillis());
        config.setValidationTimeout(b.validationTimeout().toMillis());
        config.setReadOnly(b.readOnly);
        // 1 ms: try one first connection and fail at once (HikariCP's default); -1: start empty.
        config.setInitializationFailTimeout(b.failFast ? 1 : -1);
        MetricsTrackerFactory metrics = b.metricsTrackerFactory;
        if (metrics != null) {
            config.setMetricsTrackerFactory(metrics);
        }
        Consumer<? super HikariConfig> customizer = b.customizer;
        if (customizer != null) {
            customizer.accept(config);
        }
        String target = url != null ? JdbcSupport.maskedUrl(url) : "the given DataSource";
        HikariDataSource ds;
        try {
            ds = new HikariDataSource(config);
        } catch (HikariPool.PoolInitializationException e) {
            Throwable cause = e.getCause();
            if (cause instanceof SQLException sql) {
                throw new JdbcException(
                        b.component + ": could not open a first connection to " + target + ": "
                                + JdbcSupport.maskedUrl(SqlFailures.describe(sql))
                                + " (build with failFast(false) to start without one)",
                        sql);
            }
            throw new Hal9Exception(
                    b.component + ": could not start on " + target + ": "
                            + JdbcSupport.maskedUrl(String.valueOf(e.getMessage())),
                    e);
        } catch (RuntimeException e) {
            // HikariCP's messages may quote the URL, password included: mask before repeating them.
            throw new IllegalArgumentException(
                    b.component + ": HikariCP refused the configuration for " + target + ": "
                            + JdbcSupport.maskedUrl(String.valueOf(e.getMessage())),
                    e);
        }
        log.debug(
                "{}: started on {} (maxConnections={}, minConnections={}, failFast={})",
                b.component,
                target,
                b.maxConnections,
                b.minConnections,
                b.failFast);
        return new HikariJdbcPool(b.name, b.component, b.maxConnections, ds);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public DataSource dataSource() {
        return dataSource;
    }

    @Override
    public HikariDataSource hikari() {
        return dataSource;
    }

    @Override
    public Stats stats() {
        @Nullable HikariPoolMXBean pool = dataSource.getHikariPoolMXBean();
        if (pool == null || dataSource.isClosed()) {
            return new Stats(maxConnections, 0, 0, 0, 0);
        }
        return new Stats(
                maxConnections,
                pool.getActiveConnections(),
                pool.getIdleConnections(),
                pool.getTotalConnections(),
                pool.getThreadsAwaitingConnection());
    }

    @Override
    public boolean isClosed() {
        return dataSource.isClosed();
    }

    @Override
    public void close() {
        dataSource.close(); // idempotent; HikariCP logs start and shutdown at INFO under the pool's name
    }

    @Override
    public String toString() {
        Stats s = stats();
        return component + "[max=" + s.maxConnections() + ", active=" + s.active() + ", idle=" + s.idle() + ", waiting="
                + s.waiting() + ", closed=" + isClosed() + "]";
    }
}

package io.hal9.pool.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.MetricsTrackerFactory;
import io.hal9.core.internal.BuilderOptions;
import io.hal9.core.internal.Checks;
import io.hal9.core.internal.OptionalDependency;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * A named HikariCP connection pool built from HAL9's options and defaults (100 max and 10 minimum
 * connections, 30 s connection timeout, 600 s idle timeout, 30 min max lifetime).
 *
 * <pre>{@code
 * try (JdbcPool pool = JdbcPool.builder("games")
 *         .jdbcUrl("jdbc:postgresql://db:5432/games")
 *         .username("game")
 *         .password(secret)
 *         .dataSourceProperty("reWriteBatchedInserts", "true")
 *         .build()) {
 *     DataSource ds = pool.dataSource();
 * }
 * }</pre>
 *
 * <p><b>Limits.</b> At most {@code maxConnections} connections are open. When all are borrowed, {@code
 * dataSource().getConnection()} waits up to {@code connectionTimeout} and then throws HikariCP's {@link
 * java.sql.SQLTransientConnectionException}, whose message names the pool and its state ({@code total,
 * active, idle, waiting}); {@link SqlFailures#isTransient} calls it transient.
 *
 * <p><b>Metrics.</b> {@link #stats()} reads the pool's gauges; {@link #hikari()} exposes the {@link
 * HikariDataSource} so that {@code hal9-metrics} can bind HikariCP's own metrics, either through {@link
 * Builder#metricsTrackerFactory} or, once, {@link HikariDataSource#setMetricsTrackerFactory} on the
 * running pool.
 *
 * <p><b>Lifecycle.</b> {@link Builder#build()} starts the pool (and, with {@code failFast}, opens a
 * first connection). {@link #close()} is idempotent: it closes idle connections at once, gives borrowed
 * ones HikariCP's grace period to come back, then aborts them; afterwards {@code getConnection()} fails
 * with an {@link java.sql.SQLException} saying the pool is closed.
 *
 * <p><b>Dependencies.</b> HikariCP ({@code com.zaxxer:HikariCP}) is an optional dependency of hal9-pool, so
 * that {@code ObjectPool} and {@code ConnectionPool} users do not get it: add it to use this pool;
 * without it {@link #builder} throws an {@link IllegalStateException} naming the artifact.
 *
 * <p>Thread safety: all methods may be called from any thread.
 */
// "exports": HikariCP's types in this API come from an optional module (requires static), which a host that
// uses JdbcPool requires itself
@SuppressWarnings("exports")
public interface JdbcPool extends AutoCloseable {

    /** Default {@code maxConnections}. */
    int DEFAULT_MAX_CONNECTIONS = 100;
    /** Default {@code minConnections}: kept open and idle. */
    int DEFAULT_MIN_CONNECTIONS = 10;
    /** Default {@code connectionTimeout}: longest wait for a connection. */
    Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(30);
    /** Default {@code idleTimeout}: an idle connection above the minimum is closed after this. */
    Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(600);
    /** Default {@code maxLifetime}: a connection is retired (when idle) after this. */
    Duration DEFAULT_MAX_LIFETIME = Duration.ofMinutes(30);
    /** Default {@code keepaliveTime}: how often an idle connection is tested (HikariCP's default). */
    Duration DEFAULT_KEEPALIVE_TIME = Duration.ofMinutes(2);
    /** Default {@code validationTimeout} (HikariCP's), or {@code connectionTimeout} if that is shorter. */
    Duration DEFAULT_VALIDATION_TIMEOUT = Duration.ofSeconds(5);

    /**
     * Starts a builder.
     *
     * @param name names the pool in messages, logs, HikariCP's thread names and metrics (HikariCP's
     *     {@code poolName})
     * @throws IllegalStateException if HikariCP is not on the class path
     */
    static Builder builder(String name) {
        OptionalDependency.require(
                "JdbcPool",
                JdbcPool.class,
                "com.zaxxer.hikari.HikariDataSource",
                "com.zaxxer:HikariCP",
                "com.zaxxer.hikari");
        return new Builder(name);
    }

    /** The name given to the builder. */
    String name();

    /**
     * The pool as a plain {@link DataSource}: {@code getConnection()} borrows, {@code close()} on the
     * connection gives it back. The same object as {@link #hikari()}, typed narrowly.
     */
    DataSource dataSource();

    /**
     * The HikariCP data source behind this pool, for what HAL9 does not wrap: {@link
     * HikariDataSource#getHikariPoolMXBean()}, HikariCP's metrics SPI ({@link
     * HikariDataSource#setMetricsTrackerFactory}, once), {@link HikariDataSource#evictConnection}.
     * Its configuration is sealed: changing it after {@link Builder#build()} throws.
     */
    HikariDataSource hikari();

    /** A snapshot of the pool's gauges; all zero (but {@code maxConnections}) once closed. */
    Stats stats();

    /** Returns true once {@link #close()} has been called. */
    boolean isClosed();

    /** Closes the pool and its connections. Idempotent. */
    @Override
    void close();

    /**
     * A snapshot of the pool's gauges, as HikariCP counts them.
     *
     * @param maxConnections the configured limit
     * @param active connections borrowed right now
     * @param idle connections open and not borrowed
     * @param total open connections ({@code active + idle}, give or take one in transit)
     * @param waiting threads waiting for a connection
     */
    record Stats(int maxConnections, int active, int idle, int total, int waiting) {}

    /**
     * Configures a {@link JdbcPool}. Each option may be set once (each data source property key once);
     * values are checked when set, and the rules between options in {@link #build()}. Times have
     * millisecond precision (HikariCP's).
     *
     * <p>Thread safety: not thread-safe; use from one thread, then discard.
     */
    final class Builder {
        /** Longest accepted timeout, so that every time option stays a sane bounded wait. */
        private static final Duration MAX_TIMEOUT = Duration.ofHours(1);
        /** Longest accepted lifetime-like option. */
        private static final Duration MAX_AGE = Duration.ofDays(7);

        final String name;
        final String component;

        @Nullable
        String jdbcUrl;

        @Nullable
        DataSource dataSource;

        @Nullable
        String username;

        @Nullable
        String password;

        final Map<String, String> properties = new LinkedHashMap<>();
        int maxConnections = DEFAULT_MAX_CONNECTIONS;
        int minConnections = DEFAULT_MIN_CONNECTIONS;
        Duration connectionTimeout = DEFAULT_CONNECTION_TIMEOUT;
        Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
        Duration maxLifetime = DEFAULT_MAX_LIFETIME;
        Duration keepaliveTime = DEFAULT_KEEPALIVE_TIME;

        /** Default 5 s, lowered to {@code connectionTimeout} if that is shorter (see {@link #validationTimeout()}). */
        Duration validationTimeout = DEFAULT_VALIDATION_TIMEOUT;

        boolean readOnly = false;
        boolean failFast = true;

        @Nullable
        MetricsTrackerFactory metricsTrackerFactory;

        @Nullable
        Consumer<? super HikariConfig> customizer;

        /** Each option may be set once; it counts as set only once its value was accepted. */
        final BuilderOptions options;

        Builder(String name) {
            this.name = Checks.name("jdbc pool", name);
            this.component = "jdbc pool '" + name + "'";
            this.options = new BuilderOptions(component);
        }

        /**
         * The JDBC URL, e.g. {@code jdbc:postgresql://db:5432/games}; the driver is found by the URL.
         * Either this or {@link #dataSource} is required.
         */
        public Builder jdbcUrl(String jdbcUrl) {
            Objects.requireNonNull(jdbcUrl, "jdbcUrl");
            if (!jdbcUrl.startsWith("jdbc:")) {
                throw new IllegalArgumentException(
                        component + ": jdbcUrl must start with 'jdbc:', was '" + JdbcSupport.maskedUrl(jdbcUrl) + "'");
            }
            this.jdbcUrl = options.set("jdbcUrl", jdbcUrl);
            return this;
        }

        /**
         * A driver's own (non-pooling) data source to draw connections from, instead of {@link
         * #jdbcUrl}; used as it is, so {@link #dataSourceProperty} does not apply to it.
         */
        public Builder dataSource(DataSource dataSource) {
            this.dataSource = options.set("dataSource", Objects.requireNonNull(dataSource, "dataSource"));
            return this;
        }

        /** The database user. Default: none (the URL's or the driver's). */
        public Builder username(String username) {
            this.username = options.set("username", Objects.requireNonNull(username, "username"));
            return this;
        }

        /** The user's password. Default: none. Never logged or shown in messages. */
        public Builder password(String password) {
            this.password = options.set("password", Objects.requireNonNull(password, "password"));
            return this;
        }

        /**
         * A property for the JDBC driver (with {@link #jdbcUrl}), e.g. {@code reWriteBatchedInserts=true}
         * or {@code options=-c statement_timeout=5s} for PostgreSQL. May be called once per key.
         */
        public Builder dataSourceProperty(String key, String value) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
            if (key.isBlank()) {
                throw new IllegalArgumentException(component + ": dataSourceProperty key must not be blank");
            }
            options.once("dataSourceProperty '" + key + "'");
            properties.put(key, value);
            return this;
        }

        /** Most connections open at once (HikariCP's {@code maximumPoolSize}). Default 100, range [1, 10000]. */
        public Builder maxConnections(int maxConnections) {
            this.maxConnections = options.set(
                    "maxConnections", Checks.inRange(component, "maxConnections", maxConnections, 1, 10_000));
            return this;
        }

        /**
         * Connections kept open even when idle (HikariCP's {@code minimumIdle}). Default 10, range [0,
         * 10000], at most {@code maxConnections}.
         */
        public Builder minConnections(int minConnections) {
            this.minConnections = options.set(
                    "minConnections", Checks.inRange(component, "minConnections", minConnections, 0, 10_000));
            return this;
        }

        /** Longest wait for a connection before failing. Default 30 s, range [250 ms, 1 h]. */
        public Builder connectionTimeout(Duration connectionTimeout) {
            this.connectionTimeout = options.set(
                    "connectionTimeout",
                    Checks.duration(
                            component, "connectionTimeout", connectionTimeout, Duration.ofMillis(250), MAX_TIMEOUT));
            return this;
        }

        /**
         * How long a connection above {@code minConnections} may sit idle before it is closed. Default
         * 600 s; zero (never) or in [10 s, 7 d]; at least 1 s shorter than {@code maxLifetime}.
         */
        public Builder idleTimeout(Duration idleTimeout) {
            this.idleTimeout = options.set("idleTimeout", zeroOrIn("idleTimeout", idleTimeout, Duration.ofSeconds(10)));
            return this;
        }

        /**
         * Age at which a connection is retired when it is next idle; set it some seconds shorter than any
         * time limit of the database or the network. Default 30 min; zero (never) or in [30 s, 7 d].
         */
        public Builder maxLifetime(Duration maxLifetime) {
            this.maxLifetime = options.set("maxLifetime", zeroOrIn("maxLifetime", maxLifetime, Duration.ofSeconds(30)));
            return this;
        }

        /**
         * How often an idle connection is tested to keep it (and the network path) alive. Default 2 min;
         * zero (never) or in [30 s, 7 d]; shorter than {@code maxLifetime}.
         */
        public Builder keepaliveTime(Duration keepaliveTime) {
            this.keepaliveTime =
                    options.set("keepaliveTime", zeroOrIn("keepaliveTime", keepaliveTime, Duration.ofSeconds(30)));
            return this;
        }

        /**
         * Longest time a connection is tested for aliveness before it is handed out. Default 5 s, or
         * {@code connectionTimeout} if shorter; range [250 ms, 1 h], at most {@code connectionTimeout}.
         */
        public Builder validationTimeout(Duration validationTimeout) {
            this.validationTimeout = options.set(
                    "validationTimeout",
                    Checks.duration(
                            component, "validationTimeout", validationTimeout, Duration.ofMillis(250), MAX_TIMEOUT));
            return this;
        }

        /** Whether connections are put in read-only mode (for replicas). Default false. */
        public Builder readOnly(boolean readOnly) {
            this.readOnly = options.set("readOnly", readOnly);
            return this;
        }

        /**
         * Whether {@link #build()} opens a first connection and fails if it cannot. Default true. Set it
         * false for pools that may be down at start, such as read replicas: the pool then starts empty
         * and connects on demand (a {@link ReadWriteRouter} marks such a replica down and probes it).
         */
        public Builder failFast(boolean failFast) {
            this.failFast = options.set("failFast", failFast);
            return this;
        }

        /** HikariCP's metrics SPI (e.g. Micrometer's tracker factory, wired by {@code hal9-metrics}). Default none. */
        public Builder metricsTrackerFactory(MetricsTrackerFactory metricsTrackerFactory) {
            this.metricsTrackerFactory = options.set(
                    "metricsTrackerFactory", Objects.requireNonNull(metricsTrackerFactory, "metricsTrackerFactory"));
            return this;
        }

        /**
         * An escape hatch for HikariCP options HAL9 does not wrap ({@code connectionInitSql}, {@code
         * transactionIsolation}, {@code leakDetectionThreshold}, {@code scheduledExecutor}, ...): called
         * with the {@link HikariConfig} after HAL9's options are applied and before the pool starts. What
         * it sets wins; HikariCP validates the result (and may repair bad values with a warning, which
         * HAL9's own options never need).
         */
        public Builder customize(Consumer<? super HikariConfig> customizer) {
            this.customizer = options.set("customize", Objects.requireNonNull(customizer, "customize"));
            return this;
        }

        /**
         * Validates the options and starts the pool.
         *
         * @throws IllegalArgumentException if options contradict each other
         * @throws JdbcException if {@code failFast} is on and no first connection could be opened
         */
        public JdbcPool build() {
            boolean url = options.isSet("jdbcUrl");
            boolean given = options.isSet("dataSource");
            if (!url && !given) {
                throw new IllegalArgumentException(component + ": jdbcUrl or dataSource must be set");
            }
            if (url && given) {
                throw new IllegalArgumentException(component + ": set jdbcUrl or dataSource, not both");
            }
            if (given && !properties.isEmpty()) {
                throw new IllegalArgumentException(component
                        + ": dataSourceProperty needs jdbcUrl; a DataSource given to dataSource() is used as it is,"
                        + " was given " + properties.keySet());
            }
            if (maxConnections < minConnections) {
                throw new IllegalArgumentException(component + ": maxConnections must be >= minConnections ("
                        + minConnections + "), was " + maxConnections);
            }
            if (options.isSet("validationTimeout") && validationTimeout.compareTo(connectionTimeout) > 0) {
                throw new IllegalArgumentException(component + ": validationTimeout must be <= connectionTimeout ("
                        + connectionTimeout + "), was " + validationTimeout);
            }
            if (!maxLifetime.isZero()) {
                if (!idleTimeout.isZero()
                        && minConnections < maxConnections
                        && idleTimeout.plusSeconds(1).compareTo(maxLifetime) > 0) {
                    throw new IllegalArgumentException(component
                            + ": idleTimeout must be at least 1s shorter than maxLifetime (" + maxLifetime + "), was "
                            + idleTimeout);
                }
                if (!keepaliveTime.isZero() && keepaliveTime.compareTo(maxLifetime) >= 0) {
                    throw new IllegalArgumentException(component + ": keepaliveTime must be shorter than maxLifetime ("
                            + maxLifetime + "), was " + keepaliveTime + " (set keepaliveTime(Duration.ZERO) to turn"
                            + " keepalive off)");
                }
            }
            return HikariJdbcPool.start(this);
        }

        /** The validation timeout in effect: as set (checked by {@link #build()}), else the default, at most {@code connectionTimeout}. */
        Duration validationTimeout() {
            if (options.isSet("validationTimeout") || validationTimeout.compareTo(connectionTimeout) <= 0) {
                return validationTimeout;
            }
            return connectionTimeout;
        }

        private Duration zeroOrIn(String option, Duration value, Duration min) {
            Objects.requireNonNull(value, option);
            if (value.isZero()) {
                return value;
            }
            if (value.compareTo(min) < 0 || value.compareTo(MAX_AGE) > 0) {
                throw new IllegalArgumentException(component + ": " + option + " must be 0 (never) or in [" + min + ", "
                        + MAX_AGE + "], was " + value);
            }
            return value;
        }
    }
}

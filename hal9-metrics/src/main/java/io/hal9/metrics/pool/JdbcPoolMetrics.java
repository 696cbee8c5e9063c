package io.hal9.metrics.pool;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.MetricsTrackerFactory;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import io.hal9.metrics.internal.BinderBuilder;
import io.hal9.metrics.internal.ComponentBinder;
import io.hal9.pool.jdbc.JdbcPool;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds a {@link JdbcPool} to a {@link MeterRegistry} so that the pool is reported <b>once</b>: by HikariCP's
 * own meters (its {@link MicrometerMetricsTrackerFactory}, installed on the running pool through {@link
 * HikariDataSource#setMetricsTrackerFactory}), or, when that is not possible or not wanted, by HAL9's gauges
 * from {@link JdbcPool#stats()}; never both.
 *
 * <pre>{@code
 * JdbcPoolMetrics.monitor(registry, pool); // or JdbcPoolMetrics.builder(pool).build().bindTo(registry)
 * // or, to have HikariCP's meters from the pool's first connection on:
 * JdbcPool games = JdbcPool.builder("games")
 *         .jdbcUrl(url)
 *         .metricsTrackerFactory(JdbcPoolMetrics.hikariTrackerFactory(registry))
 *         .build();
 * JdbcPoolMetrics.monitor(registry, games); // finds HikariCP's meters in the registry and adds nothing
 * }</pre>
 *
 * <p><b>Why HikariCP's meters.</b> A JDBC pool here <em>is</em> a HikariCP pool, and HikariCP's meters are what
 * its users' dashboards and alerts already query ({@code hikaricp_connections_active{pool="games"}} and the
 * rest); they also carry more than HAL9's gauges could (acquire, usage and creation times, timeouts). So HAL9
 * keeps HikariCP's names, and its {@code pool} tag, for the pool, instead of reporting it a second time under
 * {@code hal9.*}.
 *
 * <p>Meters by default: HikariCP's, named {@code hikaricp.connections.*} with tag {@code pool} = the pool's name
 * (not {@code name}): {@code hikaricp.connections} (open), {@code .active}, {@code .idle}, {@code .pending},
 * {@code .max}, {@code .min}: gauges; {@code hikaricp.connections.acquire} (acquire time), {@code .usage},
 * {@code .creation}: timers; {@code hikaricp.connections.timeout}: counter. HikariCP adds only its {@code pool}
 * tag: the builder's tags do not reach these meters (put tags every meter should carry on the registry, {@code
 * registry.config().commonTags(...)}). HikariCP refreshes the figures behind its gauges at most once a second,
 * and counts no creation failures (they show as timeouts).
 *
 * <p>With {@link Builder#hikariMetrics hikariMetrics(false)}, or when HikariCP already reports to a tracker
 * that does not register its meters in this registry (one set by the pool's builder for another registry, or
 * a Dropwizard or Prometheus tracker), HAL9's gauges instead (tag {@code name} = the pool's name, plus the
 * builder's tags): {@code hal9.jdbc.pool.active}, {@code hal9.jdbc.pool.idle}, {@code hal9.jdbc.pool.open},
 * {@code hal9.jdbc.pool.pending}, {@code hal9.jdbc.pool.max}.
 *
 * <p>Limits: HikariCP accepts one metrics tracker per pool, for one registry; binding the same pool to a second
 * registry gives that registry HAL9's gauges.
 *
 * <p>Thread safety: may be bound from any thread.
 */
public final class JdbcPoolMetrics extends ComponentBinder<JdbcPool> {
    private static final Logger log = LoggerFactory.getLogger(JdbcPoolMetrics.class);

    private final boolean hikariMetrics;

    private JdbcPoolMetrics(Builder b) {
        super(b);
        this.hikariMetrics = b.hikariMetrics;
    }

    /** Starts a binder for {@code pool}. */
    public static Builder builder(JdbcPool pool) {
        return new Builder(pool);
    }

    /**
     * Reports the pool in {@code registry} in one call, once: {@code JdbcPoolMetrics.builder(pool).build()
     * .bindTo(registry)} (HikariCP's meters; see the class docs).
     *
     * @return {@code pool}
     */
    public static JdbcPool monitor(MeterRegistry registry, JdbcPool pool) {
        Objects.requireNonNull(registry, "registry");
        builder(pool).build().bindTo(registry);
        return pool;
    }

    /**
     * HikariCP's Micrometer tracker for {@code registry}, for {@link JdbcPool.Builder#metricsTrackerFactory}
     * when HikariCP's meters should exist from the pool's start.
     */
    public static MetricsTrackerFactory hikariTrackerFactory(MeterRegistry registry) {
        return new MicrometerMetricsTrackerFactory(Objects.requireNonNull(registry, "registry"));
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        if (hikariMetrics && hikariReportsTo(registry)) {
            return;
        }
        meters(registry)
                .gauge(
                        "hal9.jdbc.pool.active",
                        null,
                        "Connections borrowed now",
                        p -> p.stats().active())
                .gauge(
                        "hal9.jdbc.pool.idle",
                        null,
                        "Connections open and not borrowed",
                        p -> p.stats().idle())
                .gauge(
                        "hal9.jdbc.pool.open",
                        null,
                        "Open connections",
                        p -> p.stats().total())
                .gauge(
                        "hal9.jdbc.pool.pending",
                        null,
                        "Threads waiting for a connection",
                        p -> p.stats().waiting())
                .gauge(
                        "hal9.jdbc.pool.max",
                        null,
                        "Configured limit of connections",
                        p -> p.stats().maxConnections());
    }

    /**
     * Installs HikariCP's tracker for {@code registry} if the pool has none. True when HikariCP's meters of this
     * pool are in {@code registry} afterwards (installed now, or earlier by the pool's builder or another
     * binding); false when HikariCP reports elsewhere, and HAL9's gauges must report the pool here.
     */
    private boolean hikariReportsTo(MeterRegistry registry) {
        JdbcPool pool = component;
        if (pool.isClosed()) {
            return false;
        }
        HikariDataSource hikari = pool.hikari();
        if (hikari.getMetricsTrackerFactory() == null && hikari.getMetricRegistry() == null) {
            try {
                hikari.setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(registry));
            } catch (IllegalStateException e) {
                // a concurrent binding won the race: HikariCP takes one tracker (checked below)
                log.debug("{}: HikariCP metrics tracker set concurrently", pool.name(), e);
            }
        }
        String poolName = hikari.getPoolName() == null ? pool.name() : hikari.getPoolName();
        if (registry.find("hikaricp.connections").tag("pool", poolName).meter() != null) {
            return true;
        }
        log.debug(
                "{}: HikariCP reports to a metrics tracker of another registry; HAL9's gauges report the pool here",
                pool.name());
        return false;
    }

    /**
     * Configures a {@link JdbcPoolMetrics}. Each option may be set once. Its {@link #tags tags} reach HAL9's gauges
     * (when they report the pool); HikariCP's meters take no tags but {@code pool}.
     *
     * <p>Thread safety: not thread-safe; use from one thread.
     */
    public static final class Builder extends BinderBuilder<JdbcPool, Builder> {
        private boolean hikariMetrics = true;

        private Builder(JdbcPool pool) {
            super(pool, Objects.requireNonNull(pool, "pool").name(), "jdbc pool metrics");
        }

        /**
         * Which set reports the pool: HikariCP's own meters (true, the default) or HAL9's {@code hal9.jdbc.pool.*}
         * gauges (false); never both.
         */
        public Builder hikariMetrics(boolean hikariMetrics) {
            this.hikariMetrics = options.set("hikariMetrics", hikariMetrics);
            return this;
        }

        /** Builds the binder; registers nothing until {@link JdbcPoolMetrics#bindTo}. */
        @Override
        public JdbcPoolMetrics build() {
            return new JdbcPoolMetrics(this);
        }
    }
}

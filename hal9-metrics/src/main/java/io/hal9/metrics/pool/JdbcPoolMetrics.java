package io.hal9.metrics.pool;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.MetricsTrackerFactory;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import io.hal9.core.internal.Checks;
import io.hal9.metrics.internal.MeterSupport;
import io.hal9.pool.jdbc.JdbcPool;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds a {@link JdbcPool} to a {@link MeterRegistry}: HAL9's gauges from {@link JdbcPool#stats()} and,
 * by default, HikariCP's own metrics (its {@link MicrometerMetricsTrackerFactory}, installed on the
 * running pool through {@link HikariDataSource#setMetricsTrackerFactory}).
 *
 * <pre>{@code
 * JdbcPoolMetrics.builder(pool).build().bindTo(registry);
 * // or, to have HikariCP's meters from the pool's first connection on:
 * JdbcPool pool = JdbcPool.builder("games")...metricsTrackerFactory(JdbcPoolMetrics.hikariTrackerFactory(registry)).build();
 * JdbcPoolMetrics.builder(pool).build().bindTo(registry); // sees the factory is set and leaves it
 * }</pre>
 *
 * <p>Meters (tag {@code name} = the pool's name, plus the builder's tags): {@code hal9.jdbc.pool.active},
 * {@code hal9.jdbc.pool.idle}, {@code hal9.jdbc.pool.open}, {@code hal9.jdbc.pool.pending}, {@code
 * hal9.jdbc.pool.max}: gauges. HikariCP's own meters are named {@code hikaricp.connections.*} with tag
 * {@code pool} (not {@code name}): among them {@code hikaricp.connections.acquire} (acquire time),
 * {@code hikaricp.connections.timeout} (timeouts), {@code hikaricp.connections.creation} (creation
 * time) and {@code hikaricp.connections.usage}. HikariCP counts no creation failures; they show as
 * timeouts.
 *
 * <p>Limits: HikariCP accepts one metrics tracker per pool, for one registry. If the pool already has
 * one (set through its builder, or by an earlier binding), the binder leaves it and logs at DEBUG; the
 * user tags do not reach HikariCP's meters (HikariCP adds only {@code pool}).
 *
 * <p>Thread safety: may be bound from any thread.
 */
public final class JdbcPoolMetrics implements MeterBinder {
    private static final Logger log = LoggerFactory.getLogger(JdbcPoolMetrics.class);

    private final JdbcPool pool;
    private final Tags tags;
    private final boolean hikariMetrics;

    private JdbcPoolMetrics(Builder b) {
        this.pool = b.pool;
        this.tags = MeterSupport.instanceTags(pool.name(), b.tags);
        this.hikariMetrics = b.hikariMetrics;
    }

    /** Starts a binder for {@code pool}. */
    public static Builder builder(JdbcPool pool) {
        return new Builder(pool);
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
        new MeterSupport<>(registry, pool, tags)
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
        if (hikariMetrics && !pool.isClosed()) {
            HikariDataSource hikari = pool.hikari();
            if (hikari.getMetricsTrackerFactory() != null || hikari.getMetricRegistry() != null) {
                log.debug("{}: HikariCP already has a metrics tracker; leaving it", pool.name());
            } else {
                try {
                    hikari.setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(registry));
                } catch (IllegalStateException e) {
                    // a concurrent binding won the race: HikariCP takes one tracker
                    log.debug("{}: HikariCP metrics tracker set concurrently; leaving it", pool.name(), e);
                }
            }
        }
    }

    /**
     * Configures a {@link JdbcPoolMetrics}. Each option may be set once.
     *
     * <p>Thread safety: not thread-safe; use from one thread.
     */
    public static final class Builder {
        private final JdbcPool pool;
        private final String component;
        private Iterable<Tag> tags = Tags.empty();
        private boolean tagsSet;
        private boolean hikariMetrics = true;
        private boolean hikariMetricsSet;

        private Builder(JdbcPool pool) {
            this.pool = Objects.requireNonNull(pool, "pool");
            this.component = "jdbc pool metrics '" + pool.name() + "'";
        }

        /** Tags added to HAL9's meters; default none. A {@code name} tag is replaced by the pool's name. */
        public Builder tags(Iterable<Tag> tags) {
            Checks.notSet(component, "tags", tagsSet);
            this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
            this.tagsSet = true;
            return this;
        }

        /** Whether binding also installs HikariCP's own Micrometer tracker; default true. */
        public Builder hikariMetrics(boolean hikariMetrics) {
            Checks.notSet(component, "hikariMetrics", hikariMetricsSet);
            this.hikariMetrics = hikariMetrics;
            this.hikariMetricsSet = true;
            return this;
        }

        /** Builds the binder; registers nothing until {@link JdbcPoolMetrics#bindTo}. */
        public JdbcPoolMetrics build() {
            return new JdbcPoolMetrics(this);
        }
    }
}

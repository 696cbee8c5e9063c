package io.hal9.metrics.pool;

import io.hal9.metrics.internal.BinderBuilder;
import io.hal9.metrics.internal.ComponentBinder;
import io.hal9.metrics.internal.MeterSupport;
import io.hal9.pool.jdbc.JdbcPool;
import io.hal9.pool.jdbc.ReadWriteRouter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import java.util.List;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * Binds a {@link ReadWriteRouter} to a {@link MeterRegistry}, from {@link ReadWriteRouter#stats()}, and, with
 * {@link #monitor} or {@link Builder#bindPools}, its primary and replica pools through {@link JdbcPoolMetrics}.
 *
 * <pre>{@code
 * ReadWriteRouterMetrics.monitor(registry, router); // the router and every pool it routes to
 * ReadWriteRouterMetrics.builder(router).build().bindTo(registry); // the router alone
 * }</pre>
 *
 * <p>Meters (tag {@code name} = the router's name, plus the builder's tags):
 *
 * <ul>
 *   <li>{@code hal9.router.reads} (tag {@code target} = {@code primary} or {@code replica}): function
 *       counter of reads by where they went
 *   <li>{@code hal9.router.fallbacks}: reads sent to the primary because no replica could serve them
 *   <li>{@code hal9.router.writes}; {@code hal9.router.transactions} (tag {@code result} = {@code
 *       commit}, {@code rollback})
 *   <li>per replica (tag {@code replica} = the replica pool's name): {@code hal9.router.replica.up}
 *       (gauge, 1 in rotation, 0 down), {@code hal9.router.replica.reads}, {@code
 *       hal9.router.replica.downs}, {@code hal9.router.replica.probes} (tag {@code result} = {@code
 *       success}, {@code failure})
 * </ul>
 *
 * <p>Thread safety: may be bound from any thread.
 */
public final class ReadWriteRouterMetrics extends ComponentBinder<ReadWriteRouter> {
    private final boolean bindPools;

    private ReadWriteRouterMetrics(Builder b) {
        super(b);
        this.bindPools = b.bindPools;
    }

    /** Starts a binder for {@code router}. */
    public static Builder builder(ReadWriteRouter router) {
        return new Builder(router);
    }

    /**
     * Binds the router and its pools in one call: {@code ReadWriteRouterMetrics.builder(router).tags(tags)
     * .bindPools(true).build().bindTo(registry)}. The pools are reported once each, as {@link JdbcPoolMetrics}
     * does (HikariCP's meters, which carry their own {@code pool} tag and not these tags).
     *
     * @param tags tags added to the router's meters (not {@code name}: that is the router's name)
     * @return {@code router}
     */
    public static ReadWriteRouter monitor(MeterRegistry registry, ReadWriteRouter router, Iterable<Tag> tags) {
        Objects.requireNonNull(registry, "registry");
        builder(router).tags(tags).bindPools(true).build().bindTo(registry);
        return router;
    }

    /** As {@link #monitor(MeterRegistry, ReadWriteRouter, Iterable)}, with tags as key-value pairs. */
    public static ReadWriteRouter monitor(MeterRegistry registry, ReadWriteRouter router, String... tags) {
        return monitor(registry, router, Tags.of(tags));
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        String reads = "Reads, by where they were served";
        String tx = "Transactions of inTransaction, by result";
        meters(registry)
                .counter("hal9.router.reads", reads, r -> r.stats().primaryReads(), "target", "primary")
                .counter("hal9.router.reads", reads, r -> r.stats().replicaReads(), "target", "replica")
                .counter(
                        "hal9.router.fallbacks",
                        "Reads sent to the primary because no replica could serve them",
                        r -> r.stats().fallbacks())
                .counter(
                        "hal9.router.writes",
                        "Connections handed out for writes",
                        r -> r.stats().writes())
                .counter("hal9.router.transactions", tx, r -> r.stats().transactions(), "result", "commit")
                .counter("hal9.router.transactions", tx, r -> r.stats().rollbacks(), "result", "rollback");
        List<JdbcPool> replicas = component.replicas();
        for (int i = 0; i < replicas.size(); i++) {
            int index = i;
            String replica = replicas.get(i).name();
            MeterSupport<ReadWriteRouter> m = new MeterSupport<>(registry, component, tags.and("replica", replica));
            m.gauge(
                    "hal9.router.replica.up",
                    null,
                    "Whether the replica is in the read rotation (1) or down (0)",
                    replicaFigure(index, s -> s.up() ? 1 : 0));
            m.counter("hal9.router.replica.reads", "Reads the replica served", replicaFigure(index, s -> s.reads()));
            m.counter(
                    "hal9.router.replica.downs",
                    "Times the replica was marked down",
                    replicaFigure(index, s -> s.downs()));
            m.counter(
                    "hal9.router.replica.probes",
                    "Probes of the down replica, by result",
                    replicaFigure(index, s -> s.probes() - s.failedProbes()),
                    "result",
                    "success");
            m.counter(
                    "hal9.router.replica.probes",
                    "Probes of the down replica, by result",
                    replicaFigure(index, s -> s.failedProbes()),
                    "result",
                    "failure");
        }
        if (bindPools) {
            JdbcPoolMetrics.builder(component.primary()).tags(userTags).build().bindTo(registry);
            for (JdbcPool r : replicas) {
                JdbcPoolMetrics.builder(r).tags(userTags).build().bindTo(registry);
            }
        }
    }

    private static ToDoubleFunction<ReadWriteRouter> replicaFigure(
            int index, ToDoubleFunction<ReadWriteRouter.ReplicaStats> f) {
        return r -> {
            List<ReadWriteRouter.ReplicaStats> all = r.stats().replicas();
            return index < all.size() ? f.applyAsDouble(all.get(index)) : Double.NaN;
        };
    }

    /**
     * Configures a {@link ReadWriteRouterMetrics}. Each option may be set once.
     *
     * <p>Thread safety: not thread-safe; use from one thread.
     */
    public static final class Builder extends BinderBuilder<ReadWriteRouter, Builder> {
        private boolean bindPools = false;

        private Builder(ReadWriteRouter router) {
            super(router, Objects.requireNonNull(router, "router").name(), "router metrics");
        }

        /**
         * Whether binding the router also binds its primary and replica pools with {@link JdbcPoolMetrics} (each
         * reported once, by HikariCP's meters); default false ({@link ReadWriteRouterMetrics#monitor} sets it).
         */
        public Builder bindPools(boolean bindPools) {
            this.bindPools = options.set("bindPools", bindPools);
            return this;
        }

        /** Builds the binder; registers nothing until {@link ReadWriteRouterMetrics#bindTo}. */
        @Override
        public ReadWriteRouterMetrics build() {
            return new ReadWriteRouterMetrics(this);
        }
    }
}

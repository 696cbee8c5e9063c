package io.hal9.metrics.pool;

import io.hal9.metrics.internal.BinderBuilder;
import io.hal9.metrics.internal.ComponentBinder;
import io.hal9.pool.ObjectPool;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import java.util.Objects;

/**
 * Binds an {@link ObjectPool} to a {@link MeterRegistry}, from {@link ObjectPool#stats()} alone (the
 * claim and release paths have no callbacks, so binding costs them nothing).
 *
 * <pre>{@code
 * ObjectPoolMetrics.monitor(registry, states); // or ObjectPoolMetrics.builder(states).build().bindTo(registry)
 * }</pre>
 *
 * <p>Meters (tag {@code name} = the pool's name, plus the builder's tags):
 *
 * <ul>
 *   <li>{@code hal9.object.pool.claims} (tag {@code result} = {@code hit}: reused an idle object; {@code
 *       miss}: created one): function counter
 *   <li>{@code hal9.object.pool.releases}, {@code hal9.object.pool.discards}, {@code
 *       hal9.object.pool.reset.failures}, {@code hal9.object.pool.leaks}: function counters
 *   <li>{@code hal9.object.pool.idle}, {@code hal9.object.pool.max.idle}: gauges
 * </ul>
 *
 * <p>Limits: each meter reads a fresh {@code stats()}, which sums per-thread counters; meant for scrape
 * intervals of seconds, not for reading in a loop.
 *
 * <p>Thread safety: may be bound from any thread.
 */
public final class ObjectPoolMetrics extends ComponentBinder<ObjectPool<?>> {
    private ObjectPoolMetrics(Builder b) {
        super(b);
    }

    /** Starts a binder for {@code pool}. */
    public static Builder builder(ObjectPool<?> pool) {
        return new Builder(pool);
    }

    /**
     * Binds the pool's claims, releases, discards, leaks and idle objects, all at once.
     *
     * @param tags tags added to every meter (not {@code name}: that is the pool's name)
     * @return {@code pool}
     */
    public static <T> ObjectPool<T> monitor(MeterRegistry registry, ObjectPool<T> pool, Iterable<Tag> tags) {
        return bindOne(registry, pool, ObjectPoolMetrics::builder, tags);
    }

    /** As {@link #monitor(MeterRegistry, ObjectPool, Iterable)}, with tags as key-value pairs. */
    public static <T> ObjectPool<T> monitor(MeterRegistry registry, ObjectPool<T> pool, String... tags) {
        return monitor(registry, pool, Tags.of(tags));
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        String claims = "Claims answered, by whether an idle object was reused";
        meters(registry)
                .counter("hal9.object.pool.claims", claims, p -> p.stats().hits(), "result", "hit")
                .counter("hal9.object.pool.claims", claims, p -> p.stats().misses(), "result", "miss")
                .counter(
                        "hal9.object.pool.releases",
                        "Leases closed",
                        p -> p.stats().releases())
                .counter(
                        "hal9.object.pool.discards",
                        "Released objects the pool did not keep",
                        p -> p.stats().discards())
                .counter(
                        "hal9.object.pool.reset.failures",
                        "Releases whose reset hook threw",
                        p -> p.stats().resetFailures())
                .counter(
                        "hal9.object.pool.leaks",
                        "Leases found unreachable while on loan",
                        p -> p.stats().leaks())
                .gauge(
                        "hal9.object.pool.idle",
                        null,
                        "Idle objects kept now (approximate)",
                        p -> p.stats().idle())
                .gauge(
                        "hal9.object.pool.max.idle",
                        null,
                        "Configured bound of idle objects",
                        p -> p.stats().maxIdle());
    }

    /**
     * Configures an {@link ObjectPoolMetrics}. Each option may be set once.
     *
     * <p>Thread safety: not thread-safe; use from one thread.
     */
    public static final class Builder extends BinderBuilder<ObjectPool<?>, Builder> {
        private Builder(ObjectPool<?> pool) {
            super(pool, Objects.requireNonNull(pool, "pool").name(), "object pool metrics");
        }

        /** Builds the binder; registers nothing until {@link ObjectPoolMetrics#bindTo}. */
        @Override
        public ObjectPoolMetrics build() {
            return new ObjectPoolMetrics(this);
        }
    }
}

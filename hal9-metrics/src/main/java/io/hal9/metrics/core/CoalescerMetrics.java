package io.hal9.metrics.core;

import io.hal9.core.Coalescer;
import io.hal9.metrics.internal.BinderBuilder;
import io.hal9.metrics.internal.ComponentBinder;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import java.util.Objects;

/**
 * Binds a {@link Coalescer} to a {@link MeterRegistry}, from {@link Coalescer#stats()}.
 *
 * <pre>{@code
 * CoalescerMetrics.monitor(registry, profiles); // or CoalescerMetrics.builder(profiles).build().bindTo(registry)
 * }</pre>
 *
 * <p>Meters (tag {@code name} = the coalescer's name, plus the builder's tags):
 *
 * <ul>
 *   <li>{@code hal9.coalescer.calls} (tag {@code result} = {@code computed}: the call ran the loader;
 *       {@code coalesced}: it joined a computation in flight): function counter
 *   <li>{@code hal9.coalescer.failures}: function counter of computations that failed
 *   <li>{@code hal9.coalescer.in.flight}: gauge of keys being computed
 * </ul>
 *
 * <p>Thread safety: may be bound from any thread.
 */
public final class CoalescerMetrics extends ComponentBinder<Coalescer<?, ?>> {
    private CoalescerMetrics(Builder b) {
        super(b);
    }

    /** Starts a binder for {@code coalescer}. */
    public static Builder builder(Coalescer<?, ?> coalescer) {
        return new Builder(coalescer);
    }

    /**
     * Binds the coalescer's keys in flight, its calls (computed or coalesced) and its failures in one call.
     *
     * @param tags tags added to every meter (not {@code name}: that is the coalescer's name)
     * @return {@code coalescer}
     */
    public static <K, V> Coalescer<K, V> monitor(
            MeterRegistry registry, Coalescer<K, V> coalescer, Iterable<Tag> tags) {
        return bindOne(registry, coalescer, CoalescerMetrics::builder, tags);
    }

    /** As {@link #monitor(MeterRegistry, Coalescer, Iterable)}, with tags as key-value pairs. */
    public static <K, V> Coalescer<K, V> monitor(MeterRegistry registry, Coalescer<K, V> coalescer, String... tags) {
        return monitor(registry, coalescer, Tags.of(tags));
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        String calls = "Calls of the coalescer, by whether they ran the loader or joined one in flight";
        meters(registry) // the level first, then the totals, as every binder lists them
                .gauge("hal9.coalescer.in.flight", null, "Keys being computed now", Coalescer::inFlight)
                .counter("hal9.coalescer.calls", calls, c -> c.stats().computations(), "result", "computed")
                .counter("hal9.coalescer.calls", calls, c -> c.stats().coalesced(), "result", "coalesced")
                .counter(
                        "hal9.coalescer.failures",
                        "Computations that ended with an exception",
                        c -> c.stats().failures());
    }

    /**
     * Configures a {@link CoalescerMetrics}. Each option may be set once.
     *
     * <p>Thread safety: not thread-safe; use from one thread.
     */
    public static final class Builder extends BinderBuilder<Coalescer<?, ?>, Builder> {
        private Builder(Coalescer<?, ?> coalescer) {
            super(coalescer, Objects.requireNonNull(coalescer, "coalescer").name(), "coalescer metrics");
        }

        /** Builds the binder; registers nothing until {@link CoalescerMetrics#bindTo}. */
        @Override
        public CoalescerMetrics build() {
            return new CoalescerMetrics(this);
        }
    }
}

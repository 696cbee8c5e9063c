package io.hal9.metrics.core;

import io.hal9.core.Coalescer;
import io.hal9.core.internal.Checks;
import io.hal9.metrics.internal.MeterSupport;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
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
public final class CoalescerMetrics implements MeterBinder {
    private final Coalescer<?, ?> coalescer;
    private final Tags tags;

    private CoalescerMetrics(Coalescer<?, ?> coalescer, Tags tags) {
        this.coalescer = coalescer;
        this.tags = tags;
    }

    /** Starts a binder for {@code coalescer}. */
    public static Builder builder(Coalescer<?, ?> coalescer) {
        return new Builder(coalescer);
    }

    /**
     * Binds the coalescer's meters in one call: {@code CoalescerMetrics.builder(coalescer).tags(tags).build().bindTo(registry)}.
     *
     * @param tags tags added to every meter (not {@code name}: that is the coalescer's name)
     * @return {@code coalescer}
     */
    public static <K, V> Coalescer<K, V> monitor(
            MeterRegistry registry, Coalescer<K, V> coalescer, Iterable<Tag> tags) {
        Objects.requireNonNull(registry, "registry");
        builder(coalescer).tags(tags).build().bindTo(registry);
        return coalescer;
    }

    /** As {@link #monitor(MeterRegistry, Coalescer, Iterable)}, with tags as key-value pairs. */
    public static <K, V> Coalescer<K, V> monitor(MeterRegistry registry, Coalescer<K, V> coalescer, String... tags) {
        return monitor(registry, coalescer, Tags.of(tags));
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        String calls = "Calls of the coalescer, by whether they ran the loader or joined one in flight";
        new MeterSupport<Coalescer<?, ?>>(registry, coalescer, tags)
                .counter("hal9.coalescer.calls", calls, c -> c.stats().computations(), "result", "computed")
                .counter("hal9.coalescer.calls", calls, c -> c.stats().coalesced(), "result", "coalesced")
                .counter(
                        "hal9.coalescer.failures",
                        "Computations that ended with an exception",
                        c -> c.stats().failures())
                .gauge("hal9.coalescer.in.flight", null, "Keys being computed now", Coalescer::inFlight);
    }

    /**
     * Configures a {@link CoalescerMetrics}. Each option may be set once.
     *
     * <p>Thread safety: not thread-safe; use from one thread.
     */
    public static final class Builder {
        private final Coalescer<?, ?> coalescer;
        private final String component;
        private Iterable<Tag> tags = Tags.empty();
        private boolean tagsSet;

        private Builder(Coalescer<?, ?> coalescer) {
            this.coalescer = Objects.requireNonNull(coalescer, "coalescer");
            this.component = "coalescer metrics '" + coalescer.name() + "'";
        }

        /** Tags added to every meter; default none. A {@code name} tag is replaced by the coalescer's name. */
        public Builder tags(Iterable<Tag> tags) {
            Checks.notSet(component, "tags", tagsSet);
            this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
            this.tagsSet = true;
            return this;
        }

        /** Builds the binder; registers nothing until {@link CoalescerMetrics#bindTo}. */
        public CoalescerMetrics build() {
            return new CoalescerMetrics(coalescer, MeterSupport.instanceTags(coalescer.name(), tags));
        }
    }
}

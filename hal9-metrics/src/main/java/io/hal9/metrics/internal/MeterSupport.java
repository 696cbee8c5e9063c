package io.hal9.metrics.internal;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;
import org.jspecify.annotations.Nullable;

/**
 * Registers the function meters of one component in one registry, with the component's tags.
 *
 * <p>Every meter reads the component through a weak reference (Micrometer's default for function
 * meters): a binder never keeps a closed and forgotten component alive; its meters then report NaN
 * (gauges) or their last value (counters) until the registry drops them.
 *
 * <p>Thread safety: not thread-safe; used by one {@code bindTo} call.
 *
 * @param <T> the component type
 */
public final class MeterSupport<T> {
    private final MeterRegistry registry;
    private final T source;
    private final Tags tags;

    /**
     * Starts registering the meters of one component.
     *
     * @param registry where meters go
     * @param source the component, held weakly by every meter
     * @param tags tags of every meter (the component's {@code name} plus the user's)
     */
    public MeterSupport(MeterRegistry registry, T source, Tags tags) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.source = Objects.requireNonNull(source, "source");
        this.tags = Objects.requireNonNull(tags, "tags");
    }

    /** The component's tags plus {@code name=<name>} first; user tags may not override {@code name}. */
    public static Tags instanceTags(String name, Iterable<Tag> userTags) {
        return Tags.of(userTags).and("name", name);
    }

    /** The tags of every meter of this component. */
    public Tags tags() {
        return tags;
    }

    /** A monotonic total read from the component at scrape time. */
    public MeterSupport<T> counter(String name, String description, ToDoubleFunction<T> f, String... extraTags) {
        return counter(name, (String) null, description, f, extraTags);
    }

    /** A monotonic total in {@code baseUnit} (e.g. {@code bytes}) read from the component at scrape time. */
    public MeterSupport<T> counter(
            String name, @Nullable String baseUnit, String description, ToDoubleFunction<T> f, String... extraTags) {
        FunctionCounter.builder(name, source, f)
                .description(description)
                .baseUnit(baseUnit)
                .tags(tags)
                .tags(extraTags)
                .register(registry);
        return this;
    }

    /** A level read from the component at scrape time. */
    public MeterSupport<T> gauge(
            String name, @Nullable String baseUnit, String description, ToDoubleFunction<T> f, String... extraTags) {
        Gauge.builder(name, source, f)
                .description(description)
                .baseUnit(baseUnit)
                .tags(tags)
                .tags(extraTags)
                .register(registry);
        return this;
    }

    /** A count and total time read from the component at scrape time (e.g. loads and their total time). */
    public MeterSupport<T> functionTimer(
            String name, String description, ToLongFunction<T> count, ToDoubleFunction<T> totalNanos) {
        FunctionTimer.builder(name, source, count, totalNanos, TimeUnit.NANOSECONDS)
                .description(description)
                .tags(tags)
                .register(registry);
        return this;
    }
}

package io.hal9.metrics.internal;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * The slot through which a listener-fed recorder receives its meters when its binder is bound.
 *
 * <p>Design / Concurrency / Invariants: {@link #meters} is written once, by the first {@code bindTo}
 * (compare-and-set), and read by the component's threads on every event; a plain volatile read
 * suffices because the meters object is immutable and safely published by the CAS. Before binding the
 * slot is empty and events are dropped (nothing is registered yet to record them in). A slot is bound to
 * one registry for good: publishing to several registries goes through a {@code CompositeMeterRegistry}.
 *
 * <p>Thread safety: safe for any number of threads.
 *
 * @param <M> the immutable holder of the recorder's meters
 */
public final class Recorders<M> {
    private final String kind;
    private final AtomicReference<@Nullable Bound<M>> bound = new AtomicReference<>();

    /**
     * Creates an unbound recorder set.
     *
     * @param kind names the recorder in messages, e.g. {@code "batcher recorder"}
     */
    public Recorders(String kind) {
        this.kind = kind;
    }

    private record Bound<M>(MeterRegistry registry, String name, M meters) {}

    /**
     * Hands the meters over; binding the same component to the same registry again is a no-op.
     *
     * @throws IllegalStateException if the recorder was bound to another registry or component
     */
    public void bind(MeterRegistry registry, String componentName, M meters) {
        Objects.requireNonNull(meters, "meters");
        Bound<M> mine = new Bound<>(registry, componentName, meters);
        if (!bound.compareAndSet(null, mine)) {
            Bound<M> other = Objects.requireNonNull(bound.get());
            if (other.registry() != registry || !other.name().equals(componentName)) {
                throw new IllegalStateException(kind + " for '" + componentName
                        + "': already bound to '" + other.name() + "' in another registry; a recorder serves"
                        + " one component in one registry (use a CompositeMeterRegistry to publish to several)");
            }
        }
    }

    /** The meters, or null before binding. */
    public @Nullable M meters() {
        Bound<M> b = bound.get();
        return b == null ? null : b.meters();
    }
}

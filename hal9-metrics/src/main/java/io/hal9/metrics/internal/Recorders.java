package io.hal9.metrics.internal;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
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

    /**
     * The recorder a binder records with, so that a recorder is never half-wired: the one given to the binder,
     * which must be the component's listener (else nothing would ever reach its meters), or, when none was
     * given, the component's listener if it is a recorder of this kind (else its figures would never be bound).
     *
     * @param component names the binder in the message, e.g. {@code batcher metrics 'moves'}
     * @param kind what the component is, e.g. {@code batcher}
     * @param listener the component's listener, or null without one
     * @param given the recorder given to the binder's builder, or null
     * @param type the recorder class of this binder
     * @param oneCall the one call that wires both, for the message, e.g. {@code
     *     ActionBatcherMetrics.monitor(registry, builder, tags)}
     * @return the recorder to bind, or null for none
     * @throws IllegalArgumentException if a recorder was given that is not the component's listener
     */
    public static <R> @Nullable R wired(
            String component,
            String kind,
            @Nullable Object listener,
            @Nullable R given,
            Class<R> type,
            String oneCall) {
        if (given == null) {
            return type.isInstance(listener) ? type.cast(listener) : null;
        }
        if (listener != given) {
            throw new IllegalArgumentException(component + ": recorder must be the " + kind + "'s listener, or it never"
                    + " records anything; the " + kind + " was built with "
                    + (listener == null ? "no listener" : "another listener (" + listener + ")")
                    + ": give the recorder to the " + kind + "'s builder (listener(recorder)), or build and bind in one"
                    + " call with " + oneCall);
        }
        return given;
    }

    /**
     * The body of a binder's {@code monitor(registry, builder, tags)}: makes {@code recorder} the builder's
     * listener, builds the component, binds its meters and the recorder's, and closes the component again when
     * binding fails (it was built here, so it must not be left running).
     *
     * @param registry where the meters go
     * @param builder the component's builder, checked for null here
     * @param tags tags added to every meter
     * @param recorder a new recorder of the binder
     * @param binder the binder class's simple name, for the message, e.g. {@code ActionBatcherMetrics}
     * @param kind what the component is, for the message, e.g. {@code batcher}
     * @param listenTo gives the component's builder the recorder as its listener; throws {@link
     *     IllegalStateException} when the builder already has one
     * @param build builds the component
     * @param binderOf the binder's builder for the built component
     * @param close closes the built component
     * @return the component, built and bound
     * @throws IllegalStateException if the builder already has a listener
     */
    public static <C, R extends MeterRecorder<?, ?>> C buildAndBind(
            MeterRegistry registry,
            Object builder,
            Iterable<Tag> tags,
            R recorder,
            String binder,
            String kind,
            Consumer<R> listenTo,
            Supplier<C> build,
            Function<C, ? extends RecorderBuilder<?, R, ?>> binderOf,
            Consumer<C> close) {
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(builder, "builder");
        Tags t = Tags.of(Objects.requireNonNull(tags, "tags"));
        try {
            listenTo.accept(recorder);
        } catch (IllegalStateException e) {
            throw new IllegalStateException(
                    e.getMessage() + "; monitor(registry, builder, tags) makes its recorder"
                            + " the listener: give the builder " + binder + ".recorder(yourListener) instead and call"
                            + " monitor(registry, " + kind + ", tags) on the built " + kind,
                    e);
        }
        C component = build.get();
        try {
            binderOf.apply(component).tags(t).recorder(recorder).build().bindTo(registry);
        } catch (RuntimeException e) {
            close.accept(component);
            throw e;
        }
        return component;
    }

    @Override
    public String toString() {
        Bound<M> b = bound.get();
        return kind + (b == null ? " (not bound)" : " of '" + b.name() + "'");
    }
}

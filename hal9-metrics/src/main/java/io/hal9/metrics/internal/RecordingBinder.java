package io.hal9.metrics.internal;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A {@link ComponentBinder} whose component also reports events to a listener that is a {@link MeterRecorder}
 * (the batcher's, limiter's or connection pool's {@code Recorder}): it resolves which recorder to bind once, when
 * built ({@link Recorders#wired}, so that a recorder is never half-wired), and the subclass's {@code bindTo}
 * hands the recorder its meters with {@link #bindRecorder}.
 *
 * <p>Not part of the API (the subclasses are). Thread safety: immutable; may be bound from any thread.
 *
 * @param <C> the component type
 * @param <R> the recorder type
 */
public abstract class RecordingBinder<C, R extends MeterRecorder<?, ?>> extends ComponentBinder<C> {
    private final String componentName;

    /** The recorder to bind, or null when the component's listener is none of this binder's recorders. */
    protected final @Nullable R recorder;

    /**
     * @param builder the binder's builder
     * @param kind what the component is, for messages, e.g. {@code batcher}
     * @param listenerOf the component's listener, or null without one
     * @param type the recorder class of this binder
     * @param oneCall the one call that builds and binds, for messages, e.g. {@code
     *     ActionBatcherMetrics.monitor(registry, builder, tags)}
     * @throws IllegalArgumentException if the recorder given to the builder is not the component's listener
     */
    protected RecordingBinder(
            RecorderBuilder<? extends C, R, ?> builder,
            String kind,
            Function<C, @Nullable Object> listenerOf,
            Class<R> type,
            String oneCall) {
        super(builder);
        this.componentName = builder.name;
        this.recorder = Recorders.wired(
                builder.options.component(), kind, listenerOf.apply(component), builder.recorder, type, oneCall);
    }

    /**
     * Hands the recorder its meters; binding the same component to the same registry again is a no-op.
     *
     * @param <M> the immutable holder of the recorder's meters
     * @throws IllegalStateException if the recorder was bound to another registry or component
     */
    protected final <M> void bindRecorder(MeterRegistry registry, MeterRecorder<M, ?> recorder, M meters) {
        recorder.slot.bind(registry, componentName, Objects.requireNonNull(meters, "meters"));
    }
}

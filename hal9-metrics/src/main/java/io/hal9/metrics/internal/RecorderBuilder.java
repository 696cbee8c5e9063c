package io.hal9.metrics.internal;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A {@link BinderBuilder} with the option of the binders that have a recorder: {@link #recorder}.
 *
 * <p>Not part of the API (the subclasses are). Thread safety: not thread-safe; use from one thread.
 *
 * @param <C> the component type
 * @param <R> the recorder type
 * @param <B> the concrete builder, returned by every setter
 */
public abstract class RecorderBuilder<C, R extends MeterRecorder<?, ?>, B extends RecorderBuilder<C, R, B>>
        extends BinderBuilder<C, B> {
    // no default recorder: the binder then takes the component's listener if it is one (Recorders.wired)
    @Nullable
    R recorder = null;

    /** See {@link BinderBuilder#BinderBuilder(Object, String, String)}. */
    protected RecorderBuilder(C component, String name, String kind) {
        super(component, name, kind);
    }

    /**
     * The recorder given to the component's builder as its listener; default: the component's listener if it is
     * this binder's {@code Recorder}, else none (no recorder meters).
     *
     * @return this builder
     * @throws IllegalStateException if a recorder was already set
     */
    public final B recorder(R recorder) {
        this.recorder = options.set("recorder", Objects.requireNonNull(recorder, "recorder"));
        return self();
    }
}

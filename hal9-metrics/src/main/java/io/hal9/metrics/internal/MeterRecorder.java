package io.hal9.metrics.internal;

import org.jspecify.annotations.Nullable;

/**
 * The base of the binders' {@code Recorder}s: a component listener that records into meters once its
 * binder is bound ({@link Recorders}, the slot the meters arrive through) and passes every event on to an
 * optional delegate, the user's own listener.
 *
 * <p>A subclass implements the component's listener interface: each callback reads {@link #meters()} (null
 * before binding: the event is dropped) and then calls the {@link #delegate} when there is one. Both are
 * final field reads the JIT inlines; recording adds no call a listener without a recorder would not make.
 *
 * <p>Not part of the API (the subclasses are). Thread safety: safe for any number of threads.
 *
 * @param <M> the immutable holder of the recorder's meters
 * @param <L> the component's listener type
 */
public abstract class MeterRecorder<M, L> {
    final Recorders<M> slot;

    /** The listener every event is passed on to, or null for none. */
    protected final @Nullable L delegate;

    /**
     * @param kind names the recorder in messages, e.g. {@code batcher recorder}
     * @param delegate the listener every event is passed on to, or null
     */
    protected MeterRecorder(String kind, @Nullable L delegate) {
        this.slot = new Recorders<>(kind);
        this.delegate = delegate;
    }

    /** The meters, or null before the binder is bound. */
    protected final @Nullable M meters() {
        return slot.meters();
    }

    @Override
    public String toString() {
        return slot.toString();
    }
}

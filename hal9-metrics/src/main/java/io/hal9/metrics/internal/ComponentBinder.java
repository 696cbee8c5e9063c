package io.hal9.metrics.internal;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;
import java.util.function.Function;

/**
 * The base of every HAL9 binder of one named component, in the style of Micrometer's {@code CacheMeterBinder}:
 * it takes the component and the meters' tags ({@code name} = the component's name, plus the user's) from the
 * {@link BinderBuilder}, and the subclass registers the component's own meters in {@link #bindTo}, usually
 * through {@link #meters(MeterRegistry)}. {@link RecordingBinder} adds a listener-fed recorder.
 *
 * <p>Not part of the API (the subclasses are). Thread safety: immutable; may be bound from any thread.
 *
 * @param <C> the component type
 */
public abstract class ComponentBinder<C> implements MeterBinder {
    /** The component whose meters this binds; every meter holds it weakly (see {@link MeterSupport}). */
    protected final C component;

    /** The tags of every meter: {@code name} = the component's name, plus the builder's tags. */
    protected final Tags tags;

    /** The builder's tags alone, for the binders this one binds in turn. */
    protected final Tags userTags;

    /** Takes the component, its name and the user's tags from the builder. */
    protected ComponentBinder(BinderBuilder<? extends C, ?> builder) {
        this.component = builder.component;
        this.userTags = Tags.of(builder.tags);
        this.tags = MeterSupport.instanceTags(builder.name, builder.tags);
    }

    /**
     * The body of every binder's {@code monitor(registry, component, tags)}: builds the component's binder with
     * {@code tags} and binds it.
     *
     * @return {@code component}
     */
    protected static <T> T bindOne(
            MeterRegistry registry,
            T component,
            Function<? super T, ? extends BinderBuilder<?, ?>> builderOf,
            Iterable<Tag> tags) {
        Objects.requireNonNull(registry, "registry");
        builderOf.apply(component).tags(tags).build().bindTo(registry);
        return component;
    }

    /** Starts registering function meters of the component with {@link #tags}. */
    protected final MeterSupport<C> meters(MeterRegistry registry) {
        return new MeterSupport<>(registry, component, tags);
    }
}

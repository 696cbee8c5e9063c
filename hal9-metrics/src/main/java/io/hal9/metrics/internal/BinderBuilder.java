package io.hal9.metrics.internal;

import io.hal9.core.internal.BuilderOptions;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;

/**
 * The base of every HAL9 binder's builder: the component the binder reads, the name its meters carry in
 * their {@code name} tag, and the one option every binder has, {@link #tags(Iterable)}. A binder's own
 * {@code Builder} adds its other options (each one field holding its default, each setter assigning through
 * {@code options.set(...)}) and a {@code build()} that hands the builder to the binder's constructor, which
 * passes it on to {@link ComponentBinder}.
 *
 * <p>Not part of the API (the subclasses are). Thread safety: not thread-safe; use from one thread.
 *
 * @param <C> the component type
 * @param <B> the concrete builder, returned by every setter
 */
public abstract class BinderBuilder<C, B extends BinderBuilder<C, B>> {
    final C component;
    final String name;

    /** Which options were set; messages name the binder as {@code <kind> '<name>'}. */
    protected final BuilderOptions options;

    Iterable<Tag> tags = Tags.empty();

    /**
     * @param component the component, already checked for null by the caller (who names its argument)
     * @param name the component's name: the {@code name} tag of every meter
     * @param kind what the binder is called in messages, e.g. {@code batcher metrics}
     */
    protected BinderBuilder(C component, String name, String kind) {
        this.component = component;
        this.name = name;
        this.options = new BuilderOptions(kind + " '" + name + "'");
    }

    /**
     * Tags added to every meter, e.g. {@code region}; default none. A {@code name} tag is replaced by the
     * component's name (and, on a cache binder, a {@code kind} tag by the cache's kind).
     *
     * @return this builder
     * @throws IllegalStateException if tags were already set
     */
    public final B tags(Iterable<Tag> tags) {
        this.tags = options.set("tags", Tags.of(Objects.requireNonNull(tags, "tags")));
        return self();
    }

    /**
     * Builds the binder; registers nothing until its {@code bindTo}.
     *
     * @return the binder
     */
    public abstract MeterBinder build();

    @SuppressWarnings("unchecked") // B is this class's own type, by the declaration of every subclass
    final B self() {
        return (B) this;
    }
}

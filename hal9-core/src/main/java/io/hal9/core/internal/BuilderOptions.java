package io.hal9.core.internal;

import java.util.HashSet;
import java.util.Set;

/**
 * Which options of one builder have been set: every HAL9 builder keeps one, so that setting an option twice
 * fails the same way everywhere ({@code batcher 'actions': maxBatchSize was already set}) and {@code build()}
 * can ask whether the user chose a value or the field still holds its default. The builder's fields hold
 * their defaults from the start; this records only the fact of a call. Setters validate first and record
 * second ({@link #set}), so a refused value leaves the option unset.
 *
 * <p>Not part of the API. Thread safety: none, like the builders that own it.
 */
public final class BuilderOptions {
    private final String component;
    private final Set<String> set = new HashSet<>(8);

    /** @param component how error messages name the builder's component, e.g. {@code batcher 'actions'} */
    public BuilderOptions(String component) {
        this.component = component;
    }

    /**
     * Records that {@code option} is being set.
     *
     * @throws IllegalStateException naming the component and the option if it was set before
     */
    public void once(String option) {
        if (!set.add(option)) {
            throw new IllegalStateException(component + ": " + option + " was already set");
        }
    }

    /**
     * Records that {@code option} is being set to {@code value} and returns the value, for the one-line setter
     * {@code this.capacity = options.set("capacity", Checks.inRange(...))}: Java evaluates the argument, so
     * the check runs first, and a value it refuses leaves the option unset.
     *
     * @throws IllegalStateException naming the component and the option if it was set before
     */
    public <V> V set(String option, V value) {
        once(option);
        return value;
    }

    /** Whether {@link #once} or {@link #set} has recorded {@code option}. */
    public boolean isSet(String option) {
        return set.contains(option);
    }

    /** The component named in error messages. */
    public String component() {
        return component;
    }
}

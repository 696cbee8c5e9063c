package io.hal9.core;

/**
 * What a non-blocking {@code try…} call of a HAL9 component did with the thing it was offered.
 *
 * <p>{@code try…} calls never throw for "full" or "closed": they answer with one of these values and
 * allocate nothing to do so. Their timed counterparts throw a {@link RejectedException} carrying the
 * same value instead.
 */
public enum Admission {
    /** Taken: it will be done (or handed to the component's documented failure path). */
    ACCEPTED,
    /** Taken into a bounded waiting line: it will be done when capacity frees up. */
    QUEUED,
    /** Refused because the component is at its limit; nothing was taken. The backpressure signal. */
    FULL,
    /** Refused because the component is closed or closing; nothing was taken. */
    CLOSED;

    /** Returns true for {@link #ACCEPTED} and {@link #QUEUED}: the component now owns the work. */
    public boolean isAccepted() {
        return this == ACCEPTED || this == QUEUED;
    }
}

package io.hal9.core;

import java.io.Serial;

/**
 * Thrown by the timed variants ({@code submit(x, timeout)}, {@code send(x, timeout)}) of HAL9
 * components when they could not take the work: the component stayed at its limit for the whole
 * timeout ({@link Admission#FULL}), or it is closed ({@link Admission#CLOSED}).
 *
 * <p>The message names the component and its live state, e.g. {@code channel 'actions': full after
 * waiting 5ms (capacity=1000, size=1000)}. If the wait was interrupted, the thread's interrupt flag is
 * restored before this is thrown and {@link #reason()} is {@link Admission#FULL}.
 *
 * <p>Thread safety: immutable once thrown.
 */
public class RejectedException extends Hal9Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    /** The component's kind and name, as given to the constructor. */
    private final String component;

    /** Why the work was refused: {@link Admission#FULL} or {@link Admission#CLOSED}. */
    private final Admission reason;

    /**
     * Creates the exception.
     *
     * @param component the component's kind and name, e.g. {@code "channel 'actions'"}
     * @param reason {@link Admission#FULL} or {@link Admission#CLOSED}
     * @param message the full message, naming the component and its state
     */
    public RejectedException(String component, Admission reason, String message) {
        super(message);
        if (reason.isAccepted()) {
            throw new IllegalArgumentException("reason must be FULL or CLOSED, was " + reason);
        }
        this.component = component;
        this.reason = reason;
    }

    /** The component's kind and name, e.g. {@code "channel 'actions'"}. */
    public String component() {
        return component;
    }

    /** Why it was refused: {@link Admission#FULL} or {@link Admission#CLOSED}. */
    public Admission reason() {
        return reason;
    }
}

package io.hal9.core;

/**
 * A source of nanosecond time, injected into every HAL9 component that measures time so that tests
 * of linger, expiry and timeouts can advance time themselves instead of sleeping.
 *
 * <p>Only differences between two readings are meaningful, as with {@link System#nanoTime()}.
 *
 * <p>Thread safety: implementations must be safe to read from any thread.
 */
@FunctionalInterface
public interface Ticker {
    /** Returns the current reading in nanoseconds. */
    long read();

    /** The system ticker, backed by {@link System#nanoTime()}; always the same instance. */
    static Ticker system() {
        return SystemTicker.INSTANCE;
    }
}

enum SystemTicker implements Ticker {
    INSTANCE;

    @Override
    public long read() {
        return System.nanoTime();
    }
}

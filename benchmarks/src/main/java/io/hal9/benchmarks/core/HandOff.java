package io.hal9.benchmarks.core;

/**
 * One side of a producer/consumer hand-off under test: producers call {@link #offer}; a consumer the
 * implementation owns takes the elements away in batches and counts them.
 */
interface HandOff extends AutoCloseable {
    /** Offers one element; returns false when full (the benchmark then retries: backpressure). */
    boolean offer(Object element);

    /** Elements the consumer has taken so far. */
    long consumed();

    @Override
    void close();
}

package io.hal9.examples.server;

import java.time.Duration;

/**
 * What this instance knows of its ownership lease: when it was last confirmed current (the start of the last
 * {@link Ownership} tick whose renewal and ownership check both succeeded) and whether no other instance held
 * a current lease then. The game service asks {@link #valid()} before acknowledging a move; {@link Ownership}
 * writes it. Built before both, so neither needs the other to exist first.
 *
 * <p>Invariant: the database's lease ends at its {@code now()} at the renewal plus the lease, which is no
 * earlier than {@code renewedAt + lease} in real time, so {@link #valid()} turns false no later than the other
 * instances see the lease lapse (clocks do not drift apart by much within a lease; monotonic time runs on while
 * a process is stopped).
 *
 * <p>Thread safety: {@link #valid()} from any thread; the writers from {@link Ownership}'s tick thread only
 * (and its {@code acquire} before traffic). Both fields are volatile with that single writer.
 */
final class LeaseState {
    private final long leaseNanos;
    private volatile long renewedAt;
    private volatile boolean alone;

    LeaseState(Duration lease) {
        this.leaseNanos = lease.toNanos();
        this.renewedAt = System.nanoTime() - leaseNanos; // not valid before the first renewal
    }

    /** Whether the lease is current as far as this instance knows. */
    boolean valid() {
        return alone || System.nanoTime() - renewedAt < leaseNanos;
    }

    /** The System.nanoTime() at the start of the last successful renewal. */
    long renewedAt() {
        return renewedAt;
    }

    /**
     * A renewal that started at {@code startNanos} succeeded, and the instance learnt whether it is alone.
     *
     * @param alone whether no other instance held a current lease
     */
    void renewed(long startNanos, boolean alone) {
        this.alone = alone;
        this.renewedAt = startNanos;
    }

    /** A renewal that started at {@code startNanos} succeeded. */
    void renewed(long startNanos) {
        this.renewedAt = startNanos;
    }
}

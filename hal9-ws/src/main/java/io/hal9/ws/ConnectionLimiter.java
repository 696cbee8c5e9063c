package io.hal9.ws;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Counts the connections of one server, in total and per client IP address, against their limits.
 *
 * <p>Design / Concurrency / Invariants: {@code total} is an atomic counter incremented before the per-IP
 * check and undone if either limit refuses, so it may exceed the limit by the number of racing acceptors
 * for an instant, never durably. The per-IP counts live in a concurrent map whose entries are updated with
 * {@code compute} (atomic per key) and removed when they reach zero, so the map holds only IPs with live
 * connections. Every successful {@link #tryAcquire} is matched by exactly one {@link #release} (the caller
 * guarantees it).
 *
 * <p>Not part of the API. Thread safety: safe for concurrent use.
 */
final class ConnectionLimiter {
    static final String GLOBAL = "connection-limit";
    static final String PER_IP = "per-ip-limit";

    private final int max;
    private final int maxPerIp;
    private final AtomicInteger total = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, AtomicInteger> perIp = new ConcurrentHashMap<>();
    private final Runnable onZero;

    ConnectionLimiter(int max, int maxPerIp, Runnable onZero) {
        this.max = max;
        this.maxPerIp = maxPerIp;
        this.onZero = onZero;
    }

    /** Takes a slot for a connection from {@code ip}; returns null if taken, else the refusing limit's reason. */
    @Nullable
    String tryAcquire(InetAddress ip) {
        if (total.incrementAndGet() > max) {
            release0();
            return GLOBAL;
        }
        boolean[] refused = new boolean[1];
        perIp.compute(ip, (k, count) -> {
            if (count == null) {
                return new AtomicInteger(1);
            }
            if (count.get() >= maxPerIp) {
                refused[0] = true;
            } else {
                count.incrementAndGet();
            }
            return count;
        });
        if (refused[0]) {
            release0();
            return PER_IP;
        }
        return null;
    }

    /** Gives back the slot of a connection from {@code ip}. */
    void release(InetAddress ip) {
        perIp.computeIfPresent(ip, (k, count) -> count.decrementAndGet() == 0 ? null : count);
        release0();
    }

    private void release0() {
        if (total.decrementAndGet() == 0) {
            onZero.run();
        }
    }

    int total() {
        return total.get();
    }
}

package io.hal9.pool;

import org.jctools.queues.MpmcArrayQueue;
import org.jspecify.annotations.Nullable;

/**
 * The shared idle set of an {@link ObjectPoolImpl}: a power-of-two number of JCTools {@link
 * MpmcArrayQueue}s (multi-producer, multi-consumer, bounded, lock-free) of equal power-of-two capacity. A
 * thread starts at its home stripe and walks the others only if that one is empty (poll) or full (offer),
 * so threads with different homes rarely write the same queue indexes, and the whole set is exactly
 * bounded by the sum of the stripes' capacities.
 *
 * <p>Not part of the API. Thread safety: all methods may be called from any number of threads; {@link
 * #size()} is a snapshot taken stripe after stripe.
 *
 * @param <E> the element type
 */
final class ObjectPoolStripes<E> {
    /** Fewer entries per stripe than this and striping costs more (empty walks) than it saves. */
    static final int MIN_STRIPE_CAPACITY = 16;

    private final MpmcArrayQueue<E>[] stripes;
    private final int mask;
    private final int capacity;

    /**
     * Creates the stripes.
     *
     * @param capacity the total, a power of two {@code >= 2}
     * @param maxStripes an upper bound of the stripe count, at least 1 (e.g. a multiple of the processor
     *     count); the count is also limited so that each stripe holds at least {@value
     *     #MIN_STRIPE_CAPACITY}
     */
    ObjectPoolStripes(int capacity, int maxStripes) {
        if (capacity < 2 || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two >= 2, was " + capacity);
        }
        int count = Math.max(1, Math.min(ceilPow2(maxStripes), capacity / MIN_STRIPE_CAPACITY));
        // Generic array creation: every element is set below to an MpmcArrayQueue<E>, and the array never
        // escapes this object, so the cast cannot be observed to be wrong.
        @SuppressWarnings("unchecked")
        MpmcArrayQueue<E>[] queues = (MpmcArrayQueue<E>[]) new MpmcArrayQueue<?>[count];
        for (int i = 0; i < count; i++) {
            queues[i] = new MpmcArrayQueue<>(capacity / count); // a power of two >= 2: exact capacity
        }
        this.stripes = queues;
        this.mask = count - 1;
        this.capacity = capacity;
    }

    /** The stripe a thread starts at: its id, mixed, modulo the stripe count. */
    int home(Thread thread) {
        long id = thread.threadId();
        int h = (int) (id ^ (id >>> 32)) * 0x9E3779B9; // Fibonacci hashing spreads sequential ids
        return (h ^ (h >>> 16)) & mask;
    }

    /** Takes an element, starting at stripe {@code home}; null if every stripe was empty when visited. */
    @Nullable
    E poll(int home) {
        for (int i = 0; i <= mask; i++) {
            E e = stripes[(home + i) & mask].poll();
            if (e != null) {
                return e;
            }
        }
        return null;
    }

    /** Adds an element, starting at stripe {@code home}; false if every stripe was full when visited. */
    boolean offer(E e, int home) {
        for (int i = 0; i <= mask; i++) {
            if (stripes[(home + i) & mask].offer(e)) {
                return true;
            }
        }
        return false;
    }

    /** Elements held now, summed stripe after stripe. */
    int size() {
        int size = 0;
        for (MpmcArrayQueue<E> q : stripes) {
            size += q.size();
        }
        return size;
    }

    /** Whether every stripe looked empty. */
    boolean isEmpty() {
        for (MpmcArrayQueue<E> q : stripes) {
            if (!q.isEmpty()) {
                return false;
            }
        }
        return true;
    }

    /** Drops every element present now. */
    void clear() {
        for (MpmcArrayQueue<E> q : stripes) {
            q.clear();
        }
    }

    /** The total capacity. */
    int capacity() {
        return capacity;
    }

    /** The number of stripes. */
    int stripeCount() {
        return mask + 1;
    }

    private static int ceilPow2(int n) {
        return n <= 1 ? 1 : Integer.highestOneBit(n - 1) << 1;
    }
}

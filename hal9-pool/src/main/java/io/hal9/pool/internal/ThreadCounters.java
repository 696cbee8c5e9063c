package io.hal9.pool.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A fixed number of exact event counters whose increments cost no atomic instruction on platform threads:
 * each platform thread counts into its own {@code long[]} (found through a {@link ThreadLocal}, written
 * with opaque stores by that thread only), virtual threads into {@link LongAdder}s, because a thread-local
 * array per virtual thread would multiply with them. On the paths where HAL9 must add next to nothing to
 * a library call (a read through the JDBC router adds about 6 ns to HikariCP's 120 ns borrow + return with
 * a {@code LongAdder}'s CAS, and under 1 ns without it), this is how they count.
 *
 * <p>Threads that end leave nothing behind for long: every thread's array is registered with a weak
 * reference to its thread, and {@link #sum(int)} (and the registration of a new thread) folds the arrays
 * of ended threads into a retired total and drops them.
 *
 * <p>Not part of the API. Thread safety: {@link #increment(int)} from any number of threads; {@link
 * #sum(int)} from any thread, exact once the counting threads have stopped (or have handed their work
 * over through a happens-before edge), otherwise a value that was true a moment ago, per counter.
 */
public final class ThreadCounters {
    private static final VarHandle CELLS = MethodHandles.arrayElementVarHandle(long[].class);

    private final int width;
    private final ThreadLocal<long[]> local;
    private final LongAdder[] virtual;
    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayList<Registered> registry = new ArrayList<>(); // guarded by lock
    private final long[] retired; // guarded by lock

    /**
     * Creates {@code width} counters, all zero.
     *
     * @throws IllegalArgumentException if {@code width} is not positive
     */
    public ThreadCounters(int width) {
        if (width <= 0) {
            throw new IllegalArgumentException("width must be positive, was " + width);
        }
        this.width = width;
        this.local = ThreadLocal.withInitial(this::register);
        this.virtual = new LongAdder[width];
        for (int i = 0; i < width; i++) {
            virtual[i] = new LongAdder();
        }
        this.retired = new long[width];
    }

    /** Adds one to counter {@code index} (0 to width - 1). */
    public void increment(int index) {
        Thread thread = Thread.currentThread();
        if (thread.isVirtual()) {
            virtual[index].increment();
            return;
        }
        long[] cells = local.get();
        // Single writer: its own plain read plus an opaque store (untorn for sum(), never merged away).
        CELLS.setOpaque(cells, index, cells[index] + 1);
    }

    /** The total of counter {@code index} over every thread, ended ones included. */
    public long sum(int index) {
        long sum = virtual[index].sum();
        lock.lock();
        try {
            sweep();
            sum += retired[index];
            for (Registered r : registry) {
                sum += (long) CELLS.getOpaque(r.cells, index);
            }
        } finally {
            lock.unlock();
        }
        return sum;
    }

    /** The number of counters. */
    public int width() {
        return width;
    }

    /** Platform threads whose arrays are still registered (for tests). */
    int registeredThreads() {
        lock.lock();
        try {
            sweep();
            return registry.size();
        } finally {
            lock.unlock();
        }
    }

    private long[] register() {
        long[] cells = new long[width];
        lock.lock();
        try {
            sweep();
            registry.add(new Registered(Thread.currentThread(), cells));
        } finally {
            lock.unlock();
        }
        return cells;
    }

    /** Folds the arrays of ended threads into retired. Holds lock. */
    private void sweep() {
        for (Iterator<Registered> it = registry.iterator(); it.hasNext(); ) {
            Registered r = it.next();
            Thread thread = r.get();
            if (thread == null || !thread.isAlive()) {
                for (int i = 0; i < width; i++) {
                    retired[i] += (long) CELLS.getOpaque(r.cells, i);
                }
                it.remove();
            }
        }
    }

    /** A platform thread's array: weak to the thread, so that registering never keeps a thread alive. */
    private static final class Registered extends WeakReference<Thread> {
        final long[] cells;

        Registered(Thread thread, long[] cells) {
            super(thread);
            this.cells = cells;
        }
    }
}

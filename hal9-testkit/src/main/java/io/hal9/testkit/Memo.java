package io.hal9.testkit;

import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Computes a value once, on first use, and hands the same value to every later caller.
 *
 * <p>Design: double-checked: a volatile read for the fast path, a lock around the computation so
 * that it runs once even when parallel tests ask at the same time (the others wait; a
 * {@link ReentrantLock}, not {@code synchronized}, so virtual threads do not pin while a
 * container starts). Concurrency: {@code value} is written once, under the lock; the volatile
 * write publishes the fully built value to readers that skip the lock. Invariant: once non-null,
 * {@code value} never changes. The supplier must not throw; it reports failures in its value.
 */
final class Memo<T> {

    private final Supplier<T> supplier;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile @Nullable T value;

    Memo(Supplier<T> supplier) {
        this.supplier = Objects.requireNonNull(supplier, "supplier");
    }

    T get() {
        T v = value; // volatile read: sees a fully built value or null
        if (v != null) {
            return v;
        }
        lock.lock();
        try {
            v = value; // plain enough under the lock: writes happen only under it
            if (v == null) {
                v = Objects.requireNonNull(supplier.get(), "memoized value");
                value = v; // volatile write publishes to lock-free readers
            }
            return v;
        } finally {
            lock.unlock();
        }
    }
}

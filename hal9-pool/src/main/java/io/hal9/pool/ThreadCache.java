package io.hal9.pool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * A platform thread's idle slots in an {@link ObjectPoolImpl}, reached through the pool's {@link
 * ThreadLocal} (or a slot's remembered cache): a LIFO stack, last released first claimed (it is the warmest in the
 * CPU cache). Its top is a field of its own, {@code top}, and the rest an array: a thread that claims
 * and releases one object at a time (the common case) touches only that field. Thread safety: owned
 * by one thread; only {@link #size()} may be read by others.
 */
final class ThreadCache<T> {
    private static final VarHandle SIZE;
    private static final VarHandle TOP;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            SIZE = lookup.findVarHandle(ThreadCache.class, "size", int.class);
            TOP = lookup.findVarHandle(ThreadCache.class, "top", ObjectPoolSlot.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * The top of the stack, if any (null while the stack is empty); the rest is in slots. Written by
     * the owner only, through TOP (opaque, for stats()).
     */
    private @Nullable ObjectPoolSlot<T> top;
    /** Whether top may be used: false for a cache of capacity 0. */
    private final boolean hasTop;
    /** Below top, bottom first; capacity - 1 entries (0 for capacity 0). */
    private final @Nullable ObjectPoolSlot<T>[] slots;

    final CacheCounters counters;
    final int home;
    /** The thread this cache belongs to (null for closedCache, which belongs to no thread). */
    final @Nullable Thread owner;
    /** Written by the owner only (opaque, for stats()); accessed through SIZE for writes. */
    private int size;

    ThreadCache(int capacity, CacheCounters counters, int home, @Nullable Thread owner) {
        // Generic array creation: only ObjectPoolSlot<T>s are stored, and the array never leaves this object.
        @SuppressWarnings("unchecked")
        @Nullable
        ObjectPoolSlot<T>[] array = (@Nullable ObjectPoolSlot<T>[]) new ObjectPoolSlot<?>[Math.max(0, capacity - 1)];
        this.slots = array;
        this.hasTop = capacity > 0;
        this.counters = counters;
        this.home = home;
        this.owner = owner;
    }

    /** Takes the top; null if empty. Invariant: top == null implies the array is empty. */
    @Nullable
    ObjectPoolSlot<T> pop() {
        ObjectPoolSlot<T> slot = top;
        if (slot == null) {
            return null;
        }
        int n = size - 1;
        if (n < 0) {
            // Opaque: see size(). Cleared: a claimed slot must not stay reachable from here (leaks, GC).
            TOP.setOpaque(this, null);
        } else {
            TOP.setOpaque(this, slots[n]); // the array's last entry becomes the top
            slots[n] = null;
            SIZE.setOpaque(this, n); // opaque: untorn for stats(); no ordering needed
        }
        return slot;
    }

    /** Puts a slot on top; false (and nothing changed) if full. */
    boolean push(ObjectPoolSlot<T> slot) {
        ObjectPoolSlot<T> below = top;
        if (below == null) {
            if (!hasTop) {
                return false;
            }
        } else {
            int n = size;
            if (n == slots.length) {
                return false;
            }
            slots[n] = below;
            SIZE.setOpaque(this, n + 1); // opaque: see pop()
        }
        TOP.setOpaque(this, slot); // opaque: see size()
        return true;
    }

    void clear() {
        Arrays.fill(slots, 0, size, null);
        SIZE.setOpaque(this, 0); // opaque: see pop()
        TOP.setOpaque(this, null); // opaque: see size()
    }

    /**
     * Slots held (racy when read by another thread than the owner: the two fields are read one after
     * the other, each opaquely, so untorn, and the sum never exceeds the capacity).
     */
    int size() {
        int n = (int) SIZE.getOpaque(this);
        return TOP.getOpaque(this) == null ? n : n + 1;
    }

    /** Registry entry: weak to a cache (dies with its thread), strong to its counters and grant. */
    static final class Ref extends WeakReference<ThreadCache<?>> {
        final CacheCounters counters;
        final int grant;

        Ref(ThreadCache<?> cache, ReferenceQueue<ThreadCache<?>> queue, CacheCounters counters, int grant) {
            super(cache, queue);
            this.counters = counters;
            this.grant = grant;
        }
    }
}

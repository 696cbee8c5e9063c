package io.hal9.jcstress.pool;

import io.hal9.pool.ObjectPool;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The pooled object of the pool tests: a number given by its state's factory (1, 2, ... in creation order)
 * and plain fields that only the pool's hand-off orders.
 *
 * <p>Thread safety: none of its own, on purpose: a lease's owner uses it alone, and the pool's release and
 * claim must carry its writes to the next owner.
 */
final class Item {
    /** Which object this is, unique within one state's pool. */
    final int id;
    /** Written by an owner before release; the reset leaves it alone. */
    int stamp;
    /** Set by an owner; the reset clears it. */
    int dirty;
    /** How many times the reset ran on this object. */
    int resets;

    private Item(int id) {
        this.id = id;
    }

    /** The reset hook: clears {@link #dirty} and counts itself. */
    void reset() {
        dirty = 0;
        resets++;
    }

    /**
     * A new pool of items numbered from 1, with {@link #reset()} as its reset hook.
     *
     * @param threadLocalCapacity 0 for the shared queue only, else the per-thread cache size
     */
    static ObjectPool<Item> pool(String name, int maxIdle, int threadLocalCapacity) {
        AtomicInteger ids = new AtomicInteger();
        return ObjectPool.<Item>builder(name, () -> new Item(ids.incrementAndGet()))
                .reset(Item::reset)
                .maxIdle(maxIdle)
                .threadLocalCapacity(threadLocalCapacity)
                .build();
    }
}

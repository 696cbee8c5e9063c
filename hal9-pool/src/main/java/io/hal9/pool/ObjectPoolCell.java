package io.hal9.pool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.jspecify.annotations.Nullable;

/**
 * One home for one object of an {@link ObjectPoolImpl}, used by virtual threads instead of a per-thread cache: a virtual thread
 * claims the object resident in the cell its id hashes to with a CAS of the object's state, and the
 * object stays there while on loan, so its release is a plain state store. The counters are written
 * only by whoever holds the resident object, so they need no atomic instruction either. A slot enters
 * a cell once (CAS from null, by a releasing virtual thread) and leaves it only as DEAD.
 *
 * <p>Thread safety: slot by CAS and acquire/release accesses; counters single-writer as described.
 */
final class ObjectPoolCell<T> extends ObjectPoolCellFields<T> {
    private static final VarHandle SLOT;
    private static final VarHandle HITS;
    private static final VarHandle RELEASES;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            SLOT = lookup.findVarHandle(ObjectPoolCellFields.class, "slot", ObjectPoolSlot.class);
            HITS = lookup.findVarHandle(ObjectPoolCellFields.class, "hits", long.class);
            RELEASES = lookup.findVarHandle(ObjectPoolCellFields.class, "releases", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    long p10, p11, p12, p13, p14, p15, p16, p17;

    /** The resident slot; acquire, so that its installation (and its reset) is seen. */
    @SuppressWarnings("unchecked") // SLOT only ever holds this cell's ObjectPoolSlot<T>
    @Nullable
    ObjectPoolSlot<T> slot() {
        return (ObjectPoolSlot<T>) SLOT.getAcquire(this);
    }

    boolean install(ObjectPoolSlot<T> s) {
        return SLOT.compareAndSet(this, null, s);
    }

    void vacate() {
        SLOT.setRelease(this, null);
    }

    void hit() {
        HITS.setOpaque(this, hits + 1);
    }

    void release() {
        RELEASES.setOpaque(this, releases + 1);
    }

    long hits() {
        return (long) HITS.getOpaque(this);
    }

    long releases() {
        return (long) RELEASES.getOpaque(this);
    }
}

/** Padding before a cell's fields, so that two cells never share a cache line. */
abstract class ObjectPoolCellPad0 {
    long p00, p01, p02, p03, p04, p05, p06, p07;
}

/** A cell's fields (see {@link ObjectPoolCell}). */
abstract class ObjectPoolCellFields<T> extends ObjectPoolCellPad0 {
    /** The resident slot, or null. Accessed through SLOT only. */
    @Nullable
    ObjectPoolSlot<T> slot;
    /** Written by the owner of the resident slot only (through HITS / RELEASES, opaque). */
    long hits;

    long releases;
}

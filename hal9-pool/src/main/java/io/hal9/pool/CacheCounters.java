package io.hal9.pool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The claim, miss and release counters of one {@link ThreadCache} of an {@link ObjectPoolImpl}, kept apart from the cache so that they outlive its thread (the registry holds
 * them strongly). Thread safety: one writer, the cache's owner; opaque reads from stats().
 */
final class CacheCounters {
    private static final VarHandle HITS;
    private static final VarHandle MISSES;
    private static final VarHandle RELEASES;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            HITS = lookup.findVarHandle(CacheCounters.class, "hits", long.class);
            MISSES = lookup.findVarHandle(CacheCounters.class, "misses", long.class);
            RELEASES = lookup.findVarHandle(CacheCounters.class, "releases", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private long hits;
    private long misses;
    private long releases;

    // Single writer: a plain read of its own last store plus an opaque store (untorn for readers, and
    // not merged away by the compiler) is a complete increment without any atomic instruction.
    void hit() {
        HITS.setOpaque(this, hits + 1);
    }

    void miss() {
        MISSES.setOpaque(this, misses + 1);
    }

    void release() {
        RELEASES.setOpaque(this, releases + 1);
    }

    long hits() {
        return (long) HITS.getOpaque(this);
    }

    long misses() {
        return (long) MISSES.getOpaque(this);
    }

    long releases() {
        return (long) RELEASES.getOpaque(this);
    }
}

package io.hal9.cache.near;

import io.hal9.cache.CacheStats;

/**
 * A snapshot of a {@link NearCache}'s counters.
 *
 * <p>Thread safety: immutable.
 *
 * @param l1Hits lookups answered by the local level
 * @param l2Hits lookups answered by Redis (the local level missed)
 * @param misses lookups that found no value at either level (a caller that waited for another caller's
 *     fetch of the same key is counted in none of {@code l1Hits}, {@code l2Hits}, {@code misses})
 * @param loads loads that completed with a value or with "no value"
 * @param loadFailures loads that threw
 * @param totalLoadNanos time spent in loads, successful or not
 * @param puts values written by {@code put}/{@code putAll}
 * @param invalidations explicit removals made on this instance
 * @param invalidationsSent invalidation messages Redis accepted from this instance
 * @param publishFailures invalidation messages that could not be published (Redis down or slow); the
 *     other instances detect the loss by the sequence gap on the next message that reaches them
 * @param invalidationsReceived invalidation messages received from other instances
 * @param invalidationsMissed messages from other instances detected as lost by a sequence gap (each gap
 *     clears the local level)
 * @param resyncs times the local level was cleared because a connection came back, the subscription was
 *     re-established or a gap was detected
 * @param pubSubConnected whether the invalidation subscription is up at the time of the snapshot (while
 *     it is down the local level is not filled, see {@link NearCache})
 * @param l1Size entries in the local level (approximate)
 */
public record NearCacheStats(
        long l1Hits,
        long l2Hits,
        long misses,
        long loads,
        long loadFailures,
        long totalLoadNanos,
        long puts,
        long invalidations,
        long invalidationsSent,
        long publishFailures,
        long invalidationsReceived,
        long invalidationsMissed,
        long resyncs,
        boolean pubSubConnected,
        long l1Size) {

    /** The common figures: hits at either level; evictions are not tracked (0). */
    public CacheStats toCacheStats() {
        return new CacheStats(
                l1Hits + l2Hits, misses, loads, loadFailures, totalLoadNanos, 0, puts, invalidations, l1Size);
    }
}

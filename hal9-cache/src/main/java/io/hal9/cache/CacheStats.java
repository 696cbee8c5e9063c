package io.hal9.cache;

/**
 * A snapshot of a cache's counters, common to every kind. Remote and near caches report more through
 * their own stats (Redis errors, circuit-breaker state, per-level hits, invalidations).
 *
 * @param hits lookups that found a value (at any level)
 * @param misses lookups that found none
 * @param loads loads that completed with a value or with "no value"
 * @param loadFailures loads that threw
 * @param totalLoadNanos time spent in loads, successful or not
 * @param evictions entries removed by the cache's own policy (size, weight, expiry)
 * @param puts values written by {@code put}/{@code putAll} (loads not included)
 * @param invalidations explicit removals
 * @param size entries held now (approximate; {@code -1} if the kind cannot tell cheaply)
 */
public record CacheStats(
        long hits,
        long misses,
        long loads,
        long loadFailures,
        long totalLoadNanos,
        long evictions,
        long puts,
        long invalidations,
        long size) {

    /** {@code hits / (hits + misses)}, or 1 when there were no lookups. */
    public double hitRate() {
        long lookups = hits + misses;
        return lookups == 0 ? 1.0 : (double) hits / lookups;
    }
}

package io.hal9.cache.redis;

import io.hal9.cache.CacheStats;

/**
 * A snapshot of a {@link RedisCache}'s counters: the common {@link CacheStats} figures plus what is
 * particular to a remote cache.
 *
 * <p>Thread safety: immutable.
 *
 * @param hits lookups that found a decodable value in Redis
 * @param misses lookups that found none (absent, evicted, expired, corrupt, or Redis unavailable)
 * @param loads loads that completed with a value or with "no value"
 * @param loadFailures loads that threw
 * @param totalLoadNanos time spent in loads, successful or not
 * @param puts entries written to Redis by {@code put}/{@code putAll} (load write-backs not included)
 * @param invalidations keys removed explicitly (for {@code invalidateAll()}: keys Redis reported removed)
 * @param errors commands that failed (error reply, connection down), timeouts excluded
 * @param timeouts commands that got no answer within the command timeout
 * @param corruptEntries values found in Redis that the codec could not decode
 * @param failedWrites entries whose write or removal failed, timed out or was skipped by the open breaker
 * @param skippedByBreaker commands not sent because the breaker was open
 * @param breakerState the breaker's state at the time of the snapshot
 * @param breakerOpened how many times the breaker has opened
 */
public record RedisCacheStats(
        long hits,
        long misses,
        long loads,
        long loadFailures,
        long totalLoadNanos,
        long puts,
        long invalidations,
        long errors,
        long timeouts,
        long corruptEntries,
        long failedWrites,
        long skippedByBreaker,
        BreakerState breakerState,
        long breakerOpened) {

    /** The common figures; Redis evicts on its own, so evictions are 0 and size is -1 (unknown). */
    public CacheStats toCacheStats() {
        return new CacheStats(hits, misses, loads, loadFailures, totalLoadNanos, 0, puts, invalidations, -1);
    }
}

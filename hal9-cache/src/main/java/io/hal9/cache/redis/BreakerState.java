package io.hal9.cache.redis;

/**
 * The state of a {@link RedisCache}'s circuit breaker.
 *
 * <p>Thread safety: an enum.
 */
public enum BreakerState {
    /** Redis answers; every command is sent. */
    CLOSED,
    /**
     * Redis failed or timed out too many times in a row: commands are not sent for the open interval;
     * reads answer as misses (or run the loader) and writes are counted as failed.
     */
    OPEN,
    /** The open interval is over: one probe command is in flight; the others still skip Redis. */
    HALF_OPEN
}

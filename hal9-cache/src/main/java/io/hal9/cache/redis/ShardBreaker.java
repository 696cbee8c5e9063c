package io.hal9.cache.redis;

/**
 * The circuit breaker of one shard of a {@link RedisCache}: on a Redis Cluster one per master (named
 * {@code host:port}), plus {@code "scan"} for {@code invalidateAll()}; elsewhere one, named {@code
 * "single"}.
 *
 * <p>Thread safety: immutable.
 *
 * @param shard the shard's name
 * @param state the breaker's state at the time of the snapshot
 * @param opened how many times it has opened
 */
public record ShardBreaker(String shard, BreakerState state, long opened) {}

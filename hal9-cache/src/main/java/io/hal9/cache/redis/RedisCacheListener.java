package io.hal9.cache.redis;

/**
 * Receives what goes wrong in a {@link RedisCache}, e.g. to count errors and show the breaker in a
 * metrics registry ({@code hal9-metrics}). Every method has a no-op default.
 *
 * <p>Calls are made on the thread that saw the event: a caller's thread, or a Lettuce I/O thread for the
 * asynchronous view. Keep them short and non-blocking. An exception thrown by a listener is caught and
 * logged at WARN; it never breaks the cache.
 *
 * <p>Thread safety: implementations must be safe to call from many threads at once.
 */
public interface RedisCacheListener {

    /**
     * A Redis command failed, timed out ({@link java.util.concurrent.TimeoutException}) or was refused
     * because the connection is down. Reads that fail answer as misses; writes that fail are not retried.
     *
     * @param operation the command, e.g. {@code "GET"}, {@code "SET"}, {@code "MGET"}
     * @param write whether the command was a write (SET, UNLINK): the write is lost
     * @param cause what Lettuce reported
     */
    default void onError(String operation, boolean write, Throwable cause) {}

    /**
     * The breaker changed state.
     *
     * @param from the previous state
     * @param to the new state
     */
    default void onBreakerStateChange(BreakerState from, BreakerState to) {}

    /**
     * The breaker of one shard changed state (on a Redis Cluster there is one per master, see {@link
     * RedisCache}). The default calls {@link #onBreakerStateChange}.
     *
     * @param shard the shard's name ({@code host:port} of its master, {@code "scan"}, or {@code "single"})
     * @param from the previous state
     * @param to the new state
     */
    default void onShardBreakerStateChange(String shard, BreakerState from, BreakerState to) {
        onBreakerStateChange(from, to);
    }

    /**
     * A value in Redis could not be decoded; it was answered as a miss and is being deleted.
     *
     * @param redisKey the full Redis key
     * @param cause the codec's exception
     */
    default void onCorruptEntry(String redisKey, Throwable cause) {}

    /**
     * The cache's data connection (built with {@link RedisCache.Builder#uri} or {@link
     * RedisCache.Builder#redis}; on a cluster: any node connection of the client) was lost; commands fail
     * at once until it is back. Not called for a Lettuce connection handed to {@link
     * RedisCache.Builder#connection}: its owner watches it. Called on a Lettuce I/O thread.
     */
    default void onDisconnected() {}

    /**
     * The cache's own connection is back after a loss. Anything written meanwhile by others was missed:
     * a near cache in front of this one must resynchronise its local level before serving from it. Not
     * called for the first connection, nor for a connection handed to {@link RedisCache.Builder#connection}.
     * Called on a Lettuce I/O thread.
     */
    default void onReconnected() {}
}

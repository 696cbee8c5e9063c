package io.hal9.cache;

import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Told what a {@link LocalCache} lets go of on its own (evictions) and which loads failed. Hits, puts and
 * successful loads are not reported: that path stays free of callbacks (read {@link Cache#stats()}).
 * Every method has a no-op default, so implement only what you need.
 *
 * <p>Thread safety: called on the thread that caused the event (an eviction runs on the thread doing the
 * cache's maintenance, a failed refresh on the cache's executor), so from many threads at once;
 * implementations must be thread-safe and fast, and must not call back into the cache. An exception
 * thrown by a listener is caught and logged; it never breaks the cache.
 *
 * @param <K> key type
 * @param <V> value type
 */
public interface LocalCacheListener<K, V> {
    /**
     * An entry was removed by the cache's own policy (not by {@code invalidate}).
     *
     * @param cache the cache's name
     * @param key the entry's key
     * @param value the entry's value
     * @param reason why it was removed
     */
    default void onEviction(String cache, K key, V value, EvictionReason reason) {}

    /**
     * A load (a miss, a bulk load of {@code getAll}, or a refresh) threw. For a miss the caller got the
     * exception too; for a refresh the old value stays cached until it expires.
     *
     * @param cache the cache's name
     * @param keys the keys being loaded (one key for a single load)
     * @param error what the loader threw
     */
    default void onLoadFailure(String cache, Set<? extends K> keys, Throwable error) {}

    /**
     * Why an entry was evicted.
     *
     * <p>Thread safety: immutable.
     */
    enum EvictionReason {
        /** The cache was over its maximum size or weight and W-TinyLFU chose this entry. */
        SIZE,
        /** The entry's time to live (after write, after access, or its own) had passed. */
        EXPIRED;

        static @Nullable EvictionReason of(com.github.benmanes.caffeine.cache.RemovalCause cause) {
            return switch (cause) {
                case SIZE -> SIZE;
                case EXPIRED -> EXPIRED;
                default -> null;
            };
        }
    }
}

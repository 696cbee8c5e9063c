package io.hal9.cache;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Computes values a {@link Cache} does not hold: from the database, a remote service, a file.
 *
 * <p>Implement {@link #load}; override {@link #loadAll} when the source can answer many keys in one
 * call (one SQL {@code IN} query instead of N): the cache then coalesces the misses of a bulk {@link
 * Cache#getAll} into one call, and refreshes of many keys into few calls.
 *
 * <p>Thread safety: called concurrently for different keys; the cache never loads the same key twice
 * at the same time on one instance.
 *
 * @param <K> key type
 * @param <V> value type
 */
@FunctionalInterface
public interface CacheLoader<K, V> {
    /**
     * Loads the value for {@code key}.
     *
     * @return the value, or {@code null} if there is none (nothing is cached)
     * @throws Exception when the source fails; the caller gets it (wrapped in {@link CacheException} if
     *     checked) and nothing is cached
     */
    @Nullable
    V load(K key) throws Exception;

    /**
     * Loads the values for {@code keys} in one call. The default calls {@link #load} per key. Keys
     * absent from the returned map have no value.
     *
     * @throws Exception when the source fails, as for {@link #load}; nothing of the call is cached
     */
    default Map<K, V> loadAll(Set<? extends K> keys) throws Exception {
        Map<K, V> out = new HashMap<>();
        for (K key : keys) {
            V value = load(key);
            if (value != null) {
                out.put(key, value);
            }
        }
        return out;
    }
}

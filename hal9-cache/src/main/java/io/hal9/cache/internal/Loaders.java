package io.hal9.cache.internal;

import io.hal9.cache.CacheException;
import io.hal9.cache.CacheLoader;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * How the remote cache kinds call a {@link CacheLoader}: refuse a loader-less {@code get(key)} clearly,
 * pass unchecked loader exceptions through, and wrap checked ones in a {@link CacheException} naming the
 * cache and key.
 *
 * <p>Not part of the API. Thread safety: stateless.
 */
public final class Loaders {
    private Loaders() {}

    /** The configured loader, or an {@link IllegalStateException} saying the cache was built without one. */
    public static <K, V> CacheLoader<K, V> require(String component, @Nullable CacheLoader<K, V> loader) {
        if (loader == null) {
            throw new IllegalStateException(component + ": built without a loader; use get(key, loader)");
        }
        return loader;
    }

    /** Loads {@code key}; a checked exception becomes a {@link CacheException} (interrupts are restored). */
    public static <K, V> @Nullable V load(String component, CacheLoader<K, V> loader, K key) {
        try {
            return loader.load(key);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new CacheException(component + ": loader failed for key '" + key + "': " + e, e);
        }
    }

    /**
     * The configured loader as the function {@code get(key, loader)} takes (checked exceptions wrapped as by
     * {@link #load}), or an {@link IllegalStateException} saying the cache was built without one.
     */
    public static <K, V> Function<K, @Nullable V> required(String component, @Nullable CacheLoader<K, V> loader) {
        CacheLoader<K, V> l = require(component, loader);
        return k -> load(component, l, k);
    }
}

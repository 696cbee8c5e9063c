package io.hal9.cache.near;

import io.hal9.cache.Cache.AsyncCache;
import io.hal9.cache.CacheLoader;
import io.hal9.cache.internal.Loaders;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The asynchronous operations of a {@link NearCacheImpl} (see {@link AsyncCache}): an L1 hit completes at
 * once on the caller's thread; everything else runs the synchronous operation on the cache's executor (so
 * coherence stays in one place, {@link NearCacheImpl}).
 *
 * <p>Thread safety: stateless besides the cache it serves; any thread.
 *
 * @param <K> key type
 * @param <V> value type
 */
final class NearCacheAsync<K, V> implements AsyncCache<K, V> {
    private final NearCacheImpl<K, V> c;

    NearCacheAsync(NearCacheImpl<K, V> cache) {
        this.c = cache;
    }

    private <T> CompletableFuture<T> run(Supplier<T> s) {
        return CompletableFuture.supplyAsync(s, c.executor);
    }

    @Override
    public CompletableFuture<@Nullable V> getIfPresent(K key) {
        V v = c.l1.getIfPresent(c.encode(key));
        if (v != null) {
            c.l1Hits.increment();
            return CompletableFuture.completedFuture(v);
        }
        return run(() -> c.getIfPresent(key));
    }

    @Override
    public CompletableFuture<@Nullable V> get(K key) {
        CacheLoader<K, V> l = Loaders.require(c.component, c.loader);
        return get(key, k -> CompletableFuture.completedFuture(Loaders.load(c.component, l, k)));
    }

    @Override
    public CompletableFuture<@Nullable V> get(
            K key, Function<? super K, ? extends CompletableFuture<? extends @Nullable V>> fn) {
        Objects.requireNonNull(fn, "loader");
        V v = c.l1.getIfPresent(c.encode(key));
        if (v != null) {
            c.l1Hits.increment();
            return CompletableFuture.completedFuture(v);
        }
        return run(() -> c.get(key, k -> {
            CompletableFuture<? extends @Nullable V> f = fn.apply(k);
            return f.join();
        }));
    }

    @Override
    public CompletableFuture<Map<K, V>> getAll(Iterable<? extends K> keys) {
        return run(() -> c.getAll(keys));
    }

    @Override
    public CompletableFuture<Void> put(K key, V value) {
        return run(() -> {
            c.put(key, value);
            return null;
        });
    }

    @Override
    public CompletableFuture<Void> put(K key, V value, Duration ttl) {
        return run(() -> {
            c.put(key, value, ttl);
            return null;
        });
    }

    @Override
    public CompletableFuture<Void> invalidate(K key) {
        return run(() -> {
            c.invalidate(key);
            return null;
        });
    }
}

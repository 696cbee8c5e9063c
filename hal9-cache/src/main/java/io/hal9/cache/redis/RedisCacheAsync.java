package io.hal9.cache.redis;

import io.hal9.cache.Cache.AsyncCache;
import io.hal9.cache.CacheLoader;
import io.hal9.cache.internal.Loaders;
import io.lettuce.core.SetArgs;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The asynchronous operations of a {@link RedisCacheImpl} (see {@link AsyncCache}): single-key commands
 * through {@link RedisCalls#callAsync} (no thread waits for Redis), coalesced loads through the cache's
 * {@code Coalescer}, bulk reads on the cache's executor. It counts in the cache's counters, so the
 * synchronous and asynchronous operations report as one cache.
 *
 * <p>Thread safety: stateless besides the cache it serves; any thread.
 *
 * @param <K> key type
 * @param <V> value type
 */
final class RedisCacheAsync<K, V> implements AsyncCache<K, V> {
    private final RedisCacheImpl<K, V> c;

    RedisCacheAsync(RedisCacheImpl<K, V> cache) {
        this.c = cache;
    }

    @Override
    public CompletableFuture<@Nullable V> getIfPresent(K key) {
        String rk;
        try {
            c.ensureOpen();
            rk = c.redisKey(key);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return c.calls
                .callAsync("GET", false, c.calls.breakerFor(rk), () -> c.commands.get(rk))
                .handle((bytes, err) -> {
                    if (err != null) {
                        c.misses.increment();
                        return null;
                    }
                    return c.decodeCounted(rk, bytes);
                });
    }

    @Override
    public CompletableFuture<@Nullable V> get(K key) {
        CacheLoader<K, V> l;
        try {
            l = Loaders.require(c.component, c.loader);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return get(key, k -> CompletableFuture.supplyAsync(() -> Loaders.load(c.component, l, k), c.executor));
    }

    @Override
    public CompletableFuture<@Nullable V> get(
            K key, Function<? super K, ? extends CompletableFuture<? extends @Nullable V>> loader) {
        Objects.requireNonNull(loader, "loader");
        return getIfPresent(key).thenCompose(present -> {
            if (present != null) {
                return CompletableFuture.completedFuture(present);
            }
            return c.loads.get(key, k -> loadAsync(k, loader)).thenApply(o -> o.orElse(null));
        });
    }

    private CompletableFuture<Optional<V>> loadAsync(
            K key, Function<? super K, ? extends CompletableFuture<? extends @Nullable V>> fn) {
        long start = c.loadStats.start();
        CompletableFuture<? extends @Nullable V> stage;
        try {
            stage = Objects.requireNonNull(fn.apply(key), "the loader returned a null future");
        } catch (RuntimeException e) {
            c.loadStats.failed(start);
            return CompletableFuture.failedFuture(e);
        }
        return stage.handle((v, err) -> {
                    if (err != null) {
                        c.loadStats.failed(start);
                        throw err instanceof CompletionException ce ? ce : new CompletionException(err);
                    }
                    c.loadStats.succeeded(start);
                    return Optional.<V>ofNullable(v);
                })
                .thenCompose(o -> {
                    if (o.isEmpty()) {
                        return CompletableFuture.completedFuture(o);
                    }
                    String rk = c.redisKey(key);
                    byte[] bytes = c.encode(key, o.get());
                    return c.calls
                            .callAsync(
                                    "SET",
                                    true,
                                    c.calls.breakerFor(rk),
                                    () -> c.commands.set(rk, bytes, SetArgs.Builder.px(c.defaultTtlMillis)))
                            .handle((ok, err) -> {
                                if (err != null) {
                                    c.failedWrites.increment();
                                } else {
                                    c.wroteBack(rk);
                                }
                                return o;
                            });
                });
    }

    @Override
    public CompletableFuture<Map<K, V>> getAll(Iterable<? extends K> keys) {
        Objects.requireNonNull(keys, "keys");
        return CompletableFuture.supplyAsync(() -> c.getAll(keys), c.executor);
    }

    @Override
    public CompletableFuture<Void> put(K key, V value) {
        return putAsync(key, value, c.defaultTtlMillis);
    }

    @Override
    public CompletableFuture<Void> put(K key, V value, Duration ttl) {
        long millis;
        try {
            millis = c.ttlMillis(ttl);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return putAsync(key, value, millis);
    }

    private CompletableFuture<Void> putAsync(K key, V value, long ttlMillis) {
        String rk;
        byte[] bytes;
        try {
            Objects.requireNonNull(value, "value");
            c.ensureOpen();
            rk = c.redisKey(key);
            bytes = c.encode(key, value);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return c.calls
                .callAsync(
                        "SET",
                        true,
                        c.calls.breakerFor(rk),
                        () -> c.commands.set(rk, bytes, SetArgs.Builder.px(ttlMillis)))
                .handle((ok, err) -> {
                    (err == null ? c.puts : c.failedWrites).increment();
                    return null;
                });
    }

    @Override
    public CompletableFuture<Void> invalidate(K key) {
        CompletableFuture<Long> sent;
        try {
            c.ensureOpen();
            String rk = c.redisKey(key);
            sent = c.calls.callAsync("UNLINK", true, c.calls.breakerFor(rk), () -> c.commands.unlink(rk));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return sent.handle((n, err) -> {
            (err == null ? c.invalidations : c.failedWrites).increment();
            return null;
        });
    }
}

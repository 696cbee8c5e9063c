package io.hal9.cache;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A cache of game data: one interface for the local caches (TTL and size-bounded, on Caffeine), the
 * Redis cache shared by every instance, and the two-level near cache.
 *
 * <p><b>Loading.</b> {@link #get(Object, Function)} computes a missing value once per key however many
 * callers miss it at the same moment (on one instance); the others wait for that load and share its
 * result or its exception. A loader that returns {@code null} means "no value": nothing is cached and
 * the caller gets {@code null}. Loader exceptions reach the callers unchanged if unchecked, wrapped in
 * a {@link CacheException} otherwise.
 *
 * <p><b>Limits.</b> Every cache is bounded (entries or weight, and time); what happens when the limit is
 * reached (eviction policy, Redis eviction) is documented by each kind. An entry may disappear at any
 * moment; that is a miss, never an error.
 *
 * <p><b>Failures.</b> A value that cannot be encoded fails the write with a {@link CacheException}
 * naming the cache and key. A remote cache that is down or slow answers reads as misses and reports
 * failed writes through its stats and listener; it never throws a storm of exceptions into the game
 * loop (see each kind).
 *
 * <p>Thread safety: all methods may be called from any thread.
 *
 * @param <K> key type; keys must implement {@code equals}/{@code hashCode} (and be encodable for
 *     remote caches)
 * @param <V> value type
 */
public interface Cache<K, V> extends AutoCloseable {

    /** The cache's name, used in messages, logs, metric tags and (for remote caches) key prefixes. */
    String name();

    /** The value cached for {@code key}, or {@code null} if there is none. Never loads. */
    @Nullable
    V getIfPresent(K key);

    /**
     * The value for {@code key}, loading it with the cache's configured {@link CacheLoader} on a miss.
     *
     * @throws IllegalStateException if the cache was built without a loader
     */
    @Nullable
    V get(K key);

    /** The value for {@code key}, computing it with {@code loader} on a miss (once per key at a time). */
    @Nullable
    V get(K key, Function<? super K, ? extends @Nullable V> loader);

    /**
     * The values for {@code keys}: present ones from the cache, the missing ones loaded in ONE call of
     * the configured loader's {@link CacheLoader#loadAll}. Keys without a value are absent from the map.
     *
     * @throws IllegalStateException if the cache was built without a loader
     */
    Map<K, V> getAll(Iterable<? extends K> keys);

    /** The values cached for {@code keys}, without loading; keys without a value are absent. */
    Map<K, V> getAllPresent(Iterable<? extends K> keys);

    /** Caches {@code value} under {@code key} with the cache's default time to live. */
    void put(K key, V value);

    /**
     * Caches {@code value} under {@code key} for {@code ttl}, overriding the default time to live for this
     * entry.
     *
     * @throws IllegalArgumentException if {@code ttl} is not positive
     */
    void put(K key, V value, Duration ttl);

    /** Caches every entry of {@code entries} (for remote caches: in one round trip where possible). */
    void putAll(Map<? extends K, ? extends V> entries);

    /** Removes the value for {@code key}, if any. */
    void invalidate(K key);

    /** Removes the values for {@code keys}. */
    void invalidateAll(Iterable<? extends K> keys);

    /** Removes every value of this cache (for remote caches: every key under its prefix). */
    void invalidateAll();

    /** A snapshot of the cache's counters. */
    CacheStats stats();

    /** The asynchronous view of this cache: the same operations, answering with futures. */
    AsyncCache<K, V> async();

    /** Releases what the cache holds (timers, subscriptions, its share of a connection). Idempotent. */
    @Override
    void close();

    /**
     * The asynchronous operations of a {@link Cache}. Local caches complete at once (or when the load
     * completes); remote caches complete when Redis answers. Futures fail with the same exceptions the
     * synchronous calls throw.
     *
     * <p>Thread safety: all methods may be called from any thread. Dependent stages may run on the
     * thread that completes the future (a Redis I/O thread): do not block in them.
     *
     * @param <K> key type
     * @param <V> value type
     */
    interface AsyncCache<K, V> {
        /** See {@link Cache#getIfPresent}. */
        CompletableFuture<@Nullable V> getIfPresent(K key);

        /** See {@link Cache#get(Object)}. */
        CompletableFuture<@Nullable V> get(K key);

        /** See {@link Cache#get(Object, Function)}; the loader itself may be asynchronous. */
        CompletableFuture<@Nullable V> get(
                K key, Function<? super K, ? extends CompletableFuture<? extends @Nullable V>> loader);

        /** See {@link Cache#getAll}. */
        CompletableFuture<Map<K, V>> getAll(Iterable<? extends K> keys);

        /** See {@link Cache#put(Object, Object)}. */
        CompletableFuture<Void> put(K key, V value);

        /** See {@link Cache#put(Object, Object, Duration)}. */
        CompletableFuture<Void> put(K key, V value, Duration ttl);

        /** See {@link Cache#invalidate}. */
        CompletableFuture<Void> invalidate(K key);
    }
}

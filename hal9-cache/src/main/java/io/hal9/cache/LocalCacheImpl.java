package io.hal9.cache;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.LoadingCache;
import com.github.benmanes.caffeine.cache.Policy;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.hal9.cache.internal.CaffeineTicker;
import io.hal9.core.Coalescer;
import io.hal9.core.Ticker;
import io.hal9.core.internal.Checks;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link LocalCache} built by {@link LocalCache.Builder#build()}: a thin layer over one Caffeine
 * cache that adds HAL9's counters, messages, per-entry TTL, coalesced refreshes and the closed state.
 *
 * <p>Design: Caffeine always runs with a variable {@link Expiry} ({@link TtlExpiry}) so that {@link
 * #put(Object, Object, Duration)} can give one entry its own time to live; the builder's {@code
 * expireAfterWrite} / {@code expireAfterAccess} become that expiry's defaults. Hits, misses and evictions
 * are Caffeine's own statistics (as in a plain Caffeine cache with {@code recordStats()}); loads are counted here (Caffeine counts a load that
 * returns null as a failure, HAL9 as a load), timed with the injected ticker. Checked loader exceptions
 * are wrapped into {@link CacheException} inside the Caffeine loader, so Caffeine passes them on as is.
 *
 * <p>Concurrency: all entry state lives in Caffeine. The counters are {@link LongAdder}s. {@code closed}
 * is volatile: a plain check on every operation; an operation racing with {@code close()} may still
 * complete against the emptied cache (benign race: its entry is dropped with the rest or lives in a
 * cache nobody reads, and a closed cache is not used again).
 *
 * <p>Invariants: {@code loading != null} exactly when a loader was configured, and then {@code cache ==
 * loading}; {@code refresher != null} exactly when {@code refreshAfterWrite} was configured.
 *
 * <p>Thread safety: all methods may be called from any thread.
 */
final class LocalCacheImpl<K, V> implements LocalCache<K, V> {
    private static final Logger log = LoggerFactory.getLogger(LocalCache.class);

    /** Caffeine's own cap on an expiry (about 146 years): longer means "never". */
    static final long MAX_EXPIRY_NANOS = Long.MAX_VALUE >> 1;

    private final String name;
    private final String component;
    private final Ticker ticker;
    private final @Nullable CacheLoader<K, V> loader;
    private final @Nullable LocalCacheListener<? super K, ? super V> listener;
    private final com.github.benmanes.caffeine.cache.Cache<K, V> cache;
    private final @Nullable LoadingCache<K, V> loading;
    private final Policy.VarExpiration<K, V> varExpiration;
    private final ConcurrentMap<K, V> map;
    private final @Nullable LocalRefreshBatcher<K, V> refresher;
    private final LongAdder loads = new LongAdder();
    private final LongAdder loadFailures = new LongAdder();
    private final LongAdder loadNanos = new LongAdder();
    private final LongAdder puts = new LongAdder();
    private final LongAdder invalidations = new LongAdder();
    private final Coalescer<K, @Nullable V> asyncLoads;
    private final AsyncView asyncView = new AsyncView();
    private volatile boolean closed;

    LocalCacheImpl(LocalCache.Builder<K, V> b) {
        this.name = b.name;
        this.component = b.component;
        this.ticker = b.common.ticker();
        this.loader = b.common.loader();
        this.listener = b.listener;
        this.asyncLoads = Coalescer.create(b.name);
        Executor executor = b.common.executor();
        long writeNanos = b.expireAfterWrite == null ? MAX_EXPIRY_NANOS : Checks.saturatedNanos(b.expireAfterWrite);
        long accessNanos = b.expireAfterAccess == null ? 0 : Checks.saturatedNanos(b.expireAfterAccess);
        Caffeine<K, V> caffeine = Caffeine.newBuilder()
                .executor(executor)
                .ticker(CaffeineTicker.of(ticker))
                .recordStats()
                .expireAfter(new TtlExpiry<K, V>(writeNanos, accessNanos));
        if (!b.options.isSet("maximumWeight")) {
            caffeine.maximumSize(b.maximumSize);
        } else {
            var weigher = Objects.requireNonNull(b.weigher, "weigher");
            caffeine.maximumWeight(b.maximumWeight);
            caffeine = caffeine.weigher(weigher::applyAsInt);
        }
        if (listener != null) {
            caffeine = caffeine.evictionListener(this::onEvicted);
        }
        if (b.refreshAfterWrite != null) {
            caffeine.refreshAfterWrite(b.refreshAfterWrite);
            this.refresher = new LocalRefreshBatcher<>(
                    this::timedLoadAll, executor, Checks.saturatedNanos(b.refreshBatchWindow), b.refreshBatchSize);
        } else {
            this.refresher = null;
        }
        if (loader != null) {
            this.loading = caffeine.build(new CaffeineLoader());
            this.cache = loading;
        } else {
            this.loading = null;
            this.cache = caffeine.build();
        }
        this.varExpiration = cache.policy().expireVariably().orElseThrow();
        this.map = cache.asMap();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public @Nullable V getIfPresent(K key) {
        Objects.requireNonNull(key, "key");
        checkOpen();
        return cache.getIfPresent(key);
    }

    @Override
    public @Nullable V get(K key) {
        Objects.requireNonNull(key, "key");
        LoadingCache<K, V> l = requireLoader("get(key)");
        checkOpen();
        return l.get(key);
    }

    @Override
    public @Nullable V get(K key, Function<? super K, ? extends @Nullable V> loader) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(loader, "loader");
        checkOpen();
        return cache.get(key, k -> timedLoad(k, loader::apply));
    }

    @Override
    public Map<K, V> getAll(Iterable<? extends K> keys) {
        Objects.requireNonNull(keys, "keys");
        LoadingCache<K, V> l = requireLoader("getAll(keys)");
        checkOpen();
        return l.getAll(keys);
    }

    @Override
    public Map<K, V> getAllPresent(Iterable<? extends K> keys) {
        Objects.requireNonNull(keys, "keys");
        checkOpen();
        return cache.getAllPresent(keys);
    }

    @Override
    public void put(K key, V value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        checkOpen();
        cache.put(key, value);
        puts.increment();
    }

    @Override
    public void put(K key, V value, Duration ttl) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(ttl, "ttl");
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException(component + ": ttl must be positive, was " + ttl);
        }
        checkOpen();
        varExpiration.put(key, value, Math.min(Checks.saturatedNanos(ttl), MAX_EXPIRY_NANOS), TimeUnit.NANOSECONDS);
        puts.increment();
    }

    @Override
    public void putAll(Map<? extends K, ? extends V> entries) {
        Objects.requireNonNull(entries, "entries");
        checkOpen();
        cache.putAll(entries);
        puts.add(entries.size());
    }

    @Override
    public void invalidate(K key) {
        Objects.requireNonNull(key, "key");
        checkOpen();
        if (map.remove(key) != null) {
            invalidations.increment();
        }
    }

    @Override
    public void invalidateAll(Iterable<? extends K> keys) {
        Objects.requireNonNull(keys, "keys");
        checkOpen();
        for (K key : keys) {
            if (map.remove(Objects.requireNonNull(key, "key")) != null) {
                invalidations.increment();
            }
        }
    }

    @Override
    public void invalidateAll() {
        checkOpen();
        for (K key : map.keySet()) {
            if (map.remove(key) != null) {
                invalidations.increment();
            }
        }
    }

    @Override
    public CacheStats stats() {
        com.github.benmanes.caffeine.cache.stats.CacheStats caffeineStats = cache.stats();
        return new CacheStats(
                caffeineStats.hitCount(),
                caffeineStats.missCount(),
                loads.sum(),
                loadFailures.sum(),
                loadNanos.sum(),
                caffeineStats.evictionCount(),
                puts.sum(),
                invalidations.sum(),
                cache.estimatedSize());
    }

    @Override
    public AsyncCache<K, V> async() {
        return asyncView;
    }

    @Override
    public void cleanUp() {
        cache.cleanUp();
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        // Racing closers may both get here; every step below is idempotent.
        closed = true;
        if (refresher != null) {
            refresher.close();
        }
        cache.invalidateAll();
        cache.cleanUp();
        log.debug("{}: closed", name);
    }

    @Override
    public String toString() {
        return component + stats();
    }

    private void checkOpen() {
        if (closed) {
            throw new CacheException(component + " is closed", null);
        }
    }

    private LoadingCache<K, V> requireLoader(String call) {
        if (loading == null) {
            throw new IllegalStateException(component + ": " + call
                    + " needs a loader; build the cache with loader(...) or use get(key, loader)");
        }
        return loading;
    }

    /** One load of one key through {@code source}, counted and timed; checked exceptions become CacheException. */
    private @Nullable V timedLoad(K key, LoadFunction<K, ? extends @Nullable V> source) {
        long start = ticker.read();
        try {
            V value = source.load(key);
            loads.increment();
            return value;
        } catch (RuntimeException | Error e) {
            loadFailed(Set.of(key), e);
            throw e;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            loadFailed(Set.of(key), e);
            throw new CacheException(component + ": loader failed for key " + describe(key) + ": " + e, e);
        } finally {
            loadNanos.add(ticker.read() - start);
        }
    }

    /** One bulk load through the configured loader's loadAll, counted and timed. */
    private Map<K, V> timedLoadAll(Set<? extends K> keys) {
        CacheLoader<K, V> l = Objects.requireNonNull(loader, "loader");
        long start = ticker.read();
        try {
            Map<K, V> values = l.loadAll(keys);
            if (values == null) {
                throw new CacheException(component + ": loadAll returned null for " + keys.size() + " keys", null);
            }
            loads.increment();
            return values;
        } catch (RuntimeException | Error e) {
            loadFailed(keys, e);
            throw e;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            loadFailed(keys, e);
            throw new CacheException(
                    component + ": loadAll failed for " + keys.size() + " keys (first "
                            + describe(keys.iterator().next()) + "): " + e,
                    e);
        } finally {
            loadNanos.add(ticker.read() - start);
        }
    }

    private void loadFailed(Set<? extends K> keys, Throwable e) {
        loadFailures.increment();
        if (listener != null) {
            try {
                listener.onLoadFailure(name, keys, e);
            } catch (RuntimeException listenerError) {
                log.warn("{}: listener threw from onLoadFailure", name, listenerError);
            }
        }
    }

    private void onEvicted(@Nullable K key, @Nullable V value, RemovalCause cause) {
        LocalCacheListener.EvictionReason reason = LocalCacheListener.EvictionReason.of(cause);
        if (listener == null || key == null || value == null || reason == null) {
            return;
        }
        try {
            listener.onEviction(name, key, value, reason);
        } catch (RuntimeException e) {
            log.warn("{}: listener threw from onEviction", name, e);
        }
    }

    static String describe(@Nullable Object key) {
        String s = String.valueOf(key);
        return "'" + (s.length() > 100 ? s.substring(0, 100) + "..." : s) + "'";
    }

    @FunctionalInterface
    private interface LoadFunction<K, V> {
        V load(K key) throws Exception;
    }

    /** Caffeine's loader: our counted loads, and refreshes through the batcher. */
    private final class CaffeineLoader implements com.github.benmanes.caffeine.cache.CacheLoader<K, V> {
        @Override
        public @Nullable V load(K key) {
            CacheLoader<K, V> l = Objects.requireNonNull(loader, "loader");
            return timedLoad(key, l::load);
        }

        @Override
        public Map<? extends K, ? extends V> loadAll(Set<? extends K> keys) {
            return timedLoadAll(keys);
        }

        @Override
        public CompletableFuture<? extends @Nullable V> asyncReload(K key, V oldValue, Executor executor) {
            if (refresher != null && !closed) {
                return refresher.reload(key, oldValue);
            }
            return CompletableFuture.supplyAsync(() -> load(key), executor);
        }
    }

    /** Default time to live after write, or after access; a per-entry TTL is set by Caffeine's put. */
    private record TtlExpiry<K, V>(long writeNanos, long accessNanos) implements Expiry<K, V> {
        @Override
        public long expireAfterCreate(K key, V value, long currentTime) {
            return accessNanos > 0 ? accessNanos : writeNanos;
        }

        @Override
        public long expireAfterUpdate(K key, V value, long currentTime, long currentDuration) {
            return accessNanos > 0 ? accessNanos : writeNanos;
        }

        @Override
        public long expireAfterRead(K key, V value, long currentTime, long currentDuration) {
            return accessNanos > 0 ? accessNanos : currentDuration;
        }
    }

    /** The asynchronous view: local operations complete at once; async loaders are coalesced per key. */
    private final class AsyncView implements AsyncCache<K, V> {
        @Override
        public CompletableFuture<@Nullable V> getIfPresent(K key) {
            return now(() -> LocalCacheImpl.this.getIfPresent(key));
        }

        @Override
        public CompletableFuture<@Nullable V> get(K key) {
            return now(() -> LocalCacheImpl.this.get(key));
        }

        @Override
        public CompletableFuture<@Nullable V> get(
                K key, Function<? super K, ? extends CompletableFuture<? extends @Nullable V>> loader) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(loader, "loader");
            V present;
            try {
                present = LocalCacheImpl.this.getIfPresent(key);
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
            if (present != null) {
                return CompletableFuture.completedFuture(present);
            }
            return asyncLoads.get(key, k -> loadAsync(k, loader));
        }

        /** Runs once per coalesced load: counts it and caches its value (unless a newer value got in first). */
        private CompletableFuture<@Nullable V> loadAsync(
                K key, Function<? super K, ? extends CompletableFuture<? extends @Nullable V>> loader) {
            long start = ticker.read();
            CompletableFuture<? extends @Nullable V> source;
            try {
                source = Objects.requireNonNull(loader.apply(key), "loader returned null instead of a future");
            } catch (RuntimeException | Error e) {
                loadNanos.add(ticker.read() - start);
                loadFailed(Set.of(key), e);
                throw e;
            }
            return source.handle((value, error) -> {
                loadNanos.add(ticker.read() - start);
                if (error != null) {
                    Throwable cause =
                            error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                    loadFailed(Set.of(key), cause);
                    throw error instanceof CompletionException ce ? ce : new CompletionException(error);
                }
                loads.increment();
                if (value == null || closed) {
                    return value;
                }
                V existing = map.putIfAbsent(key, value);
                return existing != null ? existing : value;
            });
        }

        @Override
        public CompletableFuture<Map<K, V>> getAll(Iterable<? extends K> keys) {
            return now(() -> LocalCacheImpl.this.getAll(keys));
        }

        @Override
        public CompletableFuture<Void> put(K key, V value) {
            return now(() -> {
                LocalCacheImpl.this.put(key, value);
                return null;
            });
        }

        @Override
        public CompletableFuture<Void> put(K key, V value, Duration ttl) {
            return now(() -> {
                LocalCacheImpl.this.put(key, value, ttl);
                return null;
            });
        }

        @Override
        public CompletableFuture<Void> invalidate(K key) {
            return now(() -> {
                LocalCacheImpl.this.invalidate(key);
                return null;
            });
        }

        private <T extends @Nullable Object> CompletableFuture<T> now(Supplier<T> call) {
            try {
                return CompletableFuture.completedFuture(call.get());
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
    }
}

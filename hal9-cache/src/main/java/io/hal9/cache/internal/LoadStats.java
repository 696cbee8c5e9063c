package io.hal9.cache.internal;

import io.hal9.cache.CacheException;
import io.hal9.cache.CacheLoader;
import io.hal9.core.Ticker;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The load counters of a remote cache kind (loads, failed loads, time spent loading) and the timed calls
 * that feed them, so that {@code RedisCache} and {@code NearCache} count a load the same way.
 *
 * <p>Not part of the API. Thread safety: safe for any number of threads (adders).
 */
public final class LoadStats {
    private final Ticker ticker;
    private final LongAdder loads = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final LongAdder nanos = new LongAdder();

    /** Counts loads timed with {@code ticker}. */
    public LoadStats(Ticker ticker) {
        this.ticker = ticker;
    }

    /** The start of a load, for {@link #succeeded} or {@link #failed}. */
    public long start() {
        return ticker.read();
    }

    /** Counts a load that began at {@code start} and returned. */
    public void succeeded(long start) {
        loads.increment();
        nanos.add(ticker.read() - start);
    }

    /** Counts a load that began at {@code start} and failed. */
    public void failed(long start) {
        failures.increment();
        nanos.add(ticker.read() - start);
    }

    /** Calls {@code fn} for {@code key}, timed and counted; its exceptions pass through. */
    public <K, V> @Nullable V load(K key, Function<? super K, ? extends @Nullable V> fn) {
        long start = start();
        V value;
        try {
            value = fn.apply(key);
        } catch (RuntimeException | Error e) {
            failed(start);
            throw e;
        }
        succeeded(start);
        return value;
    }

    /**
     * Calls {@code loader.loadAll(keys)}, timed and counted as one load; a checked exception becomes a
     * {@link CacheException} naming {@code component} and the number of keys.
     */
    public <K, V> Map<K, V> loadAll(String component, CacheLoader<K, V> loader, Set<? extends K> keys) {
        long start = start();
        Map<K, V> loaded;
        try {
            loaded = loader.loadAll(keys);
        } catch (RuntimeException | Error e) {
            failed(start);
            throw e;
        } catch (Exception e) {
            failed(start);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new CacheException(component + ": loadAll failed for " + keys.size() + " keys: " + e, e);
        }
        succeeded(start);
        return loaded;
    }

    /** Loads that returned (a value or none). */
    public long loads() {
        return loads.sum();
    }

    /** Loads that threw. */
    public long failures() {
        return failures.sum();
    }

    /** Time spent in loads, successful or not, in nanoseconds. */
    public long nanos() {
        return nanos.sum();
    }
}

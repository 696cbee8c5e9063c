package io.hal9.cache.internal;

import io.hal9.cache.CacheLoader;
import io.hal9.core.Ticker;
import io.hal9.core.internal.BuilderOptions;
import java.util.Objects;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;

/**
 * The options every cache builder has, with their one check: the loader, the ticker and the executor. {@code
 * LocalCache.Builder}, {@code RedisCache.Builder} and {@code NearCache.Builder} each hold one and delegate
 * their public setters (which keep their own Javadoc) to it; "already set" is recorded in the builder's
 * {@link BuilderOptions}, so it fails the same way as the builder's other options.
 *
 * <p>Not part of the API. Thread safety: none, like the builders that own it.
 *
 * @param <K> key type
 * @param <V> value type
 */
public final class CacheOptions<K, V> {
    private final BuilderOptions options;

    /** The loader behind {@code get(key)} and {@code getAll}; default none ({@code null}: those calls refuse). */
    private @Nullable CacheLoader<K, V> loader;

    /** The time source; default {@link Ticker#system()}. */
    private Ticker ticker = Ticker.system();

    /** Where asynchronous work runs; the default is the builder's (each cache kind documents its own). */
    private Executor executor;

    /**
     * @param options the owning builder's record of what was set
     * @param defaultExecutor the cache kind's default executor
     */
    public CacheOptions(BuilderOptions options, Executor defaultExecutor) {
        this.options = Objects.requireNonNull(options, "options");
        this.executor = Objects.requireNonNull(defaultExecutor, "defaultExecutor");
    }

    /** Sets the loader; once. */
    public void loader(CacheLoader<K, V> loader) {
        Objects.requireNonNull(loader, "loader");
        this.loader = options.set("loader", loader);
    }

    /** Sets the ticker; once. */
    public void ticker(Ticker ticker) {
        Objects.requireNonNull(ticker, "ticker");
        this.ticker = options.set("ticker", ticker);
    }

    /** Sets the executor; once. */
    public void executor(Executor executor) {
        Objects.requireNonNull(executor, "executor");
        this.executor = options.set("executor", executor);
    }

    /** The loader, or {@code null} if none was set. */
    public @Nullable CacheLoader<K, V> loader() {
        return loader;
    }

    /** The ticker set, or {@link Ticker#system()}. */
    public Ticker ticker() {
        return ticker;
    }

    /** The executor set, or the cache kind's default. */
    public Executor executor() {
        return executor;
    }
}

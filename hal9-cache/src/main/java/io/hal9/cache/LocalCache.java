package io.hal9.cache;

import io.hal9.cache.internal.CacheOptions;
import io.hal9.core.Ticker;
import io.hal9.core.internal.BuilderOptions;
import io.hal9.core.internal.Checks;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.function.ToIntBiFunction;
import org.jspecify.annotations.Nullable;

/**
 * A cache held in this process's memory, on <a href="https://github.com/ben-manes/caffeine">Caffeine</a>:
 * a <b>TTL cache</b> for dynamic data (lobby lists, leaderboards: {@link Builder#expireAfterWrite}, or
 * {@link Builder#expireAfterAccess}, or a time to live per entry with {@link #put(Object, Object,
 * Duration)}) and a <b>bounded cache</b> for static resources (item tables, maps: {@link
 * Builder#maximumSize} entries or {@link Builder#maximumWeight} bytes). One builder makes both.
 *
 * <pre>{@code
 * LocalCache<Long, Profile> profiles = LocalCache.<Long, Profile>builder("profiles")
 *         .maximumSize(50_000)
 *         .expireAfterWrite(Duration.ofMinutes(5))
 *         .refreshAfterWrite(Duration.ofMinutes(1)) // hot entries reloaded before they expire
 *         .loader(db::loadProfile) // override loadAll for one SQL IN per batch
 *         .build();
 * Profile p = profiles.get(playerId);
 * }</pre>
 *
 * <p><b>When full.</b> Every local cache is bounded: {@value #DEFAULT_MAXIMUM_SIZE} entries unless told
 * otherwise. Beyond the bound Caffeine evicts by <b>W-TinyLFU</b>: a small LRU admission window in front
 * of a segmented LRU main space, and a compact frequency sketch that admits a newcomer only if it was
 * asked for more often than the entry it would displace. On the skewed traces of games (a few hot rooms,
 * players, items) this keeps more hits than plain LRU at the same size ({@code HitRateBenchmark} in
 * {@code benchmarks/} measures both on a Zipf trace); on a trace without repetition (a scan) no policy
 * helps. Eviction happens shortly after the write that crossed the bound, on the {@link Builder#executor
 * executor} (so the size may exceed the bound for a moment); evictions are counted and reported to the
 * {@link LocalCacheListener}.
 *
 * <p><b>Expiry.</b> Time comes from the injected {@link Builder#ticker ticker}. An expired entry is never
 * returned; it is removed on the next maintenance. A per-entry TTL ({@link #put(Object, Object, Duration)})
 * replaces the default for that entry until it is written again (a put, a load or a refresh gives it the
 * default again); with {@code expireAfterAccess}, a read gives the entry the access timeout, as for any
 * other entry.
 *
 * <p><b>Loading.</b> {@link #get(Object, java.util.function.Function)} and {@link #get(Object)} run the
 * loader once per key however many callers miss it at once; the others wait for that load (on Java 21 a
 * virtual thread waiting there pins its carrier: Caffeine waits on a map bin's monitor). {@link #getAll}
 * loads all its misses in one {@link CacheLoader#loadAll} call. With {@link Builder#refreshAfterWrite},
 * an entry read after that age is reloaded in the background (one reload per key, the old value served
 * meanwhile), and reloads requested within {@link Builder#refreshBatchWindow} are coalesced into one
 * {@code loadAll} call.
 *
 * <p><b>Closing.</b> {@link #close()} is idempotent: it drops every entry, completes pending refreshes
 * with their old values, and afterwards every operation throws a {@link CacheException} saying the cache
 * is closed. Loads in flight finish; their values are dropped.
 *
 * <p>Thread safety: all methods may be called from any thread.
 *
 * @param <K> key type
 * @param <V> value type
 */
public interface LocalCache<K, V> extends Cache<K, V> {

    /** The maximum number of entries of a cache built without {@code maximumSize} or {@code maximumWeight}. */
    long DEFAULT_MAXIMUM_SIZE = 10_000;

    /** The refresh batch window if the builder was not told otherwise: 10 ms. */
    Duration DEFAULT_REFRESH_BATCH_WINDOW = Duration.ofMillis(10);

    /** The most keys of one coalesced refresh if the builder was not told otherwise. */
    int DEFAULT_REFRESH_BATCH_SIZE = 256;

    /** The longest time to live or refresh interval accepted: 365 days. */
    Duration MAX_DURATION = Duration.ofDays(365);

    /**
     * Starts building a local cache; name the types at the call: {@code LocalCache.<Long,
     * Profile>builder("profiles")}.
     *
     * @param name the cache's name, used in messages, logs and metric tags (1 to 128 characters)
     * @throws IllegalArgumentException if the name is blank or longer than 128 characters
     */
    static <K, V> Builder<K, V> builder(String name) {
        return new Builder<>(Checks.name("local cache", name));
    }

    /**
     * Runs the cache's pending maintenance now, on this thread: evictions over the bound, removal of
     * expired entries. Useful in tests and before reading {@code stats().size()}.
     */
    void cleanUp();

    /** Whether {@link #close()} has been called. */
    boolean isClosed();

    /**
     * Builds a {@link LocalCache}. Each option may be set once; a bad value is refused at once with a
     * message naming the option and the allowed range; {@link #build()} checks the options that depend
     * on each other.
     *
     * <p>Thread safety: not thread-safe; use from one thread.
     *
     * @param <K> key type
     * @param <V> value type
     */
    final class Builder<K, V> {
        final String name;
        final String component;
        final BuilderOptions options;
        /** The loader, ticker and executor (executor default {@link ForkJoinPool#commonPool()}). */
        final CacheOptions<K, V> common;

        /** Default {@value LocalCache#DEFAULT_MAXIMUM_SIZE}; not used when {@code maximumWeight} is set. */
        long maximumSize = DEFAULT_MAXIMUM_SIZE;

        /** Used only when set (then instead of {@code maximumSize}), with {@code weigher}. */
        long maximumWeight;

        /** Set with {@code maximumWeight}; none otherwise. */
        @Nullable
        ToIntBiFunction<? super K, ? super V> weigher;

        /** Default {@code null}: no time limit after write. */
        @Nullable
        Duration expireAfterWrite;

        /** Default {@code null}: no idle timeout. */
        @Nullable
        Duration expireAfterAccess;

        /** Default {@code null}: no refresh ahead. */
        @Nullable
        Duration refreshAfterWrite;

        /** Default {@link LocalCache#DEFAULT_REFRESH_BATCH_WINDOW}. */
        Duration refreshBatchWindow = DEFAULT_REFRESH_BATCH_WINDOW;

        /** Default {@value LocalCache#DEFAULT_REFRESH_BATCH_SIZE}. */
        int refreshBatchSize = DEFAULT_REFRESH_BATCH_SIZE;

        /** Default {@code null}: nobody is told (evictions and failed loads are still counted). */
        @Nullable
        LocalCacheListener<? super K, ? super V> listener;

        private Builder(String name) {
            this.name = name;
            this.component = "local cache '" + name + "'";
            this.options = new BuilderOptions(component);
            this.common = new CacheOptions<>(options, ForkJoinPool.commonPool());
        }

        /**
         * The most entries the cache holds (a bounded cache for static resources). Default {@value
         * LocalCache#DEFAULT_MAXIMUM_SIZE} when neither this nor {@link #maximumWeight} is set. Not with
         * {@code maximumWeight}.
         *
         * @throws IllegalArgumentException if not in {@code [1, 2147483647]}
         * @throws IllegalStateException if already set
         */
        public Builder<K, V> maximumSize(long maximumSize) {
            this.maximumSize = options.set(
                    "maximumSize", Checks.inRange(component, "maximumSize", maximumSize, 1, Integer.MAX_VALUE));
            return this;
        }

        /**
         * The most total weight the cache holds, typically bytes, each entry weighed once when written by
         * {@code weigher} (which must not return a negative number; 0 means the entry is never evicted for
         * size). Not with {@code maximumSize}.
         *
         * @throws IllegalArgumentException if {@code maximumWeight} is not in {@code [1, 2^62]}
         * @throws IllegalStateException if already set
         */
        public Builder<K, V> maximumWeight(long maximumWeight, ToIntBiFunction<? super K, ? super V> weigher) {
            Objects.requireNonNull(weigher, "weigher");
            this.maximumWeight = options.set(
                    "maximumWeight", Checks.inRange(component, "maximumWeight", maximumWeight, 1, 1L << 62));
            this.weigher = weigher;
            return this;
        }

        /**
         * How long an entry lives after it was written (put, loaded or refreshed), unless {@link
         * LocalCache#put(Object, Object, Duration)} gave it its own time. Default: no time limit. Not with
         * {@code expireAfterAccess}.
         *
         * @throws IllegalArgumentException if not in {@code [1ns, 365 days]}
         * @throws IllegalStateException if already set
         */
        public Builder<K, V> expireAfterWrite(Duration expireAfterWrite) {
            this.expireAfterWrite = options.set("expireAfterWrite", positive("expireAfterWrite", expireAfterWrite));
            return this;
        }

        /**
         * How long an entry lives after it was last written or read (an idle timeout: sessions, rooms).
         * Default: no time limit. Not with {@code expireAfterWrite}: an entry read all the time would then
         * need a second clock per entry, which this cache does not keep.
         *
         * @throws IllegalArgumentException if not in {@code [1ns, 365 days]}
         * @throws IllegalStateException if already set
         */
        public Builder<K, V> expireAfterAccess(Duration expireAfterAccess) {
            this.expireAfterAccess = options.set("expireAfterAccess", positive("expireAfterAccess", expireAfterAccess));
            return this;
        }

        /**
         * Refresh ahead: an entry read when older than this is reloaded in the background (one reload per
         * key; the old value is served until the new one arrives; a reload that fails keeps the old value
         * and is reported to the listener). Requires a {@link #loader}; must be shorter than {@code
         * expireAfterWrite} if that is set (else the entry expires first). Default: off.
         *
         * @throws IllegalArgumentException if not in {@code [1ns, 365 days]}
         * @throws IllegalStateException if already set
         */
        public Builder<K, V> refreshAfterWrite(Duration refreshAfterWrite) {
            this.refreshAfterWrite = options.set("refreshAfterWrite", positive("refreshAfterWrite", refreshAfterWrite));
            return this;
        }

        /**
         * How long a requested refresh waits for others, so that the reloads of many keys go to the loader
         * in one {@link CacheLoader#loadAll} call. {@link Duration#ZERO} sends them as soon as the executor
         * runs the batch. Default 10 ms. Only with {@code refreshAfterWrite}.
         *
         * @throws IllegalArgumentException if not in {@code [0, 1s]}
         * @throws IllegalStateException if already set
         */
        public Builder<K, V> refreshBatchWindow(Duration refreshBatchWindow) {
            this.refreshBatchWindow = options.set(
                    "refreshBatchWindow",
                    Checks.duration(
                            component, "refreshBatchWindow", refreshBatchWindow, Duration.ZERO, Duration.ofSeconds(1)));
            return this;
        }

        /**
         * The most keys of one coalesced refresh; a batch that reaches it goes to the loader at once,
         * without waiting for the window. Default {@value LocalCache#DEFAULT_REFRESH_BATCH_SIZE}. Only with
         * {@code refreshAfterWrite}.
         *
         * @throws IllegalArgumentException if not in {@code [1, 65536]}
         * @throws IllegalStateException if already set
         */
        public Builder<K, V> refreshBatchSize(int refreshBatchSize) {
            this.refreshBatchSize = options.set(
                    "refreshBatchSize", Checks.inRange(component, "refreshBatchSize", refreshBatchSize, 1, 65_536));
            return this;
        }

        /**
         * The loader used by {@link Cache#get(Object)}, {@link Cache#getAll} and refreshes. Default: none
         * (those calls then throw {@link IllegalStateException}; {@code get(key, loader)} still works).
         *
         * @throws IllegalStateException if already set
         */
        public Builder<K, V> loader(CacheLoader<K, V> loader) {
            common.loader(loader);
            return this;
        }

        /**
         * The time source for expiry, refresh and load times. Default {@link Ticker#system()}.
         *
         * @throws IllegalStateException if already set
         */
        public Builder<K, V> ticker(Ticker ticker) {
            common.ticker(ticker);
            return this;
        }

        /**
         * Where maintenance (evictions), listener calls and refreshes run. Default {@link
         * ForkJoinPool#commonPool()}. Tests may pass {@code Runnable::run} to make eviction synchronous.
         *
         * @throws IllegalStateException if already set
         */
        public Builder<K, V> executor(Executor executor) {
            common.executor(executor);
            return this;
        }

        /**
         * Who is told about evictions and failed loads. Default: nobody (they are still counted).
         *
         * @throws IllegalStateException if already set
         */
        public Builder<K, V> listener(LocalCacheListener<? super K, ? super V> listener) {
            Objects.requireNonNull(listener, "listener");
            this.listener = options.set("listener", listener);
            return this;
        }

        /**
         * Builds the cache.
         *
         * @throws IllegalStateException if options conflict: {@code maximumSize} with {@code
         *     maximumWeight}, {@code expireAfterWrite} with {@code expireAfterAccess}, {@code
         *     refreshAfterWrite} without a loader or not shorter than {@code expireAfterWrite}, refresh
         *     batch options without {@code refreshAfterWrite}
         */
        public LocalCache<K, V> build() {
            if (options.isSet("maximumSize") && options.isSet("maximumWeight")) {
                throw new IllegalStateException(
                        component + ": maximumSize and maximumWeight cannot be combined; choose one bound");
            }
            if (expireAfterWrite != null && expireAfterAccess != null) {
                throw new IllegalStateException(
                        component + ": expireAfterWrite and expireAfterAccess cannot be combined; choose one");
            }
            if (refreshAfterWrite != null) {
                if (common.loader() == null) {
                    throw new IllegalStateException(component + ": refreshAfterWrite requires a loader");
                }
                if (expireAfterWrite != null && refreshAfterWrite.compareTo(expireAfterWrite) >= 0) {
                    throw new IllegalStateException(component + ": refreshAfterWrite must be shorter than"
                            + " expireAfterWrite (" + Checks.formatDuration(expireAfterWrite) + "), was "
                            + Checks.formatDuration(refreshAfterWrite));
                }
            } else if (options.isSet("refreshBatchWindow") || options.isSet("refreshBatchSize")) {
                throw new IllegalStateException(
                        component + ": refreshBatchWindow and refreshBatchSize require refreshAfterWrite");
            }
            return new LocalCacheImpl<>(this);
        }

        private Duration positive(String option, Duration value) {
            return Checks.duration(component, option, value, Duration.ofNanos(1), MAX_DURATION);
        }
    }
}

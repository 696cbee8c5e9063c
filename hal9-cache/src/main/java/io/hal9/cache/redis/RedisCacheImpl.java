package io.hal9.cache.redis;

import io.hal9.cache.CacheException;
import io.hal9.cache.CacheLoader;
import io.hal9.cache.CacheStats;
import io.hal9.cache.KeyCodec;
import io.hal9.cache.ValueCodec;
import io.hal9.cache.internal.LoadStats;
import io.hal9.cache.internal.Loaders;
import io.hal9.cache.internal.RedisSetup;
import io.hal9.core.Coalescer;
import io.hal9.core.Ticker;
import io.hal9.core.internal.Checks;
import io.hal9.core.internal.RateLimitedLog;
import io.hal9.redis.SharedRedis;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.KeyValue;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link RedisCache} built by {@link RedisCache.Builder}.
 *
 * <p>Design: every Redis command goes through {@link RedisCalls} (the breakers, the command timeout, the
 * failure counting and reporting); a command that is skipped, fails or times out comes back as the
 * stackless {@link RedisCalls#UNAVAILABLE} signal, which each operation turns into its documented degraded
 * answer (miss, failed write); it never leaves the redis package. Loads are coalesced per key by a {@link
 * Coalescer} holding {@code Optional<V>} (a loader may answer "no value"). The asynchronous operations are
 * {@link RedisCacheAsync}; the connection comes from {@link RedisSetup} (shared with the near cache).
 *
 * <p>Concurrency: the Lettuce connection is thread-safe and shared. Counters are {@link LongAdder}s.
 * {@link #closed} is an {@link AtomicBoolean}: close runs once; operations check it first (a racing
 * operation may still reach a connection being closed: Lettuce then fails the command, which is
 * reported as an error). The log limiters use one CAS on their last-log time each.
 *
 * <p>Invariants: a value is written only after it was encoded successfully; a decode failure never
 * escapes as an exception (miss + corrupt count + UNLINK); the caller never sees a Redis failure.
 */
final class RedisCacheImpl<K, V> implements RedisCache<K, V> {
    private static final Logger LOG = LoggerFactory.getLogger(RedisCache.class);

    /** What {@link #fetch} answers when Redis did not: never a GET's answer (compared by identity). */
    private static final byte[] UNANSWERED = new byte[0];
    /** The {@code since} of a caller whose GET got no answer: no second look (never a count, which is >= 0). */
    private static final long NOT_ANSWERED = -1;
    /** Stripes of {@link #writeBacks}; a power of two. */
    private static final int WRITE_BACK_STRIPES = 64;

    final String name;
    final String component;
    private final String keyspace;
    private final String scanPattern;
    private final ValueCodec<V> codec;
    private final KeyCodec<? super K> keyCodec;
    final RedisClusterAsyncCommands<String, byte[]> commands;
    /** The connection when it is a standalone/Sentinel one: putAll dispatches its batch with one flush. */
    private final @Nullable StatefulRedisConnection<String, byte[]> standalone;

    /** The cluster connection; {@code null} off a cluster. */
    private final @Nullable StatefulRedisClusterConnection<String, byte[]> cluster;
    /** The shared setup the cache uses (its watcher, and the setup it built itself); none on a bare connection. */
    private final @Nullable RedisSetup setup;

    final long defaultTtlMillis;
    private final int scanBatchSize;
    final @Nullable CacheLoader<K, V> loader;
    private final RedisCacheListener listener;
    final Executor executor;
    /** Sends the commands: breakers, timeout, failure counting. */
    final RedisCalls calls;

    final Coalescer<K, Optional<V>> loads;
    private final RateLimitedLog corruptLog;
    private final AtomicBoolean closed = new AtomicBoolean();
    /**
     * Per stripe of keys, how many loads wrote their value back (counted once Redis answered the SET). A
     * caller of {@code get(key, loader)} reads its stripe before its GET; if that GET missed and its load
     * starts after the stripe moved, it reads the key again before loading. Ordering: a load that ended
     * between that GET and the caller's join had its SET answered after Redis answered the GET, so its
     * increment follows the caller's read of the stripe, and the caller's later read sees it (both are
     * volatile accesses of one element).
     */
    private final AtomicLongArray writeBacks = new AtomicLongArray(WRITE_BACK_STRIPES);

    private final RedisCacheAsync<K, V> asyncView;

    final LongAdder hits = new LongAdder();
    final LongAdder misses = new LongAdder();
    final LoadStats loadStats;
    final LongAdder puts = new LongAdder();
    final LongAdder invalidations = new LongAdder();
    private final LongAdder corrupt = new LongAdder();
    final LongAdder failedWrites = new LongAdder();

    private RedisCacheImpl(
            RedisCache.Builder<K, V> b,
            StatefulConnection<String, byte[]> connection,
            RedisClusterAsyncCommands<String, byte[]> commands,
            @Nullable RedisSetup setup) {
        this.name = b.name;
        this.component = b.component;
        this.keyspace = b.redisOptions.keyPrefix() + b.name + ":";
        this.scanPattern = globEscape(keyspace) + "*";
        this.codec = b.valueCodec;
        this.keyCodec = b.redisOptions.keyCodec();
        this.commands = commands;
        this.standalone = connection instanceof StatefulRedisConnection<String, byte[]> s ? s : null;
        this.cluster = connection instanceof StatefulRedisClusterConnection<String, byte[]> c ? c : null;
        this.setup = setup;
        this.defaultTtlMillis = ceilMillis(b.redisOptions.defaultTtl());
        this.scanBatchSize = b.scanBatchSize;
        this.loader = b.common.loader();
        this.listener = b.listener;
        Ticker ticker = b.common.ticker();
        this.loadStats = new LoadStats(ticker);
        this.executor = b.common.executor();
        long logInterval = Checks.saturatedNanos(b.errorLogInterval);
        this.corruptLog = new RateLimitedLog(ticker, logInterval);
        this.calls = new RedisCalls(
                component,
                cluster,
                listener,
                ticker,
                Checks.saturatedNanos(b.redisOptions.commandTimeout()),
                b.breakerFailureThreshold,
                Checks.saturatedNanos(b.breakerOpenInterval),
                logInterval);
        this.loads = Coalescer.create(component);
        this.asyncView = new RedisCacheAsync<>(this);
    }

    static <K, V> RedisCache<K, V> create(RedisCache.Builder<K, V> b) {
        if (b.connection != null) {
            return new RedisCacheImpl<>(b, b.connection, b.connection.async(), null);
        }
        if (b.clusterConnection != null) {
            return new RedisCacheImpl<>(b, b.clusterConnection, b.clusterConnection.async(), null);
        }
        RedisSetup setup = RedisSetup.open(b.component, b.redisOptions.redis(), b.redisOptions.uri(), b.cluster, true);
        SharedRedis redis = setup.redis();
        RedisCacheImpl<K, V> cache = new RedisCacheImpl<>(b, redis.connection(), redis.commands(), setup);
        // Outside the constructor: the watcher's callbacks reach the cache.
        setup.watch(redis.isCluster() ? null : redis.connection(), cache::onDisconnected, cache::onReconnected);
        return cache;
    }

    /** The data connection was lost (called on a Lettuce I/O thread). */
    private void onDisconnected() {
        calls.notifyListener(listener::onDisconnected);
    }

    /** The data connection is back (called on a Lettuce I/O thread). */
    private void onReconnected(SocketAddress address) {
        LOG.info("{}: reconnected to {}", component, address);
        calls.notifyListener(listener::onReconnected);
    }

    // ---------------------------------------------------------------- Cache

    @Override
    public String name() {
        return name;
    }

    @Override
    public String redisKey(K key) {
        Objects.requireNonNull(key, "key");
        return keyspace + keyCodec.encode(key);
    }

    @Override
    public String keyspace() {
        return keyspace;
    }

    @Override
    public @Nullable V getIfPresent(K key) {
        ensureOpen();
        String rk = redisKey(key);
        byte[] bytes = fetch(rk);
        return bytes == UNANSWERED ? null : decodeCounted(rk, bytes);
    }

    /** GET {@code rk}: its bytes, {@code null} if absent, {@link #UNANSWERED} (a miss, counted) if Redis did not answer. */
    private byte @Nullable [] fetch(String rk) {
        try {
            return calls.call("GET", false, calls.breakerFor(rk), () -> commands.get(rk));
        } catch (RedisCalls.Unavailable u) {
            misses.increment();
            return UNANSWERED;
        }
    }

    @Override
    public @Nullable V get(K key) {
        return get(key, Loaders.required(component, loader));
    }

    @Override
    public @Nullable V get(K key, Function<? super K, ? extends @Nullable V> loader) {
        Objects.requireNonNull(loader, "loader");
        ensureOpen();
        String rk = redisKey(key);
        int stripe = stripe(rk);
        long seen = writeBacks.get(stripe); // volatile read, before the GET: pairs with wroteBack's increment
        byte[] bytes = fetch(rk);
        if (bytes != UNANSWERED) {
            V present = decodeCounted(rk, bytes);
            if (present != null) {
                return present;
            }
        }
        // Only a miss Redis answered is worth a second look; during an outage the load starts at once.
        long since = bytes == UNANSWERED ? NOT_ANSWERED : seen;
        return loads.join(key, k -> Optional.ofNullable(loadAndWriteBack(k, rk, stripe, since, loader)))
                .orElse(null);
    }

    /**
     * Runs once per coalesced load: if a load of the stripe wrote back since the caller's GET ({@code since};
     * {@link #NOT_ANSWERED}: that GET got no answer), the key is read again first, since a load that ended
     * between that GET and this one's start may have written it; else (or if it is still absent) loads and
     * writes back.
     */
    private @Nullable V loadAndWriteBack(
            K key, String rk, int stripe, long since, Function<? super K, ? extends @Nullable V> fn) {
        if (since != NOT_ANSWERED && writeBacks.get(stripe) != since) {
            V written = reread(rk);
            if (written != null) {
                return written;
            }
        }
        V value = loadStats.load(key, fn);
        if (value != null) {
            byte[] bytes = encode(key, value);
            try {
                calls.call(
                        "SET",
                        true,
                        calls.breakerFor(rk),
                        () -> commands.set(rk, bytes, SetArgs.Builder.px(defaultTtlMillis)));
                wroteBack(rk);
            } catch (RedisCalls.Unavailable u) {
                failedWrites.increment();
            }
        }
        return value;
    }

    /**
     * The value another load wrote back, or {@code null} (absent, unreadable, or Redis did not answer: the
     * load that follows overwrites it). Not counted: the caller's lookup was counted once, by its GET.
     */
    private @Nullable V reread(String rk) {
        byte[] bytes;
        try {
            bytes = calls.call("GET", false, calls.breakerFor(rk), () -> commands.get(rk));
        } catch (RedisCalls.Unavailable u) {
            return null;
        }
        if (bytes == null) {
            return null;
        }
        try {
            return codec.decode(bytes);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Records that a load wrote {@code rk} back (Redis answered its SET); volatile: pairs with get's read. */
    void wroteBack(String rk) {
        writeBacks.incrementAndGet(stripe(rk));
    }

    private static int stripe(String rk) {
        int h = rk.hashCode();
        return (h ^ (h >>> 16)) & (WRITE_BACK_STRIPES - 1);
    }

    @Override
    public Map<K, V> getAll(Iterable<? extends K> keys) {
        CacheLoader<K, V> l = Loaders.require(component, loader);
        Map<K, V> found = getAllPresent(keys);
        Set<K> missing = new LinkedHashSet<>();
        for (K key : keys) {
            if (!found.containsKey(key)) {
                missing.add(key);
            }
        }
        if (missing.isEmpty()) {
            return found;
        }
        Map<K, V> loaded = loadStats.loadAll(component, l, Collections.unmodifiableSet(missing));
        Map<K, V> result = new LinkedHashMap<>(found);
        Map<K, V> toStore = new LinkedHashMap<>();
        for (K key : missing) {
            V v = loaded.get(key);
            if (v != null) {
                result.put(key, v);
                toStore.put(key, v);
            }
        }
        writeAll(toStore, defaultTtlMillis, false);
        return result;
    }

    @Override
    public Map<K, V> getAllPresent(Iterable<? extends K> keys) {
        Objects.requireNonNull(keys, "keys");
        ensureOpen();
        Map<String, K> byRedisKey = new LinkedHashMap<>();
        for (K key : keys) {
            byRedisKey.putIfAbsent(redisKey(key), key);
        }
        if (byRedisKey.isEmpty()) {
            return new LinkedHashMap<>();
        }
        List<String> redisKeys = new ArrayList<>(byRedisKey.keySet());
        Map<String, V> found = new HashMap<>();
        for (RedisCalls.Part<List<KeyValue<String, byte[]>>> part :
                calls.callByShard("MGET", false, redisKeys, commands::mget)) {
            List<KeyValue<String, byte[]>> values = part.value();
            if (!part.ok() || values == null) {
                misses.add(part.keys().size());
                continue;
            }
            for (KeyValue<String, byte[]> kv : values) {
                byte[] bytes = kv.hasValue() ? kv.getValue() : null;
                V v = decodeCounted(kv.getKey(), bytes);
                if (v != null) {
                    found.put(kv.getKey(), v);
                }
            }
        }
        Map<K, V> out = new LinkedHashMap<>();
        for (Map.Entry<String, K> e : byRedisKey.entrySet()) {
            V v = found.get(e.getKey());
            if (v != null) {
                out.put(e.getValue(), v);
            }
        }
        return out;
    }

    @Override
    public void put(K key, V value) {
        putMillis(key, value, defaultTtlMillis);
    }

    @Override
    public void put(K key, V value, Duration ttl) {
        putMillis(key, value, ttlMillis(ttl));
    }

    private void putMillis(K key, V value, long ttlMillis) {
        Objects.requireNonNull(value, "value");
        ensureOpen();
        String rk = redisKey(key);
        byte[] bytes = encode(key, value);
        try {
            calls.call("SET", true, calls.breakerFor(rk), () -> commands.set(rk, bytes, SetArgs.Builder.px(ttlMillis)));
            puts.increment();
        } catch (RedisCalls.Unavailable u) {
            failedWrites.increment();
        }
    }

    @Override
    public void putAll(Map<? extends K, ? extends V> entries) {
        Objects.requireNonNull(entries, "entries");
        ensureOpen();
        writeAll(entries, defaultTtlMillis, true);
    }

    /** Encodes everything first (an encoding failure writes nothing), then pipelines one SET PX each. */
    private void writeAll(Map<? extends K, ? extends V> entries, long ttlMillis, boolean countPuts) {
        if (entries.isEmpty()) {
            return;
        }
        List<String> rks = new ArrayList<>(entries.size());
        List<byte[]> values = new ArrayList<>(entries.size());
        for (Map.Entry<? extends K, ? extends V> e : entries.entrySet()) {
            rks.add(redisKey(e.getKey()));
            values.add(encode(e.getKey(), Objects.requireNonNull(e.getValue(), "value")));
        }
        int ok = calls.setEach(rks, values, SetArgs.Builder.px(ttlMillis), failedWrites, commands, standalone);
        if (countPuts) {
            puts.add(ok);
        }
    }

    @Override
    public void invalidate(K key) {
        ensureOpen();
        String rk = redisKey(key);
        try {
            calls.call("UNLINK", true, calls.breakerFor(rk), () -> commands.unlink(rk));
            invalidations.increment();
        } catch (RedisCalls.Unavailable u) {
            failedWrites.increment();
        }
    }

    @Override
    public void invalidateAll(Iterable<? extends K> keys) {
        Objects.requireNonNull(keys, "keys");
        ensureOpen();
        Set<String> rks = new LinkedHashSet<>();
        for (K key : keys) {
            rks.add(redisKey(key));
        }
        if (rks.isEmpty()) {
            return;
        }
        for (RedisCalls.Part<Long> part : calls.callByShard("UNLINK", true, new ArrayList<>(rks), commands::unlink)) {
            (part.ok() ? invalidations : failedWrites).add(part.keys().size());
        }
    }

    @Override
    public void invalidateAll() {
        ensureOpen();
        ScanArgs args = ScanArgs.Builder.matches(scanPattern).limit(scanBatchSize);
        ScanCursor cursor = ScanCursor.INITIAL;
        try {
            do {
                ScanCursor from = cursor;
                KeyScanCursor<String> page =
                        calls.call("SCAN", false, calls.scanBreaker(), () -> commands.scan(from, args));
                List<String> found = page.getKeys();
                if (!found.isEmpty()) {
                    for (RedisCalls.Part<Long> part : calls.callByShard("UNLINK", true, found, commands::unlink)) {
                        Long removed = part.value();
                        if (part.ok()) {
                            invalidations.add(removed == null ? 0 : removed);
                        } else {
                            failedWrites.increment(); // these keys expire by TTL
                        }
                    }
                }
                cursor = page;
            } while (!cursor.isFinished());
        } catch (RedisCalls.Unavailable u) {
            failedWrites.increment(); // the scan stopped part way; the rest expires by TTL
        }
    }

    @Override
    public CacheStats stats() {
        return redisStats().toCacheStats();
    }

    @Override
    public RedisCache.Stats redisStats() {
        BreakerState worst = BreakerState.CLOSED;
        long opened = calls.droppedOpened();
        for (ShardBreaker sb : shardBreakers()) {
            opened += sb.opened();
            if (sb.state() == BreakerState.OPEN
                    || (sb.state() == BreakerState.HALF_OPEN && worst == BreakerState.CLOSED)) {
                worst = sb.state();
            }
        }
        return new RedisCache.Stats(
                hits.sum(),
                misses.sum(),
                loadStats.loads(),
                loadStats.failures(),
                loadStats.nanos(),
                puts.sum(),
                invalidations.sum(),
                calls.errors.sum(),
                calls.timeouts.sum(),
                corrupt.sum(),
                failedWrites.sum(),
                calls.skipped.sum(),
                worst,
                opened);
    }

    @Override
    public List<ShardBreaker> shardBreakers() {
        return calls.shardBreakers();
    }

    @Override
    public AsyncCache<K, V> async() {
        return asyncView;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        RedisSetup s = setup;
        if (s != null) {
            s.close();
        }
        LOG.info("{}: closed ({})", component, redisStats());
    }

    @Override
    public String toString() {
        return component + " " + redisStats();
    }

    // ---------------------------------------------------------------- plumbing

    void ensureOpen() {
        if (closed.get()) {
            throw new CacheException(component + " is closed", null);
        }
    }

    byte[] encode(K key, V value) {
        try {
            return codec.encode(value);
        } catch (RuntimeException e) {
            throw new CacheException(
                    component + ": cannot encode the value for key '" + key + "': " + e.getMessage(), e);
        }
    }

    /** Decodes a value read from Redis, counting a hit, a miss or a corrupt entry (which is removed). */
    @Nullable
    V decodeCounted(String rk, byte @Nullable [] bytes) {
        if (bytes == null) {
            misses.increment();
            return null;
        }
        try {
            V v = codec.decode(bytes);
            hits.increment();
            return v;
        } catch (RuntimeException e) {
            misses.increment();
            corrupt.increment();
            if (corruptLog.tryAcquire() != RateLimitedLog.HELD_BACK) {
                LOG.warn(
                        "{}: corrupt entry {} treated as a miss and removed ({} so far): {}",
                        component,
                        rk,
                        corrupt.sum(),
                        e.getMessage());
            }
            calls.notifyListener(() -> listener.onCorruptEntry(rk, e));
            removeQuietly(rk);
            return null;
        }
    }

    /** Removes a corrupt entry without waiting; a failure is counted like any other. */
    private void removeQuietly(String rk) {
        CircuitBreaker breaker = calls.breakerFor(rk);
        if (!breaker.tryAcquire()) {
            calls.skipped.increment();
            return;
        }
        try {
            commands.unlink(rk).whenComplete((n, err) -> {
                if (err != null) {
                    calls.failed("UNLINK", true, err, breaker);
                } else {
                    breaker.onSuccess();
                }
            });
        } catch (RuntimeException e) {
            calls.failed("UNLINK", true, e, breaker);
        }
    }

    long ttlMillis(Duration ttl) {
        Objects.requireNonNull(ttl, "ttl");
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException(component + ": ttl must be positive, was " + ttl);
        }
        return ceilMillis(ttl);
    }

    /** Redis PX has millisecond resolution: a TTL is rounded up so that a positive TTL never becomes 0. */
    private static long ceilMillis(Duration d) {
        long nanos = Checks.saturatedNanos(d);
        return nanos / 1_000_000L + (nanos % 1_000_000L == 0 ? 0 : 1);
    }

    private static String globEscape(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.toString();
    }
}

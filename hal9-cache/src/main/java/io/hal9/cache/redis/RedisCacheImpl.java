package io.hal9.cache.redis;

import io.hal9.cache.CacheException;
import io.hal9.cache.CacheLoader;
import io.hal9.cache.CacheStats;
import io.hal9.cache.KeyCodec;
import io.hal9.cache.ValueCodec;
import io.hal9.cache.internal.LoadStats;
import io.hal9.cache.internal.Loaders;
import io.hal9.core.Coalescer;
import io.hal9.core.Ticker;
import io.hal9.core.internal.Checks;
import io.hal9.core.internal.RateLimitedLog;
import io.hal9.redis.SharedRedis;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.AsyncCommand;
import io.lettuce.core.protocol.Command;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.io.Serial;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link RedisCache} built by {@link RedisCache.Builder}.
 *
 * <p>Design: every Redis command goes through {@link #call} (synchronous: {@code future.get(timeout)})
 * or {@link #callAsync} (a copy of the command's future with {@code orTimeout}); both ask the {@link
 * CircuitBreaker} first and report the outcome to it, count failures and notify the listener. A command
 * that is skipped, fails or times out surfaces inside this class as the stackless {@link #UNAVAILABLE}
 * signal, which each operation turns into its documented degraded answer (miss, failed write); it never
 * leaves the class. Loads are coalesced per key by a {@link Coalescer} holding {@code Optional<V>} (a
 * loader may answer "no value").
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
    private static final Duration DEFAULT_TTL = Duration.ofMinutes(10);
    private static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofMillis(250);
    private static final int DEFAULT_BREAKER_FAILURES = 5;
    private static final Duration DEFAULT_BREAKER_OPEN = Duration.ofSeconds(1);
    private static final int DEFAULT_SCAN_BATCH = 500;
    private static final Duration DEFAULT_ERROR_LOG_INTERVAL = Duration.ofSeconds(10);
    /** Commands an owned connection holds unanswered; beyond it Lettuce fails new ones (counted as errors). */
    static final int REQUEST_QUEUE_SIZE = 65_536;

    static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);
    private static final RedisCacheListener NO_LISTENER = new RedisCacheListener() {};

    /** Signals "Redis did not answer" inside this class; stackless and shared, never thrown to callers. */
    private static final class Unavailable extends RuntimeException {
        @Serial
        private static final long serialVersionUID = 1L;

        Unavailable() {
            super("redis unavailable", null, false, false);
        }
    }

    private static final Unavailable UNAVAILABLE = new Unavailable();

    /** The breaker of {@code invalidateAll()}'s SCAN on a cluster. */
    static final String SCAN_SHARD = "scan";

    private final String name;
    private final String component;
    private final String keyspace;
    private final String scanPattern;
    private final ValueCodec<V> codec;
    private final KeyCodec<? super K> keyCodec;
    private final StatefulConnection<String, byte[]> connection;
    private final RedisClusterAsyncCommands<String, byte[]> commands;
    /** The connection when it is a standalone/Sentinel one: putAll dispatches its batch with one flush. */
    private final @Nullable StatefulRedisConnection<String, byte[]> standalone;

    /** The cluster connection, for the shard of a key; {@code null} off a cluster. */
    private final @Nullable StatefulRedisClusterConnection<String, byte[]> cluster;
    /** The shared setup the cache uses (to unregister its watcher), and the one it built itself. */
    private final @Nullable SharedRedis redis;

    private final @Nullable SharedRedis ownedRedis;
    private @Nullable ConnectionWatcher watcher;
    private final long defaultTtlMillis;
    private final long timeoutNanos;
    private final int scanBatchSize;
    private final @Nullable CacheLoader<K, V> loader;
    private final RedisCacheListener listener;
    private final Ticker ticker;
    private final Executor executor;
    /** The only breaker off a cluster; on a cluster the one of SCAN (which visits every master). */
    private final CircuitBreaker breaker;
    /** On a cluster, the breaker of each master. */
    private final ConcurrentHashMap<String, CircuitBreaker> breakers = new ConcurrentHashMap<>();
    /** Openings of breakers dropped with their shard, so that the total only grows. */
    private final LongAdder droppedOpened = new LongAdder();

    private final int breakerThreshold;
    private final long breakerOpenNanos;
    private final Coalescer<K, Optional<V>> loads;
    private final RateLimitedLog errorLog;
    private final RateLimitedLog corruptLog;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AsyncView asyncView = new AsyncView();

    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LoadStats loadStats;
    private final LongAdder puts = new LongAdder();
    private final LongAdder invalidations = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final LongAdder timeouts = new LongAdder();
    private final LongAdder corrupt = new LongAdder();
    private final LongAdder failedWrites = new LongAdder();
    private final LongAdder skipped = new LongAdder();

    private RedisCacheImpl(
            RedisCache.Builder<K, V> b,
            StatefulConnection<String, byte[]> connection,
            RedisClusterAsyncCommands<String, byte[]> commands,
            @Nullable SharedRedis redis,
            @Nullable SharedRedis ownedRedis) {
        this.name = b.name;
        this.component = b.component;
        this.keyspace = (b.keyPrefix == null ? "hal9:" : b.keyPrefix) + b.name + ":";
        this.scanPattern = globEscape(keyspace) + "*";
        this.codec = b.valueCodec;
        this.keyCodec = b.keyCodec == null ? KeyCodec.ofToString() : b.keyCodec;
        this.connection = connection;
        this.commands = commands;
        this.standalone = connection instanceof StatefulRedisConnection<String, byte[]> s ? s : null;
        this.cluster = connection instanceof StatefulRedisClusterConnection<String, byte[]> c ? c : null;
        this.redis = redis;
        this.ownedRedis = ownedRedis;
        this.defaultTtlMillis = ceilMillis(b.defaultTtl == null ? DEFAULT_TTL : b.defaultTtl);
        this.timeoutNanos =
                Checks.saturatedNanos(b.commandTimeout == null ? DEFAULT_COMMAND_TIMEOUT : b.commandTimeout);
        this.scanBatchSize = b.scanBatchSize == 0 ? DEFAULT_SCAN_BATCH : b.scanBatchSize;
        this.loader = b.loader;
        this.listener = b.listener == null ? NO_LISTENER : b.listener;
        this.ticker = b.ticker == null ? Ticker.system() : b.ticker;
        this.loadStats = new LoadStats(ticker);
        this.executor = b.executor == null ? ForkJoinPool.commonPool() : b.executor;
        long logInterval =
                Checks.saturatedNanos(b.errorLogInterval == null ? DEFAULT_ERROR_LOG_INTERVAL : b.errorLogInterval);
        this.errorLog = new RateLimitedLog(ticker, logInterval);
        this.corruptLog = new RateLimitedLog(ticker, logInterval);
        this.breakerThreshold = b.breakerFailureThreshold == 0 ? DEFAULT_BREAKER_FAILURES : b.breakerFailureThreshold;
        this.breakerOpenNanos =
                Checks.saturatedNanos(b.breakerOpenInterval == null ? DEFAULT_BREAKER_OPEN : b.breakerOpenInterval);
        this.breaker = newBreaker(cluster == null ? SharedRedis.SINGLE_SHARD : SCAN_SHARD);
        this.loads = Coalescer.create(component);
    }

    static <K, V> RedisCache<K, V> create(RedisCache.Builder<K, V> b) {
        if (b.connection != null) {
            return new RedisCacheImpl<>(b, b.connection, b.connection.async(), null, null);
        }
        if (b.clusterConnection != null) {
            return new RedisCacheImpl<>(b, b.clusterConnection, b.clusterConnection.async(), null, null);
        }
        SharedRedis redis = b.redis;
        SharedRedis owned = null;
        if (redis == null) {
            String uri = Objects.requireNonNull(b.uri, "uri");
            try {
                SharedRedis.Builder rb = SharedRedis.builder().uri(uri);
                if (b.cluster) {
                    rb.cluster(true);
                }
                owned = rb.build();
            } catch (RuntimeException e) {
                throw new CacheException(
                        b.component + ": cannot connect to " + redactedUri(uri) + ": " + e.getMessage(), e);
            }
            redis = owned;
        }
        RedisCacheImpl<K, V> cache = new RedisCacheImpl<>(b, redis.connection(), redis.commands(), redis, owned);
        cache.watch();
        return cache;
    }

    /** Reports the shared data connection's losses and returns to the listener; outside the constructor. */
    private void watch() {
        SharedRedis r = redis;
        if (r != null) {
            ConnectionWatcher w = new ConnectionWatcher(component, listener, r.isCluster() ? null : connection);
            watcher = w;
            r.addConnectionListener(w);
        }
    }

    private CircuitBreaker newBreaker(String shard) {
        return new CircuitBreaker(
                breakerThreshold, breakerOpenNanos, ticker, (from, to) -> breakerChanged(shard, from, to));
    }

    /** The breaker of the shard that owns {@code rk} (the only one off a cluster). */
    private CircuitBreaker breakerFor(String rk) {
        StatefulRedisClusterConnection<String, byte[]> c = cluster;
        if (c == null) {
            return breaker;
        }
        String shard = SharedRedis.shardOf(c, rk);
        CircuitBreaker b = breakers.get(shard);
        return b != null ? b : breakers.computeIfAbsent(shard, this::newBreaker);
    }

    /** The keys grouped by the breaker of their shard, in first-seen order (one group off a cluster). */
    private Map<CircuitBreaker, List<Integer>> byShard(List<String> rks) {
        Map<CircuitBreaker, List<Integer>> out = new LinkedHashMap<>();
        for (int i = 0; i < rks.size(); i++) {
            out.computeIfAbsent(breakerFor(rks.get(i)), x -> new ArrayList<>()).add(i);
        }
        return out;
    }

    /** The part of a multi-key command sent to one shard: its keys and answer ({@code ok == false}: none). */
    private record Part<T>(List<String> keys, @Nullable T value, boolean ok) {}

    /**
     * Sends a multi-key command split by shard (each part asks its shard's breaker), all parts at once,
     * then waits for them within one command timeout. A part that was skipped, failed or timed out comes
     * back with {@code ok == false}, counted and reported.
     */
    private <T> List<Part<T>> callByShard(
            String op, boolean write, List<String> rks, Function<String[], RedisFuture<T>> command) {
        List<CircuitBreaker> bs = new ArrayList<>();
        List<List<String>> ks = new ArrayList<>();
        List<@Nullable RedisFuture<T>> fs = new ArrayList<>();
        for (Map.Entry<CircuitBreaker, List<Integer>> g : byShard(rks).entrySet()) {
            CircuitBreaker b = g.getKey();
            List<String> keys = new ArrayList<>(g.getValue().size());
            for (int i : g.getValue()) {
                keys.add(rks.get(i));
            }
            RedisFuture<T> f = null;
            if (!b.tryAcquire()) {
                skipped.increment();
            } else {
                try {
                    f = command.apply(keys.toArray(String[]::new));
                } catch (RuntimeException e) {
                    failed(op, write, e, b);
                }
            }
            bs.add(b);
            ks.add(keys);
            fs.add(f);
        }
        long deadline = System.nanoTime() + timeoutNanos;
        List<Part<T>> out = new ArrayList<>(fs.size());
        for (int i = 0; i < fs.size(); i++) {
            RedisFuture<T> f = fs.get(i);
            if (f == null) {
                out.add(new Part<>(ks.get(i), null, false));
                continue;
            }
            try {
                T v = f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                bs.get(i).onSuccess();
                out.add(new Part<>(ks.get(i), v, true));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                for (int j = i; j < fs.size(); j++) {
                    RedisFuture<T> pending = fs.get(j);
                    if (pending != null) {
                        pending.cancel(false);
                        bs.get(j).onAbandoned();
                    }
                }
                throw new CacheException(component + ": interrupted while waiting for Redis (" + op + ")", e);
            } catch (ExecutionException e) {
                failed(op, write, e.getCause() == null ? e : e.getCause(), bs.get(i));
                out.add(new Part<>(ks.get(i), null, false));
            } catch (TimeoutException e) {
                f.cancel(false);
                failed(op, write, e, bs.get(i));
                out.add(new Part<>(ks.get(i), null, false));
            }
        }
        return out;
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
        byte[] bytes;
        try {
            bytes = call("GET", false, breakerFor(rk), () -> commands.get(rk));
        } catch (Unavailable u) {
            misses.increment();
            return null;
        }
        return decodeCounted(rk, bytes);
    }

    @Override
    public @Nullable V get(K key) {
        CacheLoader<K, V> l = Loaders.require(component, loader);
        return get(key, k -> Loaders.load(component, l, k));
    }

    @Override
    public @Nullable V get(K key, Function<? super K, ? extends @Nullable V> loader) {
        Objects.requireNonNull(loader, "loader");
        V present = getIfPresent(key);
        if (present != null) {
            return present;
        }
        return loads.join(key, k -> Optional.ofNullable(loadAndWriteBack(k, loader)))
                .orElse(null);
    }

    private @Nullable V loadAndWriteBack(K key, Function<? super K, ? extends @Nullable V> fn) {
        V value = loadStats.load(key, fn);
        if (value != null) {
            byte[] bytes = encode(key, value);
            String rk = redisKey(key);
            try {
                call("SET", true, breakerFor(rk), () -> commands.set(rk, bytes, SetArgs.Builder.px(defaultTtlMillis)));
            } catch (Unavailable u) {
                failedWrites.increment();
            }
        }
        return value;
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
        for (Part<List<KeyValue<String, byte[]>>> part : callByShard("MGET", false, redisKeys, commands::mget)) {
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
            call("SET", true, breakerFor(rk), () -> commands.set(rk, bytes, SetArgs.Builder.px(ttlMillis)));
            puts.increment();
        } catch (Unavailable u) {
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
        SetArgs px = SetArgs.Builder.px(ttlMillis);
        // Per shard: ask its breaker once, dispatch its SETs, and report one outcome to it.
        List<CircuitBreaker> bs = new ArrayList<>();
        List<List<RedisFuture<String>>> sentByShard = new ArrayList<>();
        for (Map.Entry<CircuitBreaker, List<Integer>> g : byShard(rks).entrySet()) {
            CircuitBreaker b = g.getKey();
            List<Integer> idx = g.getValue();
            if (!b.tryAcquire()) {
                skipped.increment();
                failedWrites.add(idx.size());
                continue;
            }
            List<RedisFuture<String>> sent = new ArrayList<>(idx.size());
            try {
                StatefulRedisConnection<String, byte[]> single = standalone;
                if (single != null) {
                    // One dispatch of the whole batch: Lettuce writes it and flushes the socket once, without
                    // touching the shared connection's auto-flush setting (other threads keep using it).
                    List<AsyncCommand<String, byte[], String>> batch = new ArrayList<>(idx.size());
                    for (int i : idx) {
                        CommandArgs<String, byte[]> args =
                                new CommandArgs<>(CODEC).addKey(rks.get(i)).addValue(values.get(i));
                        px.build(args);
                        batch.add(new AsyncCommand<>(new Command<>(CommandType.SET, new StatusOutput<>(CODEC), args)));
                    }
                    single.dispatch(batch);
                    sent.addAll(batch);
                } else {
                    // Cluster: Lettuce routes each command to its slot's node; issued back to back, none waits
                    // for an answer, so the batch is pipelined per node.
                    for (int i : idx) {
                        sent.add(commands.set(rks.get(i), values.get(i), px));
                    }
                }
            } catch (RuntimeException e) {
                failedWrites.add(idx.size() - sent.size());
                if (sent.isEmpty()) {
                    failed("SET", true, e, b);
                    continue;
                }
            }
            bs.add(b);
            sentByShard.add(sent);
        }
        long deadline = System.nanoTime() + timeoutNanos;
        int ok = 0;
        for (int s = 0; s < sentByShard.size(); s++) {
            Throwable failure = null;
            int shardOk = 0;
            List<RedisFuture<String>> sent = sentByShard.get(s);
            for (RedisFuture<String> f : sent) {
                try {
                    f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    shardOk++;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    for (int j = s; j < bs.size(); j++) {
                        bs.get(j).onAbandoned();
                    }
                    failedWrites.add(sent.size() - shardOk);
                    throw new CacheException(component + ": interrupted while waiting for Redis (putAll)", e);
                } catch (ExecutionException | TimeoutException e) {
                    f.cancel(false);
                    failure = failure == null ? unwrap(e) : failure;
                }
            }
            failedWrites.add(sent.size() - shardOk);
            ok += shardOk;
            if (failure != null) {
                failed("SET", true, failure, bs.get(s));
            } else if (shardOk > 0) {
                bs.get(s).onSuccess();
            }
        }
        if (countPuts) {
            puts.add(ok);
        }
    }

    @Override
    public void invalidate(K key) {
        ensureOpen();
        String rk = redisKey(key);
        try {
            call("UNLINK", true, breakerFor(rk), () -> commands.unlink(rk));
            invalidations.increment();
        } catch (Unavailable u) {
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
        for (Part<Long> part : callByShard("UNLINK", true, new ArrayList<>(rks), commands::unlink)) {
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
                KeyScanCursor<String> page = call("SCAN", false, breaker, () -> commands.scan(from, args));
                List<String> found = page.getKeys();
                if (!found.isEmpty()) {
                    for (Part<Long> part : callByShard("UNLINK", true, found, commands::unlink)) {
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
        } catch (Unavailable u) {
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
        long opened = droppedOpened.sum();
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
                errors.sum(),
                timeouts.sum(),
                corrupt.sum(),
                failedWrites.sum(),
                skipped.sum(),
                worst,
                opened);
    }

    @Override
    public List<ShardBreaker> shardBreakers() {
        StatefulRedisClusterConnection<String, byte[]> c = cluster;
        List<ShardBreaker> out = new ArrayList<>();
        if (c == null) {
            out.add(new ShardBreaker(SharedRedis.SINGLE_SHARD, breaker.state(), breaker.opened()));
            return out;
        }
        // A master that failed over is no longer listed: its breaker goes (its openings stay counted).
        Set<String> live = new HashSet<>(SharedRedis.shards(c));
        for (Map.Entry<String, CircuitBreaker> e : breakers.entrySet()) {
            if (!live.contains(e.getKey()) && breakers.remove(e.getKey(), e.getValue())) {
                droppedOpened.add(e.getValue().opened());
            }
        }
        out.add(new ShardBreaker(SCAN_SHARD, breaker.state(), breaker.opened()));
        for (Map.Entry<String, CircuitBreaker> e : breakers.entrySet()) {
            out.add(new ShardBreaker(
                    e.getKey(), e.getValue().state(), e.getValue().opened()));
        }
        out.sort(java.util.Comparator.comparing(ShardBreaker::shard));
        return out;
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
        SharedRedis r = redis;
        ConnectionWatcher w = watcher;
        if (r != null && w != null) {
            r.removeConnectionListener(w);
        }
        SharedRedis owned = ownedRedis;
        if (owned != null) {
            owned.close();
        }
        LOG.info("{}: closed ({})", component, redisStats());
    }

    @Override
    public String toString() {
        return component + " " + redisStats();
    }

    // ---------------------------------------------------------------- plumbing

    private void ensureOpen() {
        if (closed.get()) {
            throw new CacheException(component + " is closed", null);
        }
    }

    private byte[] encode(K key, V value) {
        try {
            return codec.encode(value);
        } catch (RuntimeException e) {
            throw new CacheException(
                    component + ": cannot encode the value for key '" + key + "': " + e.getMessage(), e);
        }
    }

    /** Decodes a value read from Redis, counting a hit, a miss or a corrupt entry (which is removed). */
    private @Nullable V decodeCounted(String rk, byte @Nullable [] bytes) {
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
            notifyListener(() -> listener.onCorruptEntry(rk, e));
            removeQuietly(rk);
            return null;
        }
    }

    /** Removes a corrupt entry without waiting; a failure is counted like any other. */
    private void removeQuietly(String rk) {
        CircuitBreaker breaker = breakerFor(rk);
        if (!breaker.tryAcquire()) {
            skipped.increment();
            return;
        }
        try {
            commands.unlink(rk).whenComplete((n, err) -> {
                if (err != null) {
                    failed("UNLINK", true, err, breaker);
                } else {
                    breaker.onSuccess();
                }
            });
        } catch (RuntimeException e) {
            failed("UNLINK", true, e, breaker);
        }
    }

    /**
     * Sends one command and waits at most the command timeout. Returns its answer, or throws {@link
     * #UNAVAILABLE} after counting and reporting (skipped by the breaker, failed, timed out).
     */
    private <T> T call(String op, boolean write, CircuitBreaker breaker, Supplier<RedisFuture<T>> command) {
        if (!breaker.tryAcquire()) {
            skipped.increment();
            throw UNAVAILABLE;
        }
        RedisFuture<T> f;
        try {
            f = command.get();
        } catch (RuntimeException e) {
            failed(op, write, e, breaker);
            throw UNAVAILABLE;
        }
        try {
            T result = f.get(timeoutNanos, TimeUnit.NANOSECONDS);
            breaker.onSuccess();
            return result;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            breaker.onAbandoned();
            f.cancel(false);
            throw new CacheException(component + ": interrupted while waiting for Redis (" + op + ")", e);
        } catch (ExecutionException e) {
            failed(op, write, e.getCause() == null ? e : e.getCause(), breaker);
            throw UNAVAILABLE;
        } catch (TimeoutException e) {
            f.cancel(false);
            failed(op, write, e, breaker);
            throw UNAVAILABLE;
        }
    }

    /** Sends one command; the future answers its result, or fails with {@link #UNAVAILABLE}. */
    private <T> CompletableFuture<T> callAsync(
            String op, boolean write, CircuitBreaker breaker, Supplier<RedisFuture<T>> command) {
        if (!breaker.tryAcquire()) {
            skipped.increment();
            return CompletableFuture.failedFuture(UNAVAILABLE);
        }
        RedisFuture<T> f;
        try {
            f = command.get();
        } catch (RuntimeException e) {
            failed(op, write, e, breaker);
            return CompletableFuture.failedFuture(UNAVAILABLE);
        }
        // A copy: the timeout completes the copy only, never Lettuce's own command object.
        return f.toCompletableFuture()
                .copy()
                .orTimeout(timeoutNanos, TimeUnit.NANOSECONDS)
                .handle((v, err) -> {
                    if (err != null) {
                        f.cancel(false);
                        failed(op, write, unwrap(err), breaker);
                        throw UNAVAILABLE;
                    }
                    breaker.onSuccess();
                    return v;
                });
    }

    private void failed(String op, boolean write, Throwable cause, CircuitBreaker breaker) {
        boolean timeout =
                cause instanceof TimeoutException || cause instanceof io.lettuce.core.RedisCommandTimeoutException;
        (timeout ? timeouts : errors).increment();
        breaker.onFailure();
        if (errorLog.tryAcquire() != RateLimitedLog.HELD_BACK) {
            LOG.warn(
                    "{}: Redis {} {} ({} errors, {} timeouts so far; breaker {}): {}",
                    component,
                    op,
                    timeout ? "timed out" : "failed",
                    errors.sum(),
                    timeouts.sum(),
                    breaker.state(),
                    timeout
                            ? "no answer within " + Checks.formatDuration(Duration.ofNanos(timeoutNanos))
                            : cause.toString());
        }
        notifyListener(() -> listener.onError(op, write, cause));
    }

    private void breakerChanged(String shard, BreakerState from, BreakerState to) {
        if (to == BreakerState.OPEN) {
            LOG.warn(
                    "{}: circuit breaker of shard {} {} -> OPEN: Redis is skipped for a while", component, shard, from);
        } else if (to == BreakerState.CLOSED) {
            LOG.info("{}: circuit breaker of shard {} {} -> CLOSED: Redis answers again", component, shard, from);
        }
        notifyListener(() -> listener.onShardBreakerStateChange(shard, from, to));
    }

    private void notifyListener(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            LOG.warn("{}: listener threw; ignored", component, e);
        }
    }

    private long ttlMillis(Duration ttl) {
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

    private static String redactedUri(String uri) {
        int at = uri.indexOf('@');
        int scheme = uri.indexOf("://");
        return at > 0 && scheme > 0 && at > scheme ? uri.substring(0, scheme + 3) + "***" + uri.substring(at) : uri;
    }

    private static Throwable unwrap(Throwable t) {
        Throwable c = t;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }

    /**
     * Reports losses and returns of an owned connection to the listener (not the first connect).
     * Thread safety: called on Lettuce I/O threads; {@code connectedOnce} is an atomic flag.
     */
    private static final class ConnectionWatcher implements RedisConnectionStateListener {
        private final String component;
        private final RedisCacheListener listener;
        /** The connection to watch, or {@code null} for every connection of the client (a cluster). */
        private final @Nullable Object only;
        // Registered after the first connect: every connect it sees is a reconnect.
        private final AtomicBoolean connectedOnce = new AtomicBoolean(true);

        ConnectionWatcher(String component, RedisCacheListener listener, @Nullable Object only) {
            this.component = component;
            this.listener = listener;
            this.only = only;
        }

        @Override
        public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress address) {
            if (only != null && connection != only) {
                return;
            }
            if (!connectedOnce.compareAndSet(false, true)) {
                LOG.info("{}: reconnected to {}", component, address);
                call(listener::onReconnected);
            }
        }

        @Override
        public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
            if (only != null && connection != only) {
                return;
            }
            if (connectedOnce.get()) {
                call(listener::onDisconnected);
            }
        }

        private void call(Runnable r) {
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.warn("{}: listener threw; ignored", component, e);
            }
        }
    }

    // ---------------------------------------------------------------- async view

    /** The asynchronous operations; see {@link io.hal9.cache.Cache.AsyncCache}. Thread safety: stateless. */
    private final class AsyncView implements AsyncCache<K, V> {

        @Override
        public CompletableFuture<@Nullable V> getIfPresent(K key) {
            String rk;
            try {
                ensureOpen();
                rk = redisKey(key);
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
            return callAsync("GET", false, breakerFor(rk), () -> commands.get(rk))
                    .handle((bytes, err) -> {
                        if (err != null) {
                            misses.increment();
                            return null;
                        }
                        return decodeCounted(rk, bytes);
                    });
        }

        @Override
        public CompletableFuture<@Nullable V> get(K key) {
            CacheLoader<K, V> l;
            try {
                l = Loaders.require(component, loader);
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
            return get(key, k -> CompletableFuture.supplyAsync(() -> Loaders.load(component, l, k), executor));
        }

        @Override
        public CompletableFuture<@Nullable V> get(
                K key, Function<? super K, ? extends CompletableFuture<? extends @Nullable V>> loader) {
            Objects.requireNonNull(loader, "loader");
            return getIfPresent(key).thenCompose(present -> {
                if (present != null) {
                    return CompletableFuture.completedFuture(present);
                }
                return loads.get(key, k -> loadAsync(k, loader)).thenApply(o -> o.orElse(null));
            });
        }

        private CompletableFuture<Optional<V>> loadAsync(
                K key, Function<? super K, ? extends CompletableFuture<? extends @Nullable V>> fn) {
            long start = loadStats.start();
            CompletableFuture<? extends @Nullable V> stage;
            try {
                stage = Objects.requireNonNull(fn.apply(key), "the loader returned a null future");
            } catch (RuntimeException e) {
                loadStats.failed(start);
                return CompletableFuture.failedFuture(e);
            }
            return stage.handle((v, err) -> {
                        if (err != null) {
                            loadStats.failed(start);
                            throw err instanceof CompletionException ce ? ce : new CompletionException(err);
                        }
                        loadStats.succeeded(start);
                        return Optional.<V>ofNullable(v);
                    })
                    .thenCompose(o -> {
                        if (o.isEmpty()) {
                            return CompletableFuture.completedFuture(o);
                        }
                        String rk = redisKey(key);
                        byte[] bytes = encode(key, o.get());
                        return callAsync(
                                        "SET",
                                        true,
                                        breakerFor(rk),
                                        () -> commands.set(rk, bytes, SetArgs.Builder.px(defaultTtlMillis)))
                                .handle((ok, err) -> {
                                    if (err != null) {
                                        failedWrites.increment();
                                    }
                                    return o;
                                });
                    });
        }

        @Override
        public CompletableFuture<Map<K, V>> getAll(Iterable<? extends K> keys) {
            Objects.requireNonNull(keys, "keys");
            return CompletableFuture.supplyAsync(() -> RedisCacheImpl.this.getAll(keys), executor);
        }

        @Override
        public CompletableFuture<Void> put(K key, V value) {
            return putAsync(key, value, defaultTtlMillis);
        }

        @Override
        public CompletableFuture<Void> put(K key, V value, Duration ttl) {
            long millis;
            try {
                millis = ttlMillis(ttl);
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
                ensureOpen();
                rk = redisKey(key);
                bytes = encode(key, value);
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
            return callAsync("SET", true, breakerFor(rk), () -> commands.set(rk, bytes, SetArgs.Builder.px(ttlMillis)))
                    .handle((ok, err) -> {
                        (err == null ? puts : failedWrites).increment();
                        return null;
                    });
        }

        @Override
        public CompletableFuture<Void> invalidate(K key) {
            String rk;
            try {
                ensureOpen();
                rk = redisKey(key);
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
            return callAsync("UNLINK", true, breakerFor(rk), () -> commands.unlink(rk))
                    .handle((n, err) -> {
                        (err == null ? invalidations : failedWrites).increment();
                        return null;
                    });
        }
    }
}

package io.hal9.cache.near;

import com.github.benmanes.caffeine.cache.Caffeine;
import io.hal9.cache.CacheException;
import io.hal9.cache.CacheLoader;
import io.hal9.cache.CacheStats;
import io.hal9.cache.KeyCodec;
import io.hal9.cache.internal.CaffeineTicker;
import io.hal9.cache.internal.LoadStats;
import io.hal9.cache.internal.Loaders;
import io.hal9.cache.internal.RedisSetup;
import io.hal9.cache.redis.RedisCache;
import io.hal9.core.Ticker;
import io.hal9.redis.SharedRedis;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link NearCache} implementation.
 *
 * <p>Design: L1 is a Caffeine cache keyed by the encoded key string (the form invalidation messages
 * carry), expiring {@code l1Ttl} after write on the injected ticker. L2 is a {@link RedisCache} on this
 * {@link SharedRedis}'s shared data connection; its shared pub/sub connection receives the messages
 * (sharded pub/sub on a cluster).
 *
 * <p>Concurrency: callers read L1 without locks. Fills (from L2 or a load) race with invalidations
 * arriving on the Lettuce I/O thread; they are ordered by invalidation epochs: {@link #stamp} is the sum
 * of the key's stripe counter and the global counter (both only grow, so the sum changes iff either
 * did). An invalidation bumps the counter first and then removes from L1; a fill captures the stamp
 * before reading L2, puts into L1, and then re-reads the stamp, removing its entry if it changed. Either
 * the remover runs after the put (removes it) or the filler sees the bump (removes it itself): a stale
 * fill can never survive. Atomic counters give the needed happens-before both ways. Loads are coalesced
 * per key in {@link #inflight}. Publishing assigns the sequence number and dispatches the PUBLISH under
 * {@link #publishLock}, so messages leave in sequence order on the one data connection.
 *
 * <p>Invariants: L1 is filled only while {@link #pubSubUp} (volatile) is true; every transition of the
 * subscription or reconnect of a connection bumps the global epoch and clears L1 before fills resume.
 */
final class NearCacheImpl<K, V> implements NearCache<K, V> {
    private static final Logger LOG = LoggerFactory.getLogger(NearCache.class);
    private static final int STRIPES = 64;
    private static final int MAX_TRACKED_SENDERS = 10_000;
    /** Longest payload of one multi-key invalidation message, in chars (the keys of a bulk write are split). */
    static final int MAX_MESSAGE_CHARS = 32 * 1024;

    final String name;
    final String component;
    private final String instanceId = UUID.randomUUID().toString();
    private final String channel;
    private final KeyCodec<? super K> keyCodec;
    private final Duration l1Ttl;
    private final Duration commandTimeout;
    final @Nullable CacheLoader<K, V> loader;
    private final NearCacheListener listener;
    private final Ticker ticker;
    final Executor executor;
    final com.github.benmanes.caffeine.cache.Cache<String, V> l1;
    private final RedisCache<K, V> l2;
    private final SharedRedis redis;
    /** The shared setup (its watcher of the data connection, and the setup built from a URI, if any). */
    private final RedisSetup setup;

    private SharedRedis.@Nullable Subscription subscription;

    private final AtomicLongArray stripes = new AtomicLongArray(STRIPES);
    private final AtomicLong globalEpoch = new AtomicLong();
    private final ConcurrentHashMap<String, CompletableFuture<@Nullable V>> inflight = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Long> lastSeqBySender = new ConcurrentHashMap<>();
    private final ReentrantLock publishLock = new ReentrantLock();
    private long sequence; // guarded by publishLock
    private volatile boolean pubSubUp;
    private final AtomicBoolean lostSubscription = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final NearCacheAsync<K, V> asyncView;

    final LongAdder l1Hits = new LongAdder();
    private final LongAdder l2Hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LoadStats loadStats;
    private final LongAdder puts = new LongAdder();
    private final LongAdder invalidations = new LongAdder();
    private final LongAdder sent = new LongAdder();
    private final LongAdder publishFailures = new LongAdder();
    private final LongAdder received = new LongAdder();
    private final LongAdder missed = new LongAdder();
    private final LongAdder resyncs = new LongAdder();

    private NearCacheImpl(NearCache.Builder<K, V> b, RedisSetup setup) {
        this.name = b.name;
        this.component = b.component;
        String prefix = b.redisOptions.keyPrefix();
        this.channel = prefix + b.name + ":~near";
        this.keyCodec = b.redisOptions.keyCodec();
        this.l1Ttl = b.l1Ttl;
        this.commandTimeout = b.redisOptions.commandTimeout();
        this.loader = b.common.loader();
        this.listener = b.listener;
        this.ticker = b.common.ticker();
        this.loadStats = new LoadStats(ticker);
        this.executor = b.common.executor();
        this.l1 = Caffeine.newBuilder()
                .maximumSize(b.l1MaximumSize)
                .expireAfterWrite(l1Ttl)
                .ticker(CaffeineTicker.of(ticker))
                .build();
        this.setup = setup;
        this.redis = setup.redis();
        this.l2 = RedisCache.<K, V>builder(b.name, b.valueCodec)
                .redis(redis)
                .keyPrefix(prefix)
                .keyCodec(keyCodec)
                .commandTimeout(commandTimeout)
                .ticker(ticker)
                .defaultTtl(b.redisOptions.defaultTtl())
                .build();
        this.asyncView = new NearCacheAsync<>(this);
    }

    static <K, V> NearCache<K, V> create(NearCache.Builder<K, V> b) {
        RedisSetup setup = RedisSetup.open(b.component, b.redisOptions.redis(), b.redisOptions.uri(), false, false);
        NearCacheImpl<K, V> cache = null;
        try {
            cache = new NearCacheImpl<>(b, setup);
            cache.start();
            return cache;
        } catch (RuntimeException e) {
            if (cache != null) {
                cache.close();
            } else {
                setup.close();
            }
            throw e instanceof CacheException ce
                    ? ce
                    : new CacheException(b.component + ": cannot connect to Redis: " + e.getMessage(), e);
        }
    }

    /** Registers the listeners and subscribes; outside the constructor so that {@code this} does not escape. */
    private void start() {
        // The data connection's return means reads failed meanwhile and nothing tells which invalidations
        // raced with them: L1 is cleared (off a cluster).
        setup.watch(redis.connection(), this::onDataConnectionLost, this::onDataConnectionBack);
        SharedRedis.Subscription sub = redis.subscribe(channel, new Receiver());
        subscription = sub;
        try {
            sub.confirmed().get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CacheException(component + ": interrupted while subscribing to " + channel, e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new CacheException(component + ": cannot subscribe to " + channel + ": " + e, e);
        }
        // Confirmed. A lost-subscription callback may race with this: it clears the flag again after.
        pubSubUp = true;
    }

    // ---------------------------------------------------------------- Cache

    @Override
    public String name() {
        return name;
    }

    @Override
    public String instanceId() {
        return instanceId;
    }

    @Override
    public String channel() {
        return channel;
    }

    @Override
    public @Nullable V getIfPresent(K key) {
        String sk = encode(key);
        V v = l1.getIfPresent(sk);
        if (v != null) {
            l1Hits.increment();
            return v;
        }
        long stamp = stamp(sk);
        v = l2.getIfPresent(key);
        if (v == null) {
            misses.increment();
            return null;
        }
        l2Hits.increment();
        fill(sk, v, stamp);
        return v;
    }

    @Override
    public @Nullable V get(K key) {
        return get(key, Loaders.required(component, loader));
    }

    @Override
    public @Nullable V get(K key, Function<? super K, ? extends @Nullable V> fn) {
        Objects.requireNonNull(fn, "loader");
        String sk = encode(key);
        V v = l1.getIfPresent(sk);
        if (v != null) {
            l1Hits.increment();
            return v;
        }
        CompletableFuture<@Nullable V> mine = new CompletableFuture<>();
        CompletableFuture<@Nullable V> running = inflight.putIfAbsent(sk, mine);
        if (running != null) {
            return await(running, key);
        }
        try {
            V result = fetch(key, sk, fn);
            mine.complete(result);
            return result;
        } catch (RuntimeException | Error e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            inflight.remove(sk, mine);
        }
    }

    /** L2, then the loader (written back to L2); fills L1. Called by one caller per key at a time. */
    private @Nullable V fetch(K key, String sk, Function<? super K, ? extends @Nullable V> fn) {
        long stamp = stamp(sk);
        V v = l2.getIfPresent(key);
        if (v != null) {
            l2Hits.increment();
            fill(sk, v, stamp);
            return v;
        }
        misses.increment();
        V loaded = loadStats.load(key, fn);
        if (loaded != null) {
            l2.put(key, loaded);
            fill(sk, loaded, stamp);
        }
        return loaded;
    }

    private @Nullable V await(CompletableFuture<@Nullable V> running, K key) {
        try {
            return running.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CacheException(component + ": interrupted while waiting for the load of key '" + key + "'", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException r) {
                throw r;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw new CacheException(component + ": load failed for key '" + key + "': " + c, c);
        }
    }

    @Override
    public Map<K, V> getAll(Iterable<? extends K> keys) {
        CacheLoader<K, V> l = Loaders.require(component, loader);
        Map<K, V> out = new LinkedHashMap<>();
        Map<K, Long> stamps = new LinkedHashMap<>();
        lookup(keys, out, stamps);
        if (stamps.isEmpty()) {
            return out;
        }
        Set<K> remaining = new HashSet<>(stamps.keySet());
        remaining.removeAll(out.keySet());
        if (remaining.isEmpty()) {
            return out;
        }
        misses.add(remaining.size());
        Map<K, V> loaded = loadStats.loadAll(component, l, remaining);
        Map<K, V> wanted = new LinkedHashMap<>();
        for (Map.Entry<K, V> e : loaded.entrySet()) {
            if (remaining.contains(e.getKey()) && e.getValue() != null) {
                wanted.put(e.getKey(), e.getValue());
            }
        }
        if (!wanted.isEmpty()) {
            l2.putAll(wanted);
            for (Map.Entry<K, V> e : wanted.entrySet()) {
                fill(encode(e.getKey()), e.getValue(), Objects.requireNonNull(stamps.get(e.getKey())));
            }
            out.putAll(wanted);
        }
        return out;
    }

    @Override
    public Map<K, V> getAllPresent(Iterable<? extends K> keys) {
        Map<K, V> out = new LinkedHashMap<>();
        Map<K, Long> stamps = new LinkedHashMap<>();
        lookup(keys, out, stamps);
        for (K k : stamps.keySet()) {
            if (!out.containsKey(k)) {
                misses.increment();
            }
        }
        return out;
    }

    /** L1, then one L2 round trip for the rest; {@code stamps} gets every key L1 missed. */
    private void lookup(Iterable<? extends K> keys, Map<K, V> out, Map<K, Long> stamps) {
        Objects.requireNonNull(keys, "keys");
        for (K k : keys) {
            Objects.requireNonNull(k, "key");
            String sk = encode(k);
            V v = l1.getIfPresent(sk);
            if (v != null) {
                l1Hits.increment();
                out.put(k, v);
            } else {
                stamps.put(k, stamp(sk));
            }
        }
        if (stamps.isEmpty()) {
            return;
        }
        Map<K, V> fromL2 = l2.getAllPresent(new ArrayList<>(stamps.keySet()));
        for (Map.Entry<K, V> e : fromL2.entrySet()) {
            l2Hits.increment();
            fill(encode(e.getKey()), e.getValue(), Objects.requireNonNull(stamps.get(e.getKey())));
            out.put(e.getKey(), e.getValue());
        }
    }

    @Override
    public void put(K key, V value) {
        Objects.requireNonNull(value, "value");
        String sk = encode(key);
        bump(sk); // a concurrent fill of the previous value will remove itself
        long stamp = stamp(sk);
        l2.put(key, value);
        puts.increment();
        fill(sk, value, stamp); // removed again if an invalidation arrived meanwhile
        publish(InvalidationCodec.keyTail(sk));
    }

    /** Entries with a {@code ttl} shorter than {@code l1Ttl} are not kept in L1 (only in Redis). */
    @Override
    public void put(K key, V value, Duration ttl) {
        Objects.requireNonNull(value, "value");
        String sk = encode(key);
        bump(sk);
        long stamp = stamp(sk);
        l2.put(key, value, ttl);
        puts.increment();
        if (ttl.compareTo(l1Ttl) >= 0) {
            fill(sk, value, stamp);
        } else {
            l1.invalidate(sk);
        }
        publish(InvalidationCodec.keyTail(sk));
    }

    @Override
    public void putAll(Map<? extends K, ? extends V> entries) {
        Objects.requireNonNull(entries, "entries");
        List<String> encoded = new ArrayList<>(entries.size());
        for (K k : entries.keySet()) {
            String sk = encode(k);
            encoded.add(sk);
            bump(sk);
        }
        // Stamped only after every bump: keys share stripes, so a stamp taken between two bumps of its
        // stripe would be stale at once and every such fill would undo itself.
        Map<String, Long> stamps = HashMap.newHashMap(encoded.size());
        for (String sk : encoded) {
            stamps.put(sk, stamp(sk));
        }
        l2.putAll(entries);
        for (Map.Entry<? extends K, ? extends V> e : entries.entrySet()) {
            String sk = encode(e.getKey());
            puts.increment();
            fill(sk, e.getValue(), Objects.requireNonNull(stamps.get(sk)));
        }
        publishKeys(encoded);
    }

    @Override
    public void invalidate(K key) {
        String sk = encode(key);
        l2.invalidate(key);
        invalidations.increment();
        bump(sk);
        l1.invalidate(sk);
        publish(InvalidationCodec.keyTail(sk));
    }

    @Override
    public void invalidateAll(Iterable<? extends K> keys) {
        Objects.requireNonNull(keys, "keys");
        List<K> list = new ArrayList<>();
        keys.forEach(list::add);
        l2.invalidateAll(list);
        List<String> encoded = new ArrayList<>(list.size());
        for (K k : list) {
            String sk = encode(k);
            encoded.add(sk);
            invalidations.increment();
            bump(sk);
            l1.invalidate(sk);
        }
        publishKeys(encoded);
    }

    @Override
    public void invalidateAll() {
        l2.invalidateAll();
        invalidations.increment();
        globalEpoch.incrementAndGet();
        l1.invalidateAll();
        publish(InvalidationCodec.allTail());
    }

    @Override
    public void invalidateLocal(K key) {
        String sk = encode(key);
        bump(sk);
        l1.invalidate(sk);
    }

    @Override
    public CacheStats stats() {
        return nearStats().toCacheStats();
    }

    @Override
    public NearCache.Stats nearStats() {
        return new NearCache.Stats(
                l1Hits.sum(),
                l2Hits.sum(),
                misses.sum(),
                loadStats.loads(),
                loadStats.failures(),
                loadStats.nanos(),
                puts.sum(),
                invalidations.sum(),
                sent.sum(),
                publishFailures.sum(),
                received.sum(),
                missed.sum(),
                resyncs.sum(),
                pubSubUp,
                l1.estimatedSize());
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
        pubSubUp = false;
        l1.invalidateAll();
        try {
            SharedRedis.Subscription sub = subscription;
            if (sub != null) {
                sub.close();
            }
            l2.close();
        } catch (RuntimeException e) {
            LOG.warn("{}: error while closing", component, e);
        } finally {
            setup.close();
        }
    }

    @Override
    public String toString() {
        return component + " (instance " + instanceId + ", channel " + channel + ")";
    }

    // ---------------------------------------------------------------- coherence

    String encode(K key) {
        Objects.requireNonNull(key, "key");
        return keyCodec.encode(key);
    }

    private static int stripe(String sk) {
        int h = sk.hashCode();
        return (h ^ (h >>> 16)) & (STRIPES - 1);
    }

    private long stamp(String sk) {
        return stripes.get(stripe(sk)) + globalEpoch.get();
    }

    private void bump(String sk) {
        stripes.incrementAndGet(stripe(sk));
    }

    /**
     * Puts into L1 unless the subscription is down (then it removes what L1 holds for the key: the caller
     * has a newer value in hand); undoes the put if an invalidation raced with it.
     */
    private void fill(String sk, V value, long stamp) {
        if (!pubSubUp) {
            l1.invalidate(sk);
            return;
        }
        l1.put(sk, value);
        if (stamp(sk) != stamp) {
            l1.invalidate(sk);
        }
    }

    /** Clears L1 and forgets the senders' sequences (messages may have been missed). */
    private void resync(String reason) {
        globalEpoch.incrementAndGet();
        l1.invalidateAll();
        lastSeqBySender.clear();
        resyncs.increment();
        LOG.info("{}: local level cleared ({})", component, reason);
        call(() -> listener.onResync(reason));
    }

    /** Publishes the invalidation of many keys in as few messages as fit (see {@link InvalidationCodec}). */
    private void publishKeys(List<String> sks) {
        for (String tail : InvalidationCodec.keyTails(sks, MAX_MESSAGE_CHARS)) {
            publish(tail);
        }
    }

    private void publish(String tail) {
        if (closed.get()) {
            return;
        }
        CompletableFuture<Long> f;
        publishLock.lock();
        try {
            long seq = ++sequence;
            byte[] msg = InvalidationCodec.frame(instanceId, seq, tail).getBytes(StandardCharsets.UTF_8);
            // Dispatched under the lock: Lettuce writes commands in dispatch order on one connection, so
            // receivers see this sender's sequence numbers in order.
            f = redis.publish(channel, msg);
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        } finally {
            publishLock.unlock();
        }
        f.orTimeout(commandTimeout.toNanos(), TimeUnit.NANOSECONDS).whenComplete((n, ex) -> {
            if (ex == null) {
                sent.increment();
            } else {
                publishFailures.increment();
                LOG.debug("{}: invalidation not published", component, ex);
                call(() -> listener.onPublishFailed(ex));
            }
        });
    }

    /** Handles one message; runs on the pub/sub connection's I/O thread (one at a time). */
    void onMessage(String message) {
        InvalidationCodec.Decoded m = InvalidationCodec.decode(message);
        if (m == null) {
            LOG.warn("{}: ignored a malformed invalidation message", component);
            return;
        }
        String sender = m.sender();
        if (sender.equals(instanceId)) {
            return;
        }
        long seq = m.sequence();
        received.increment();
        if (lastSeqBySender.size() >= MAX_TRACKED_SENDERS && !lastSeqBySender.containsKey(sender)) {
            lastSeqBySender.clear();
        }
        Long prev = lastSeqBySender.put(sender, seq);
        if (prev != null && seq != prev + 1) {
            long lost = seq > prev ? seq - prev - 1 : 1;
            missed.add(lost);
            LOG.warn(
                    "{}: {} invalidation(s) from instance {} were lost; clearing the local level",
                    component,
                    lost,
                    sender);
            call(() -> listener.onInvalidationsMissed(sender, lost));
            resync("gap");
            lastSeqBySender.put(sender, seq);
            return;
        }
        if (m.clearAll()) {
            // Which keys it named is unknown (malformed, or a newer sender's kind): only a clear is safe.
            LOG.warn("{}: {} from instance {}; clearing the local level", component, m.problem(), sender);
            resync(Objects.requireNonNullElse(m.problem(), "unreadable invalidation"));
        } else if (m.all()) {
            globalEpoch.incrementAndGet();
            l1.invalidateAll();
        } else if (m.keys().size() == 1) {
            String sk = m.keys().get(0);
            bump(sk);
            l1.invalidate(sk);
        } else {
            for (String sk : m.keys()) {
                bump(sk);
            }
            l1.invalidateAll(m.keys());
        }
    }

    private void call(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.warn("{}: listener threw; ignored", component, e);
        }
    }

    /** Receives the invalidation messages and the subscription's state. Thread safety: I/O thread. */
    private final class Receiver implements SharedRedis.MessageListener {
        @Override
        public void onMessage(String ch, byte[] message) {
            if (channel.equals(ch)) {
                NearCacheImpl.this.onMessage(new String(message, StandardCharsets.UTF_8));
            }
        }

        @Override
        public void onSubscriptionLost(String ch) {
            if (closed.get()) {
                return;
            }
            lostSubscription.set(true);
            pubSubUp = false;
            globalEpoch.incrementAndGet();
            LOG.warn("{}: invalidation subscription lost; the local level is no longer filled", component);
            call(listener::onPubSubDisconnected);
        }

        @Override
        public void onResubscribed(String ch) {
            if (lostSubscription.getAndSet(false)) {
                // Re-subscribed after a loss: anything published meanwhile was missed.
                resync("subscribed again");
            }
            pubSubUp = true;
        }
    }

    /** The data connection was lost (Lettuce I/O thread): fills that raced with it undo themselves. */
    private void onDataConnectionLost() {
        if (!closed.get()) {
            globalEpoch.incrementAndGet();
        }
    }

    /** The data connection is back (Lettuce I/O thread): what L1 holds may have missed invalidations. */
    private void onDataConnectionBack(SocketAddress address) {
        if (!closed.get()) {
            LOG.info("{}: data connection to {} is back", component, address);
            resync("data connection reconnected");
        }
    }
}

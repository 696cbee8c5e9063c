package io.hal9.cache.redis;

import io.hal9.cache.CacheException;
import io.hal9.core.Ticker;
import io.hal9.core.internal.Checks;
import io.hal9.core.internal.RateLimitedLog;
import io.hal9.redis.SharedRedis;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.AsyncCommand;
import io.lettuce.core.protocol.Command;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.io.Serial;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How {@link RedisCacheImpl} sends a command: every command goes through {@link #call} (synchronous: {@code
 * future.get(timeout)}), {@link #callAsync} (a copy of the command's future with {@code orTimeout}) or
 * {@link #callByShard} (a multi-key command split by shard); each asks the {@link CircuitBreaker} of the
 * key's shard first and reports the outcome to it, counts failures, logs them (rate-limited) and notifies
 * the listener. A command that is skipped, fails or times out surfaces as the stackless {@link
 * #UNAVAILABLE} signal, which the cache turns into its documented degraded answer; it never leaves the
 * redis package.
 *
 * <p>Breakers: off a cluster one breaker; on a cluster one per master ({@link SharedRedis#shardOf}),
 * created on first use and dropped once the topology no longer lists the master (its openings stay
 * counted), plus the breaker of {@code invalidateAll()}'s SCAN ({@value #SCAN_SHARD}).
 *
 * <p>Thread safety: called from any thread. The breakers are in a {@link ConcurrentHashMap}; counters
 * are {@link LongAdder}s; the log limiter uses one CAS on its last-log time.
 */
final class RedisCalls {
    private static final Logger LOG = LoggerFactory.getLogger(RedisCache.class);

    /** Signals "Redis did not answer" inside the redis package; stackless and shared, never thrown to callers. */
    static final class Unavailable extends RuntimeException {
        @Serial
        private static final long serialVersionUID = 1L;

        Unavailable() {
            super("redis unavailable", null, false, false);
        }
    }

    static final Unavailable UNAVAILABLE = new Unavailable();

    /** The breaker of {@code invalidateAll()}'s SCAN on a cluster. */
    static final String SCAN_SHARD = "scan";

    /** The part of a multi-key command sent to one shard: its keys and answer ({@code ok == false}: none). */
    record Part<T>(List<String> keys, @Nullable T value, boolean ok) {}

    private final String component;
    private final RedisCacheListener listener;
    private final Ticker ticker;
    private final long timeoutNanos;
    private final int breakerThreshold;
    private final long breakerOpenNanos;
    private final RateLimitedLog errorLog;

    /** The cluster connection, for the shard of a key; {@code null} off a cluster. */
    private final @Nullable StatefulRedisClusterConnection<String, byte[]> cluster;
    /** The only breaker off a cluster; on a cluster the one of SCAN (which visits every master). */
    private final CircuitBreaker breaker;
    /** On a cluster, the breaker of each master. */
    private final ConcurrentHashMap<String, CircuitBreaker> breakers = new ConcurrentHashMap<>();
    /** Openings of breakers dropped with their shard, so that the total only grows. */
    private final LongAdder droppedOpened = new LongAdder();

    final LongAdder errors = new LongAdder();
    final LongAdder timeouts = new LongAdder();
    final LongAdder skipped = new LongAdder();

    RedisCalls(
            String component,
            @Nullable StatefulRedisClusterConnection<String, byte[]> cluster,
            RedisCacheListener listener,
            Ticker ticker,
            long timeoutNanos,
            int breakerThreshold,
            long breakerOpenNanos,
            long errorLogIntervalNanos) {
        this.component = component;
        this.cluster = cluster;
        this.listener = listener;
        this.ticker = ticker;
        this.timeoutNanos = timeoutNanos;
        this.breakerThreshold = breakerThreshold;
        this.breakerOpenNanos = breakerOpenNanos;
        this.errorLog = new RateLimitedLog(ticker, errorLogIntervalNanos);
        this.breaker = newBreaker(cluster == null ? SharedRedis.SINGLE_SHARD : SCAN_SHARD);
    }

    /** The command timeout, in nanoseconds. */
    long timeoutNanos() {
        return timeoutNanos;
    }

    /** The only breaker off a cluster; on a cluster the one of SCAN. */
    CircuitBreaker scanBreaker() {
        return breaker;
    }

    /** Openings of breakers dropped with their shard. */
    long droppedOpened() {
        return droppedOpened.sum();
    }

    private CircuitBreaker newBreaker(String shard) {
        return new CircuitBreaker(
                breakerThreshold, breakerOpenNanos, ticker, (from, to) -> breakerChanged(shard, from, to));
    }

    /** The breaker of the shard that owns {@code rk} (the only one off a cluster). */
    CircuitBreaker breakerFor(String rk) {
        StatefulRedisClusterConnection<String, byte[]> c = cluster;
        if (c == null) {
            return breaker;
        }
        String shard = SharedRedis.shardOf(c, rk);
        CircuitBreaker b = breakers.get(shard);
        return b != null ? b : breakers.computeIfAbsent(shard, this::newBreaker);
    }

    /** The keys grouped by the breaker of their shard, in first-seen order (one group off a cluster). */
    Map<CircuitBreaker, List<Integer>> byShard(List<String> rks) {
        Map<CircuitBreaker, List<Integer>> out = new LinkedHashMap<>();
        for (int i = 0; i < rks.size(); i++) {
            out.computeIfAbsent(breakerFor(rks.get(i)), x -> new ArrayList<>()).add(i);
        }
        return out;
    }

    /**
     * Sends a multi-key command split by shard (each part asks its shard's breaker), all parts at once,
     * then waits for them within one command timeout. A part that was skipped, failed or timed out comes
     * back with {@code ok == false}, counted and reported.
     */
    <T> List<Part<T>> callByShard(
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

    /**
     * Sends one command and waits at most the command timeout. Returns its answer, or throws {@link
     * #UNAVAILABLE} after counting and reporting (skipped by the breaker, failed, timed out).
     */
    <T> T call(String op, boolean write, CircuitBreaker breaker, Supplier<RedisFuture<T>> command) {
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
    <T> CompletableFuture<T> callAsync(
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

    void failed(String op, boolean write, Throwable cause, CircuitBreaker breaker) {
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

    void notifyListener(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            LOG.warn("{}: listener threw; ignored", component, e);
        }
    }

    /**
     * Sends one {@code SET key value PX} per key, every shard's batch dispatched before any answer is awaited
     * (pipelined; off a cluster one dispatch and one socket flush), then waits for them all within one
     * command timeout. Per shard it asks the breaker once and reports one outcome to it.
     *
     * @param failedWrites where every SET that was skipped, failed or timed out is counted
     * @param standalone the connection off a cluster (one dispatch of the batch), {@code null} on a cluster
     * @return how many SETs Redis acknowledged
     * @throws CacheException if interrupted while waiting (the interrupt flag is restored)
     */
    int setEach(
            List<String> rks,
            List<byte[]> values,
            SetArgs px,
            LongAdder failedWrites,
            RedisClusterAsyncCommands<String, byte[]> commands,
            @Nullable StatefulRedisConnection<String, byte[]> standalone) {
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
                        CommandArgs<String, byte[]> args = new CommandArgs<>(SharedRedis.CODEC)
                                .addKey(rks.get(i))
                                .addValue(values.get(i));
                        px.build(args);
                        batch.add(new AsyncCommand<>(
                                new Command<>(CommandType.SET, new StatusOutput<>(SharedRedis.CODEC), args)));
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
        return ok;
    }

    /** The breaker of each shard as of now, sorted by shard name (see {@link RedisCache#shardBreakers()}). */
    List<ShardBreaker> shardBreakers() {
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

    static Throwable unwrap(Throwable t) {
        Throwable c = t;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }
}

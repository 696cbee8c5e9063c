package io.hal9.cache;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Coalesces the background reloads Caffeine asks for (one per key, {@code asyncReload}) into few bulk
 * loads: a reload joins the pending batch and gets a future; the batch goes to {@code bulkLoad} (which
 * calls {@link CacheLoader#loadAll}) once its window has passed or it holds {@code maxBatch} keys.
 *
 * <p>Design: a batch is a map from key to its pending reload, guarded by a lock held only to add or to
 * take the batch (never while loading). A reload that finds no flush scheduled schedules one after the
 * window ({@link CompletableFuture#delayedExecutor} on the cache's executor; with a zero window the flush
 * is simply handed to the executor); a reload that fills the batch takes it and hands it to the executor
 * at once, and the flush already scheduled then takes whatever arrived after it (or nothing).
 *
 * <p>Concurrency: {@code pending}, {@code flushScheduled} and {@code closed} are read and written only under {@code lock}, which
 * also gives the happens-before edge from the thread asking for a reload to the flushing thread.
 *
 * <p>Invariants: every future handed out is completed exactly once: by its batch's load (the new value,
 * {@code null} for "no value" so Caffeine removes the entry, or the load's exception, so Caffeine keeps
 * the old value), or by {@link #close()} with the old value (nothing changes).
 *
 * <p>Thread safety: all methods may be called from any thread.
 */
final class LocalRefreshBatcher<K, V> {
    private record Pending<V>(V oldValue, CompletableFuture<@Nullable V> future) {}

    private final Function<Set<K>, Map<K, V>> bulkLoad;
    private final Executor executor;
    private final Executor delayed;
    private final long windowNanos;
    private final int maxBatch;
    private final ReentrantLock lock = new ReentrantLock();
    private LinkedHashMap<K, Pending<V>> pending = new LinkedHashMap<>();
    private boolean closed;
    private boolean flushScheduled;

    LocalRefreshBatcher(Function<Set<K>, Map<K, V>> bulkLoad, Executor executor, long windowNanos, int maxBatch) {
        this.bulkLoad = bulkLoad;
        this.executor = executor;
        this.windowNanos = windowNanos;
        this.maxBatch = maxBatch;
        this.delayed = windowNanos == 0
                ? executor
                : CompletableFuture.delayedExecutor(windowNanos, TimeUnit.NANOSECONDS, executor);
    }

    /** Asks for a reload of {@code key}; the future completes with the new value, or null for none. */
    CompletableFuture<@Nullable V> reload(K key, V oldValue) {
        LinkedHashMap<K, Pending<V>> full = null;
        boolean schedule = false;
        CompletableFuture<@Nullable V> future;
        lock.lock();
        try {
            if (closed) {
                return CompletableFuture.completedFuture(oldValue);
            }
            Pending<V> p = pending.get(key);
            if (p != null) {
                return p.future();
            }
            future = new CompletableFuture<>();
            pending.put(key, new Pending<>(oldValue, future));
            if (pending.size() >= maxBatch) {
                full = pending;
                pending = new LinkedHashMap<>();
            } else if (!flushScheduled) {
                flushScheduled = true;
                schedule = true;
            }
        } finally {
            lock.unlock();
        }
        if (full != null) {
            LinkedHashMap<K, Pending<V>> batch = full;
            executor.execute(() -> load(batch));
        } else if (schedule) {
            delayed.execute(this::flush);
        }
        return future;
    }

    /** Sends the pending batch to the loader on this thread (a no-op if it is empty). */
    void flush() {
        LinkedHashMap<K, Pending<V>> batch;
        lock.lock();
        try {
            flushScheduled = false;
            if (pending.isEmpty()) {
                return;
            }
            batch = pending;
            pending = new LinkedHashMap<>();
        } finally {
            lock.unlock();
        }
        load(batch);
    }

    /** Completes the pending reloads with their old values and refuses new ones (they keep the old value). */
    void close() {
        LinkedHashMap<K, Pending<V>> batch;
        lock.lock();
        try {
            closed = true;
            batch = pending;
            pending = new LinkedHashMap<>();
        } finally {
            lock.unlock();
        }
        batch.values().forEach(p -> p.future().complete(p.oldValue()));
    }

    long windowNanos() {
        return windowNanos;
    }

    private void load(LinkedHashMap<K, Pending<V>> batch) {
        Map<K, V> loaded;
        try {
            loaded = bulkLoad.apply(new LinkedHashSet<>(batch.keySet()));
        } catch (Throwable e) {
            // Caffeine keeps the old values of failed reloads; the failure was counted and reported by bulkLoad.
            batch.values().forEach(p -> p.future().completeExceptionally(e));
            return;
        }
        batch.forEach((key, p) -> p.future().complete(loaded.get(key)));
    }
}

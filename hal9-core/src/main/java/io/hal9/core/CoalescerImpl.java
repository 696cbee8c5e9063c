package io.hal9.core;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The {@link Coalescer} returned by {@link Coalescer#create(String)}.
 *
 * <p>Design: a {@link ConcurrentHashMap} from key to the shared future of the computation in flight.
 * The first caller wins {@code putIfAbsent} and runs the loader on its own thread, outside any map
 * lock ({@code computeIfAbsent} would hold a bin lock during the loader and deadlock a loader that
 * touches the map); others find the entry and take a {@link CompletableFuture#copy() copy} of it.
 *
 * <p>Concurrency: the map gives the happens-before edges between the owner and the joiners. When the
 * computation ends, the owner removes {@code (key, shared)} first and completes the shared future
 * second, so anyone who has seen the result and asks again starts a new computation; a caller that
 * slips in between the two steps joins a computation that is just finishing, which is correct
 * coalescing. {@code remove(key, value)} never removes a newer computation for the same key.
 *
 * <p>Invariants: a key is in the map exactly while its computation runs; every shared future is
 * completed exactly once (by {@link #finish}).
 *
 * <p>Thread safety: all methods may be called from any thread.
 */
final class CoalescerImpl<K, V> implements Coalescer<K, V> {
    private final String name;
    private final String component;
    private final ConcurrentHashMap<K, CompletableFuture<V>> inFlight = new ConcurrentHashMap<>();
    private final LongAdder calls = new LongAdder();
    private final LongAdder computations = new LongAdder();
    private final LongAdder coalesced = new LongAdder();
    private final LongAdder failures = new LongAdder();

    CoalescerImpl(String name) {
        this.name = name;
        this.component = "coalescer '" + name + "'";
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public CompletableFuture<V> get(K key, Function<? super K, ? extends CompletionStage<? extends V>> loader) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(loader, "loader");
        calls.increment();
        CompletableFuture<V> shared = inFlight.get(key);
        if (shared == null) {
            CompletableFuture<V> mine = new CompletableFuture<>();
            shared = inFlight.putIfAbsent(key, mine);
            if (shared == null) {
                computations.increment();
                CompletableFuture<V> copy = mine.copy();
                compute(key, mine, loader);
                return copy;
            }
        }
        coalesced.increment();
        return shared.copy();
    }

    private void compute(
            K key, CompletableFuture<V> shared, Function<? super K, ? extends CompletionStage<? extends V>> loader) {
        CompletionStage<? extends V> stage;
        try {
            stage = loader.apply(key);
        } catch (Throwable e) {
            // A loader that throws fails every caller of this computation the same way.
            finish(key, shared, null, e);
            return;
        }
        if (stage == null) {
            finish(
                    key,
                    shared,
                    null,
                    new Hal9Exception(
                            component + ": loader returned null instead of a CompletionStage for key " + key));
            return;
        }
        stage.whenComplete((value, failure) -> finish(key, shared, value, failure));
    }

    private void finish(K key, CompletableFuture<V> shared, @Nullable V value, @Nullable Throwable failure) {
        // Forget the key first, then publish the result (see the class comment).
        inFlight.remove(key, shared);
        if (failure == null) {
            shared.complete(value);
        } else {
            failures.increment();
            shared.completeExceptionally(
                    failure instanceof CompletionException && failure.getCause() != null
                            ? failure.getCause()
                            : failure);
        }
    }

    @Override
    public V join(K key, Function<? super K, ? extends V> loader) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(loader, "loader");
        CompletableFuture<V> result = get(key, k -> {
            V value = loader.apply(k);
            if (value == null) {
                throw new Hal9Exception(component + ": loader returned null for key " + k);
            }
            return CompletableFuture.completedFuture(value);
        });
        try {
            return result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Hal9Exception(component + ": interrupted while waiting for the computation of key " + key, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new CompletionException(cause);
        }
    }

    @Override
    public int inFlight() {
        return inFlight.size();
    }

    @Override
    public Stats stats() {
        return new Stats(calls.sum(), computations.sum(), coalesced.sum(), failures.sum(), inFlight.size());
    }

    @Override
    public String toString() {
        return component + " (inFlight=" + inFlight.size() + ")";
    }
}

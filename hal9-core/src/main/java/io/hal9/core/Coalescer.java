package io.hal9.core;

import io.hal9.core.internal.Checks;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * Single-flight request coalescing: concurrent requests for the same key share one computation. The
 * first caller for a key starts the loader; callers arriving while it runs join it; its result or
 * exception reaches all of them; the key is forgotten the moment the computation ends, so the next
 * request starts afresh (this is not a cache).
 *
 * <pre>{@code
 * Coalescer<Long, Profile> profiles = Coalescer.create("profiles");
 * CompletableFuture<Profile> p = profiles.get(playerId, id -> db.loadProfileAsync(id));
 * Profile q = profiles.join(playerId, id -> db.loadProfile(id)); // blocking form
 * }</pre>
 *
 * <p>Every caller receives its own dependent copy of the shared future: cancelling or completing it
 * affects that caller only, never the shared computation (which runs on for the others; if everyone
 * gives up, its result is dropped).
 *
 * <p>Limits: the in-flight table holds one entry per key being computed right now, so it is bounded by
 * the number of concurrent callers (bound those with a {@link TaskLimiter} or the host's own limits);
 * nothing is kept after a computation ends.
 *
 * <p>Thread safety: all methods may be called from any thread. A loader must not wait for a request
 * for its own key: it would wait for itself.
 *
 * @param <K> the key; must have consistent {@code equals}/{@code hashCode}
 * @param <V> the value
 */
public interface Coalescer<K, V> {

    /** Creates a coalescer named {@code name} (used in messages and metric tags). */
    static <K, V> Coalescer<K, V> create(String name) {
        return new CoalescerImpl<>(Checks.name("coalescer", name));
    }

    /** The coalescer's name. */
    String name();

    /**
     * Returns the value for {@code key}: joins the computation in flight for it, or starts one with
     * {@code loader}, called at most once, on this thread, outside any lock.
     *
     * <p>If the loader throws, or returns {@code null} instead of a stage, every caller of this
     * computation gets a future failed with that exception (or a {@link Hal9Exception} saying the
     * loader returned null). A failed future's exception is wrapped in a {@link
     * java.util.concurrent.CompletionException} as usual for dependent stages. A stage that completes
     * with a {@code null} value (e.g. {@code Coalescer<K, Void>}) passes it on.
     *
     * @return a future of the caller's own; cancelling it does not cancel the shared computation
     */
    CompletableFuture<V> get(K key, Function<? super K, ? extends CompletionStage<? extends V>> loader);

    /**
     * Blocking form of {@link #get}: returns the value for {@code key}, running {@code loader} on this
     * thread if no computation for it is in flight, else waiting for that one.
     *
     * @throws RuntimeException the loader's own exception (a {@link RuntimeException} or {@link Error}
     *     is rethrown as is to every caller of the computation; anything else wrapped in a {@link
     *     java.util.concurrent.CompletionException})
     * @throws Hal9Exception if the loader returned {@code null}, or if the wait was interrupted (the
     *     interrupt flag is then restored; the shared computation goes on for the others)
     */
    V join(K key, Function<? super K, ? extends V> loader);

    /** Keys being computed right now. */
    int inFlight();

    /** A snapshot of the coalescer's figures. */
    Stats stats();

    /**
     * A snapshot of a coalescer's figures; {@code calls == computations + coalesced}.
     *
     * <p>Thread safety: immutable.
     *
     * @param calls calls of {@code get} and {@code join}
     * @param computations calls that started a computation (ran the loader)
     * @param coalesced calls that joined a computation already in flight
     * @param failures computations that ended with an exception (including a null from the loader)
     * @param inFlight keys being computed at the time of the snapshot
     */
    record Stats(long calls, long computations, long coalesced, long failures, int inFlight) {}
}

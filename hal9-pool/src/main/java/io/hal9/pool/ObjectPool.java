package io.hal9.pool;

import io.hal9.core.internal.BuilderOptions;
import io.hal9.core.internal.Checks;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Reuses frequently created objects (game states, buffers, messages) so that a game loop does not feed
 * the garbage collector: {@link #claim()} hands out an idle object, or a new one from the factory, and
 * closing the {@link Lease} resets the object and keeps it for the next claim.
 *
 * <pre>{@code
 * ObjectPool<GameState> states = ObjectPool.builder("game-states", GameState::new)
 *         .reset(GameState::clear) // runs on release: a reused object never shows the last game
 *         .maxIdle(1024)
 *         .build();
 * try (Lease<GameState> lease = states.claim()) {
 *     GameState state = lease.get();
 *     state.tick(); // simulate one tick
 * } // reset and kept for the next claim
 * }</pre>
 *
 * <p><b>Never blocks, never refuses.</b> {@link #claim()} takes an idle object if there is one and
 * otherwise allocates one with the factory (a <i>miss</i>); it never waits and never answers "full", so
 * this pool has no {@code try…} or timed variant: claims beyond the idle set simply allocate. The pool
 * does not limit how many objects are on loan at once; it limits how many it <i>keeps</i>.
 *
 * <p><b>When full.</b> At most {@link Builder#maxIdle(int) maxIdle} idle objects are kept (default
 * {@value #DEFAULT_MAX_IDLE}), spread over a shared lock-free queue (the largest power of two not above
 * {@code maxIdle / 2}, or not above {@code maxIdle} when per-thread caches are off), cells for virtual
 * threads (below: a quarter of the rest, at most 128) and per-thread caches of {@link
 * Builder#threadLocalCapacity(int) threadLocalCapacity} objects carved from what is left of {@code
 * maxIdle}, first come first served (a thread that finds the rest used up gets no cache and goes
 * to the shared queue; a thread that ends gives its share back). A release that finds no room
 * <i>discards</i> the object: it is left to the garbage collector, counted in {@link Stats#discards()}
 * and reported to {@link ObjectPoolListener#onDiscard}.
 *
 * <p><b>Threads.</b> A claim or release on a platform thread first tries that thread's own cache, which
 * touches no shared state, then the shared queue. Virtual threads are many and short-lived, so they get
 * no cache, and 10,000 virtual threads never mean 10,000 caches: each hashes to one of a fixed set of
 * cells (128 with the default {@code maxIdle}; none when fewer than 64 of {@code maxIdle} are left beyond
 * the shared queue, for example below a {@code maxIdle} of about 100, or when leak detection is on), each the home of one object that stays there while on loan, so a claim and its
 * release cost one compare-and-set in all. A virtual thread whose cell holds nothing idle uses the shared
 * queue, striped by thread so that carriers do not all meet on one queue. Objects resident in cells are
 * claimed by virtual threads only (a platform thread may release one: it goes back to its cell). An object may be released on another thread than
 * it was claimed on; it goes to the releasing thread's cache or the shared queue, so cross-thread hand-off
 * never grows anything without bound. A thread that ends leaves nothing pinned: its cache lives only in
 * the thread's own {@link ThreadLocal} map and dies with it (its objects are then garbage, not counted as
 * discards). Nothing here waits, so nothing pins a carrier thread.
 *
 * <p><b>Releasing twice.</b> Each pooled object lives in one permanent lease, reused from claim to claim,
 * which is why claiming and releasing allocate nothing in steady state. Closing a lease that is not on
 * loan throws {@code IllegalStateException("object pool 'x': lease released twice")} and leaves the pool
 * unchanged. Limit (the same as Netty's {@code Recycler}): a stale reference closed <i>after</i> the
 * same object was claimed again cannot be told apart from the new owner's lease, so it releases the
 * object under the new owner's feet. Do not keep a lease after closing it. Likewise, two closes of one
 * lease racing on two threads with no happens-before edge between them (two owners at once) are not
 * guaranteed to be caught: a release on the claiming thread uses no atomic instruction.
 *
 * <p><b>Leaks.</b> With {@link Builder#leakDetection(boolean) leakDetection} on, a lease that becomes
 * unreachable while on loan is reported once to {@link ObjectPoolListener#onLeak} (and logged at WARN)
 * with the stack trace of the claim, and counted in {@link Stats#leaks()}. Detection runs on the next
 * {@link #claim()}, {@link #stats()} or {@link #close()} after the garbage collector noticed the leak. It
 * costs a stack trace and a few objects per claim: meant for tests and staging, off by default.
 *
 * <p><b>Closing.</b> {@link #close()} is idempotent and drops the idle objects of the shared queue at once;
 * each platform thread's cache is dropped the next time that thread uses the pool (or when it ends).
 * Afterwards the pool keeps nothing, but does not break the game loops that still use it: {@link
 * #claim()} allocates a fresh object (a miss) and a release discards it (reason {@link
 * ObjectPoolListener.DiscardReason#CLOSED}). Leases on loan stay valid. Close pools you are done with:
 * a platform thread's cache holds its pool's objects, and so its pool, until that thread uses the pool
 * after {@code close()} or ends; a pool dropped without {@code close()} stays reachable from the caches of
 * live threads (up to {@code threadLocalCapacity} objects each).
 *
 * <p><b>Memory effects.</b> Everything a thread did to an object before releasing it (the reset included)
 * happens-before the next claim of that object returns, on whatever thread.
 *
 * <p>Thread safety: all methods may be called from any number of threads. A {@link Lease} belongs to one
 * owner at a time and may be handed to another thread through a happens-before edge (a queue, a future).
 *
 * @param <T> the type of the pooled objects
 */
public interface ObjectPool<T> extends AutoCloseable {
    /** The most idle objects a pool keeps if its builder was not told otherwise. */
    int DEFAULT_MAX_IDLE = 1024;

    /** The smallest {@code maxIdle} a pool accepts. */
    int MIN_MAX_IDLE = 2;

    /** The largest {@code maxIdle} a pool accepts ({@code 1 << 20}). */
    int MAX_MAX_IDLE = 1 << 20;

    /**
     * The capacity of each platform thread's cache if the builder was not told otherwise (or what is left
     * of {@code maxIdle} for caches, if that is smaller).
     */
    int DEFAULT_THREAD_LOCAL_CAPACITY = 32;

    /** The largest per-thread cache a pool accepts. */
    int MAX_THREAD_LOCAL_CAPACITY = 1024;

    /**
     * Starts building a pool.
     *
     * @param name the pool's name, used in messages, logs and metric tags (1 to 128 characters)
     * @param factory creates a new object on a miss; called on the claiming thread. It must not return
     *     null; an exception it throws propagates out of {@link #claim()} unchanged
     * @param <T> the type of the pooled objects
     * @throws IllegalArgumentException if the name is blank or longer than 128 characters
     */
    static <T> Builder<T> builder(String name, Supplier<? extends T> factory) {
        Objects.requireNonNull(factory, "factory");
        return new Builder<>(Checks.name("object pool", name), factory);
    }

    /**
     * Claims an object: an idle one if there is one (a <i>hit</i>), else a new one from the factory (a
     * <i>miss</i>). Never blocks. Allocates nothing on a hit (unless leak detection is on).
     *
     * @return a lease on loan to the caller; close it (try-with-resources) to give the object back
     * @throws NullPointerException if the factory returned null
     * @throws RuntimeException whatever the factory threw; the pool is unchanged
     */
    Lease<T> claim();

    /** The pool's name, as given to {@link #builder}. */
    String name();

    /** Whether {@link #close()} has been called. */
    boolean isClosed();

    /** A snapshot of the pool's counters. */
    Stats stats();

    /**
     * Stops keeping objects. Idempotent. Does not wait and does not invalidate leases on loan; see the
     * class documentation for what claims and releases do afterwards.
     */
    @Override
    void close();

    /**
     * A snapshot of a pool's counters. Per-thread counters are summed one after another while traffic
     * goes on, so under load the figures need not be mutually consistent; once traffic has stopped (and
     * the threads that made it are joined) they are exact, apart from {@code idle} (see below).
     *
     * @param claims claims answered, {@code hits + misses} by definition
     * @param hits claims answered with a reused idle object
     * @param misses claims answered with a new object from the factory
     * @param releases leases closed (first close only; a refused second close is not counted)
     * @param discards released objects the pool did not keep: no room among the idle objects, reset
     *     failed, or pool closed. Objects dropped by {@link ObjectPool#close()} or with the cache of a
     *     thread that ended are not counted.
     * @param resetFailures releases whose reset hook threw (each also counted as a discard)
     * @param leaks leases found unreachable while on loan (leak detection only)
     * @param idle idle objects kept now, approximate: read from every cache and the shared queue one after
     *     another, and including the caches of threads that ended until the garbage collector notices.
     *     Never reported above {@code maxIdle}
     * @param maxIdle the configured bound of idle objects
     * @param closed whether the pool is closed
     */
    record Stats(
            long claims,
            long hits,
            long misses,
            long releases,
            long discards,
            long resetFailures,
            long leaks,
            int idle,
            int maxIdle,
            boolean closed) {}

    /**
     * Builds an {@link ObjectPool}. Each option may be set once; a bad value is refused at once with a
     * message naming the option and the allowed range.
     *
     * <p>Thread safety: not thread-safe; use from one thread.
     *
     * @param <T> the type of the pooled objects
     */
    final class Builder<T> {
        final String name;
        final String component;
        final Supplier<? extends T> factory;
        /** Default: none, a hook the pool recognises and never calls. */
        Consumer<? super T> reset = ObjectPoolImpl.noReset();

        int maxIdle = DEFAULT_MAX_IDLE;
        int threadLocalCapacity = DEFAULT_THREAD_LOCAL_CAPACITY;
        boolean leakDetection = false;
        /** Default: a listener that ignores everything. */
        ObjectPoolListener listener = ObjectPoolImpl.NO_LISTENER;

        final BuilderOptions options;

        private Builder(String name, Supplier<? extends T> factory) {
            this.name = name;
            this.component = "object pool '" + name + "'";
            this.factory = factory;
            this.options = new BuilderOptions(component);
        }

        /**
         * Called on every release, on the releasing thread, before the object is kept: clear the fields a
         * user of the object may have set, so that a reused object never shows the previous game's data.
         * If it throws a {@link RuntimeException}, the object is discarded (never pooled), the failure is
         * counted in {@link Stats#resetFailures()} and reported to {@link ObjectPoolListener#onDiscard},
         * and the lease's {@code close()} still returns normally. Not called for releases after {@link
         * ObjectPool#close()}, whose objects are discarded anyway. Default: none (objects are kept as
         * they are).
         *
         * @throws IllegalStateException if already set
         */
        public Builder<T> reset(Consumer<? super T> reset) {
            Objects.requireNonNull(reset, "reset");
            this.reset = options.set("reset", reset);
            return this;
        }

        /**
         * The most idle objects the pool keeps, in the shared queue and the per-thread caches together.
         * Default {@value ObjectPool#DEFAULT_MAX_IDLE}. Memory: the shared queue allocates up front two
         * arrays of its capacity (a reference and a long per entry: about 6 KiB for the default's 512).
         *
         * @throws IllegalArgumentException if not in {@code [2, 1 << 20]}
         * @throws IllegalStateException if already set
         */
        public Builder<T> maxIdle(int maxIdle) {
            int value = Checks.inRange(component, "maxIdle", maxIdle, MIN_MAX_IDLE, MAX_MAX_IDLE);
            this.maxIdle = options.set("maxIdle", value);
            return this;
        }

        /**
         * How many idle objects each platform thread may keep for itself, in front of the shared queue. 0
         * turns per-thread caches off: every thread then uses the shared queue, which gets all of {@code
         * maxIdle}. Default {@value ObjectPool#DEFAULT_THREAD_LOCAL_CAPACITY}, or the share of {@code
         * maxIdle} left for caches if that is smaller. Must fit in that share, checked by {@link #build()}.
         *
         * @throws IllegalArgumentException if not in {@code [0, 1024]}
         * @throws IllegalStateException if already set
         */
        public Builder<T> threadLocalCapacity(int threadLocalCapacity) {
            int value =
                    Checks.inRange(component, "threadLocalCapacity", threadLocalCapacity, 0, MAX_THREAD_LOCAL_CAPACITY);
            this.threadLocalCapacity = options.set("threadLocalCapacity", value);
            return this;
        }

        /**
         * Whether to report leases that become unreachable without being released, with the stack trace
         * of their claim. Costs a stack trace per claim; default off.
         *
         * @throws IllegalStateException if already set
         */
        public Builder<T> leakDetection(boolean leakDetection) {
            this.leakDetection = options.set("leakDetection", leakDetection);
            return this;
        }

        /**
         * Who is told about discards and leaks. Default: nobody (they are still counted).
         *
         * @throws IllegalStateException if already set
         */
        public Builder<T> listener(ObjectPoolListener listener) {
            Objects.requireNonNull(listener, "listener");
            this.listener = options.set("listener", listener);
            return this;
        }

        /**
         * Builds a new, open, empty pool. May be called again for another, independent pool.
         *
         * @throws IllegalArgumentException if {@code threadLocalCapacity} was set larger than the share of
         *     {@code maxIdle} left for per-thread caches, e.g. {@code object pool 'states':
         *     threadLocalCapacity must be <= 2 (maxIdle 4 minus the shared queue's 2), was 8}
         */
        public ObjectPool<T> build() {
            if (options.isSet("threadLocalCapacity")) {
                int shared = ObjectPoolImpl.sharedCapacity(maxIdle, threadLocalCapacity);
                int cacheShare = maxIdle - shared;
                if (threadLocalCapacity > cacheShare) {
                    throw new IllegalArgumentException(component + ": threadLocalCapacity must be <= "
                            + cacheShare + " (maxIdle " + maxIdle + " minus the shared queue's " + shared
                            + "), was " + threadLocalCapacity);
                }
            }
            return new ObjectPoolImpl<>(this);
        }

        /**
         * The per-thread cache capacity in effect: as set (checked by {@link #build()}), or the default,
         * lowered to the share of {@code maxIdle} left for caches if that is smaller (documented; a value
         * the user gave never adapts).
         */
        int effectiveThreadLocalCapacity() {
            int cacheShare = maxIdle - ObjectPoolImpl.sharedCapacity(maxIdle, threadLocalCapacity);
            return Math.min(threadLocalCapacity, cacheShare);
        }
    }
}

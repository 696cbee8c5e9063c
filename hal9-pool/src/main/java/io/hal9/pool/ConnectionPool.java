package io.hal9.pool;

import io.hal9.core.Admission;
import io.hal9.core.RejectedException;
import io.hal9.core.Ticker;
import io.hal9.core.internal.BuilderOptions;
import io.hal9.core.internal.Checks;
import io.hal9.pool.internal.Housekeeper;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import org.jspecify.annotations.Nullable;

/**
 * A bounded pool of expensive connections that are not JDBC (a socket to a matchmaking service, a
 * gRPC channel, a Redis connection for blocking commands): at most {@code maxConnections} exist at
 * once, at least {@code minConnections} are kept open and warm, and callers either get one now, wait
 * for one fairly, or are told "busy".
 *
 * <pre>{@code
 * ConnectionPool<MatchmakingClient> pool = ConnectionPool.builder("matchmaking", factory)
 *         .maxConnections(20)
 *         .minConnections(4)
 *         .build();
 *
 * // Game loop: never blocks. null is the backpressure signal.
 * Reply onTick(Ticket ticket) throws IOException {
 *     try (ConnectionLease<MatchmakingClient> lease = pool.tryAcquire()) {
 *         if (lease == null) return Reply.BUSY;
 *         return lease.get().findMatch(ticket);
 *     }
 * }
 *
 * // Request thread (or a virtual thread): waits fairly, then throws PoolExhaustedException.
 * Reply onRequest(Ticket ticket) throws IOException {
 *     try (ConnectionLease<MatchmakingClient> lease = pool.acquire(Duration.ofMillis(200))) {
 *         return lease.get().findMatch(ticket);
 *     }
 * }
 * }</pre>
 *
 * <p>Two ways to ask:
 *
 * <ul>
 *   <li>{@link #tryAcquire()} never waits: it returns an idle connection, or {@code null} when none is
 *       idle, when callers are already waiting (it never overtakes them), or when the pool is closed.
 *       It never opens a connection itself (opening blocks); if the pool is below {@code
 *       maxConnections} and nothing is being opened, a {@code null} answer starts one opening in the
 *       background, so a later call finds it. It allocates only the small lease it returns (none in
 *       steady state once the JIT has inlined a try-with-resources block) and may run {@link
 *       ConnectionFactory#validate} on a connection that sat idle for {@code validateAfterIdle}.
 *   <li>{@link #acquire(Duration)} waits up to the timeout, first come first served: a connection
 *       that is returned, or newly opened, goes to the oldest waiter, and no newcomer takes it first.
 *       Then it throws a {@link PoolExhaustedException} naming the pool and its state.
 * </ul>
 *
 * <p>Lifecycle of a connection: opened in the background on the pool's executor (for waiters, for
 * {@code minConnections}, for a refused {@code tryAcquire}); handed out on a {@link ConnectionLease};
 * validated before reuse when it has sat idle for {@code validateAfterIdle}; destroyed when returned
 * broken ({@link ConnectionLease#closeBroken()}), when invalid, when idle for {@code idleTimeout}
 * while the pool holds more than {@code minConnections}, when older than {@code maxLifetime} (checked
 * when it is returned and by housekeeping, never while in use), and on close. Housekeeping runs every
 * {@code housekeepingInterval} on one scheduler shared by all pools (not a thread per pool). Creation
 * failures are retried with exponential backoff between {@code creationBackoff} bounds: while it
 * fails, at most one creation is attempted per backoff period, waiters keep waiting until their
 * timeout, and their exception names the last failure.
 *
 * <p>Limits: never more than {@code maxConnections} connections exist, counting those being opened
 * and those being destroyed. When all are in use, {@code tryAcquire} answers {@code null} and {@code
 * acquire} waits. The waiting line is unbounded (every waiter has a timeout). A {@code tryAcquire} on
 * an exhausted pool reads every slot once: its cost grows with {@code maxConnections}.
 *
 * <p>Lifecycle of the pool: {@link #close()} refuses new claims ({@code tryAcquire} answers {@code
 * null}, {@code acquire} throws {@link RejectedException} with {@link Admission#CLOSED}), wakes
 * waiters with the same exception, destroys idle connections at once, and destroys in-use ones when
 * they are returned; it waits up to {@code closeTimeout} for them.
 *
 * <p>Thread safety: all methods may be called from any thread, including virtual threads (nothing
 * blocks while holding a monitor).
 *
 * @param <C> the connection type
 */
public interface ConnectionPool<C> extends AutoCloseable {

    /** Default {@code maxConnections}. */
    int DEFAULT_MAX_CONNECTIONS = 100;

    /** Default {@code minConnections} (or {@code maxConnections} if that is smaller). */
    int DEFAULT_MIN_CONNECTIONS = 10;

    /** Largest allowed {@code maxConnections}. */
    int MAX_CONNECTIONS_LIMIT = 65_536;

    /** Default {@code connectionTimeout}, used by {@link #acquire()}. */
    Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(30);

    /** Default {@code idleTimeout}. */
    Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(600);

    /** Default {@code maxLifetime}. */
    Duration DEFAULT_MAX_LIFETIME = Duration.ofMinutes(30);

    /** Default {@code validateAfterIdle}. */
    Duration DEFAULT_VALIDATE_AFTER_IDLE = Duration.ofMillis(500);

    /** Default first delay after a creation failure. */
    Duration DEFAULT_CREATION_BACKOFF_INITIAL = Duration.ofMillis(100);

    /** Default longest delay between creation attempts while creation keeps failing. */
    Duration DEFAULT_CREATION_BACKOFF_MAX = Duration.ofSeconds(10);

    /** Default {@code maxConcurrentCreations}. */
    int DEFAULT_MAX_CONCURRENT_CREATIONS = 4;

    /** Default {@code housekeepingInterval}. */
    Duration DEFAULT_HOUSEKEEPING_INTERVAL = Duration.ofSeconds(30);

    /** Default {@code closeTimeout}. */
    Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(30);

    /**
     * Starts a builder for a pool named {@code name} (used in messages, logs and metric tags) that
     * opens its connections with {@code factory}.
     */
    static <C> Builder<C> builder(String name, ConnectionFactory<C> factory) {
        return new Builder<>(Checks.name("pool", name), Objects.requireNonNull(factory, "factory"));
    }

    /** The pool's name. */
    String name();

    /**
     * The listener given to the builder, or null without one: how a metrics binder finds the recorder it serves,
     * and checks that the recorder it was given is this pool's.
     */
    @Nullable
    ConnectionPoolListener listener();

    /**
     * Takes an idle connection without waiting.
     *
     * @return a lease, or {@code null} if no connection is idle, callers are already waiting, or the
     *     pool is closed (tell with {@link #isClosed()}); the backpressure signal
     */
    @Nullable
    ConnectionLease<C> tryAcquire();

    /**
     * Takes a connection, waiting up to the configured {@code connectionTimeout}.
     *
     * @see #acquire(Duration)
     */
    ConnectionLease<C> acquire();

    /**
     * Takes a connection, waiting up to {@code timeout} in arrival order for one to be returned or
     * opened. A zero timeout takes an idle connection or fails at once.
     *
     * @throws PoolExhaustedException when the timeout expires, e.g. {@code pool 'matchmaking': no
     *     connection within 30000ms (maxConnections=100, inUse=100, idle=0, waiting=12, creating=0)},
     *     or when the wait is interrupted (the interrupt flag is restored first)
     * @throws RejectedException with {@link Admission#CLOSED} if the pool is or becomes closed
     * @throws IllegalArgumentException if {@code timeout} is negative
     */
    ConnectionLease<C> acquire(Duration timeout);

    /** A snapshot of the pool's figures. */
    Stats stats();

    /** Returns true once {@link #close()} has been called. */
    boolean isClosed();

    /**
     * Closes the pool: refuses new claims, wakes waiters with {@link Admission#CLOSED}, destroys idle
     * connections on this thread, then waits up to {@code closeTimeout} until every connection in use
     * has been returned (and destroyed) and every creation in flight has ended (its connection
     * destroyed). If some are still out by then, logs a WARN with the counts and returns; they are
     * destroyed when returned. Idempotent: later calls return at once. If interrupted while waiting,
     * returns with the interrupt flag set. The pool's executor and scheduler are not shut down.
     */
    @Override
    void close();

    /** Why a connection left the pool, as reported to {@link ConnectionPoolListener#onDestroyed}. */
    enum DestroyReason {
        /** Returned with {@link ConnectionLease#closeBroken()}. */
        BROKEN,
        /** {@link ConnectionFactory#validate} said false or threw. */
        INVALID,
        /** Idle for {@code idleTimeout} while the pool held more than {@code minConnections}. */
        IDLE,
        /** Older than {@code maxLifetime}. */
        LIFETIME,
        /** The pool was closed. */
        CLOSED
    }

    /**
     * A snapshot of a pool's figures. Levels ({@code inUse}, {@code idle}, {@code pending}, {@code
     * creating}) are read one after the other without a lock, so they may be slightly inconsistent
     * with each other while the pool is busy.
     *
     * <p>Thread safety: immutable.
     *
     * @param maxConnections the configured limit
     * @param inUse connections on loan now
     * @param idle connections ready to be handed out
     * @param pending callers waiting in {@code acquire}
     * @param creating connections being opened
     * @param created connections opened so far
     * @param destroyed connections destroyed so far
     * @param creationFailures failed attempts to open a connection
     * @param timeouts timed acquires that gave up
     * @param acquired leases handed out
     */
    record Stats(
            int maxConnections,
            int inUse,
            int idle,
            int pending,
            int creating,
            long created,
            long destroyed,
            long creationFailures,
            long timeouts,
            long acquired) {}

    /**
     * Configures a {@link ConnectionPool}. Each option may be set once; setters check their argument
     * at once (a refused value leaves the option unset) and {@link #build()} checks the whole. Each
     * field holds its default from the start; {@link BuilderOptions} records what was set.
     *
     * <p>Thread safety: not thread-safe; use from one thread.
     *
     * @param <C> the connection type
     */
    final class Builder<C> {
        final String name;
        final String component;
        final ConnectionFactory<C> factory;

        int maxConnections = DEFAULT_MAX_CONNECTIONS;
        int minConnections = DEFAULT_MIN_CONNECTIONS;
        Duration connectionTimeout = DEFAULT_CONNECTION_TIMEOUT;
        Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
        Duration maxLifetime = DEFAULT_MAX_LIFETIME;
        Duration validateAfterIdle = DEFAULT_VALIDATE_AFTER_IDLE;
        Duration creationBackoffInitial = DEFAULT_CREATION_BACKOFF_INITIAL;
        Duration creationBackoffMax = DEFAULT_CREATION_BACKOFF_MAX;
        int maxConcurrentCreations = DEFAULT_MAX_CONCURRENT_CREATIONS;
        Duration housekeepingInterval = DEFAULT_HOUSEKEEPING_INTERVAL;
        Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;

        Ticker ticker = Ticker.system();

        @Nullable
        ConnectionPoolListener listener;

        /** Default: the scheduler shared by every HAL9 pool (see {@link #housekeeper}). */
        ScheduledExecutorService housekeeper = Housekeeper.shared();

        /** Default: a new daemon platform thread per task (see {@link #executor}). */
        Executor executor;

        final BuilderOptions options;

        Builder(String name, ConnectionFactory<C> factory) {
            this.name = name;
            this.component = "pool '" + name + "'";
            this.factory = factory;
            this.options = new BuilderOptions(component);
            java.util.concurrent.ThreadFactory threads =
                    Thread.ofPlatform().name(name + "-worker-", 0).daemon(true).factory();
            this.executor = task -> threads.newThread(task).start();
        }

        /** The minimum the pool keeps: as set, else the default, lowered to {@code maxConnections} if that is lower. */
        int effectiveMinConnections() {
            return options.isSet("minConnections") ? minConnections : Math.min(DEFAULT_MIN_CONNECTIONS, maxConnections);
        }

        /** At most this many connections exist at once (in use, idle, opening or closing); default 100, in [1, 65536]. */
        public Builder<C> maxConnections(int maxConnections) {
            this.maxConnections = options.set(
                    "maxConnections",
                    Checks.inRange(component, "maxConnections", maxConnections, 1, MAX_CONNECTIONS_LIMIT));
            return this;
        }

        /**
         * At least this many connections are kept open and warm (opened at start in the background,
         * replaced when destroyed, never evicted for idleness); default 10, or {@code maxConnections}
         * if that was set lower; in [0, 65536] and at most {@code maxConnections}.
         */
        public Builder<C> minConnections(int minConnections) {
            this.minConnections = options.set(
                    "minConnections",
                    Checks.inRange(component, "minConnections", minConnections, 0, MAX_CONNECTIONS_LIMIT));
            return this;
        }

        /** How long {@link ConnectionPool#acquire()} waits; default 30 s, in [0, 24 h]. */
        public Builder<C> connectionTimeout(Duration connectionTimeout) {
            this.connectionTimeout = options.set(
                    "connectionTimeout",
                    Checks.duration(
                            component, "connectionTimeout", connectionTimeout, Duration.ZERO, Duration.ofHours(24)));
            return this;
        }

        /**
         * A connection idle this long is destroyed by housekeeping while the pool holds more than
         * {@code minConnections}; default 600 s, in [0, 24 h]; {@link Duration#ZERO} keeps idle
         * connections forever.
         */
        public Builder<C> idleTimeout(Duration idleTimeout) {
            this.idleTimeout = options.set(
                    "idleTimeout",
                    Checks.duration(component, "idleTimeout", idleTimeout, Duration.ZERO, Duration.ofHours(24)));
            return this;
        }

        /**
         * A connection older than this is destroyed and replaced when it is next returned or found idle
         * by housekeeping (never while in use); each connection's limit is shortened by up to 2.5% at
         * random so that connections opened together are not all replaced at once. Default 30 min, in
         * [0, 7 days]; {@link Duration#ZERO} means no limit.
         */
        public Builder<C> maxLifetime(Duration maxLifetime) {
            this.maxLifetime = options.set(
                    "maxLifetime",
                    Checks.duration(component, "maxLifetime", maxLifetime, Duration.ZERO, Duration.ofDays(7)));
            return this;
        }

        /**
         * A connection that has sat idle at least this long is checked with {@link
         * ConnectionFactory#validate} before it is handed out; default 500 ms, in [0, 24 h]; {@link
         * Duration#ZERO} checks at every claim. A connection returned moments ago worked moments ago,
         * so checking it again costs a round trip for little; one that sat idle may have been dropped
         * by a firewall or the server. (Returning a connection does not read the clock: its idle time
         * counts from the pool's latest claim before the return, so a connection held longer than
         * this and claimed again at once may be validated once more than strictly needed.)
         */
        public Builder<C> validateAfterIdle(Duration validateAfterIdle) {
            this.validateAfterIdle = options.set(
                    "validateAfterIdle",
                    Checks.duration(
                            component, "validateAfterIdle", validateAfterIdle, Duration.ZERO, Duration.ofHours(24)));
            return this;
        }

        /**
         * Delays between creation attempts while {@link ConnectionFactory#create()} keeps failing: the
         * first retry waits {@code initial}, each further one twice as long, up to {@code max}; one
         * success resets it. Defaults 100 ms and 10 s; {@code initial} in [1 ms, 1 h], {@code max} in
         * [{@code initial}, 1 h].
         */
        public Builder<C> creationBackoff(Duration initial, Duration max) {
            Duration i = Checks.duration(
                    component, "creationBackoff initial", initial, Duration.ofMillis(1), Duration.ofHours(1));
            Duration m = Checks.duration(component, "creationBackoff max", max, i, Duration.ofHours(1));
            this.creationBackoffMax = options.set("creationBackoff", m);
            this.creationBackoffInitial = i;
            return this;
        }

        /**
         * At most this many connections are opened at the same time (while creation works; while it
         * fails, one at a time); default 4, in [1, 1024].
         */
        public Builder<C> maxConcurrentCreations(int maxConcurrentCreations) {
            this.maxConcurrentCreations = options.set(
                    "maxConcurrentCreations",
                    Checks.inRange(component, "maxConcurrentCreations", maxConcurrentCreations, 1, 1024));
            return this;
        }

        /**
         * How often housekeeping (idle eviction, max lifetime, minimum fill) runs; default 30 s, in [10
         * ms, 1 h]. Evictions may therefore happen up to one interval late.
         */
        public Builder<C> housekeepingInterval(Duration housekeepingInterval) {
            this.housekeepingInterval = options.set(
                    "housekeepingInterval",
                    Checks.duration(
                            component,
                            "housekeepingInterval",
                            housekeepingInterval,
                            Duration.ofMillis(10),
                            Duration.ofHours(1)));
            return this;
        }

        /**
         * How long {@link ConnectionPool#close()} waits for connections in use to be returned and
         * creations in flight to end, measured with the pool's ticker; default 30 s, in [0, 24 h].
         */
        public Builder<C> closeTimeout(Duration closeTimeout) {
            this.closeTimeout = options.set(
                    "closeTimeout",
                    Checks.duration(component, "closeTimeout", closeTimeout, Duration.ZERO, Duration.ofHours(24)));
            return this;
        }

        /** The time source for timeouts, idle times, lifetimes and backoff; default {@link Ticker#system()}. */
        public Builder<C> ticker(Ticker ticker) {
            this.ticker = options.set("ticker", Objects.requireNonNull(ticker, "ticker"));
            return this;
        }

        /** Receives creations, failures, destructions, timeouts and acquire times; default: none. */
        public Builder<C> listener(ConnectionPoolListener listener) {
            this.listener = options.set("listener", Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * The scheduler that triggers housekeeping and creation retries; default: one daemon thread
         * shared by every HAL9 pool. Only short, non-blocking tasks run on it (blocking work goes to
         * the {@link #executor(Executor)}). The pool never shuts it down.
         */
        public Builder<C> housekeeper(ScheduledExecutorService housekeeper) {
            this.housekeeper = options.set("housekeeper", Objects.requireNonNull(housekeeper, "housekeeper"));
            return this;
        }

        /**
         * Where blocking work runs: {@link ConnectionFactory#create()} and housekeeping's destroys.
         * Default: a new daemon platform thread per task, named {@code <name>-worker-<n>} (platform
         * threads, because a factory may block inside {@code synchronized} code, which pins a virtual
         * thread's carrier on Java 21). At most {@code maxConcurrentCreations} creations plus one
         * housekeeping run are submitted at a time. The pool never shuts it down.
         */
        public Builder<C> executor(Executor executor) {
            this.executor = options.set("executor", Objects.requireNonNull(executor, "executor"));
            return this;
        }

        /**
         * Builds the pool and starts it: housekeeping is scheduled and the first {@code
         * minConnections} connections are opened in the background (this call does not wait for them).
         *
         * @throws IllegalArgumentException if {@code minConnections > maxConnections}
         */
        public ConnectionPool<C> build() {
            if (options.isSet("minConnections") && minConnections > maxConnections) {
                throw new IllegalArgumentException(
                        options.isSet("maxConnections")
                                ? component + ": maxConnections must be >= minConnections (" + minConnections
                                        + "), was " + maxConnections
                                : component + ": minConnections must be <= maxConnections (" + maxConnections
                                        + "), was " + minConnections);
            }
            return ConnectionPoolImpl.start(this);
        }
    }
}

package io.hal9.pool.jdbc;

import io.hal9.core.Admission;
import io.hal9.core.RejectedException;
import io.hal9.core.Ticker;
import io.hal9.core.internal.BuilderOptions;
import io.hal9.core.internal.Checks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Routes JDBC work between one primary and any number of read replicas: {@link #reads(JdbcFunction)}
 * to a healthy replica, {@link #writes(JdbcFunction)} and {@link #inTransaction(JdbcFunction)} always to
 * the primary.
 *
 * <pre>{@code
 * try (ReadWriteRouter db = ReadWriteRouter.builder("games")
 *         .primary(JdbcPool.builder("games").jdbcUrl(primaryUrl).build())
 *         .replica(JdbcPool.builder("games-r1")
 *                 .jdbcUrl(replicaUrl)
 *                 .failFast(false)
 *                 .connectionTimeout(Duration.ofSeconds(1))
 *                 .build())
 *         .build()) {
 *     List<Game> open = db.reads(c -> loadOpenGames(c));
 *     db.inTransaction(c -> {
 *         join(c, gameId, playerId);
 *         return null;
 *     });
 * }
 * }</pre>
 *
 * <p><b>Choosing a replica.</b> Each read starts at a replica picked uniformly at random and takes
 * the first replica, in rotation from there, that is up and gives a connection. Over any stretch of
 * more than a few dozen reads this spreads load as evenly as round-robin, without round-robin's
 * shared cursor: a counter written by every read moves its cache line between cores on every call
 * (measured: a quarter of the throughput lost at two threads on H2), while the random pick uses the
 * calling thread's own {@link java.util.concurrent.ThreadLocalRandom} and writes nothing shared.
 * Least-busy was rejected too: HikariCP counts active connections by scanning its whole pool, which
 * costs more than the routing itself, and replicas of one primary are usually alike.
 *
 * <p><b>Failures and recovery.</b> A replica is marked down when it cannot give a connection (HikariCP
 * waited its {@code connectionTimeout}: give replica pools a short one, it bounds how long a read
 * waits before it moves on) or when a read on it loses its connection (SQLState class {@code 08} or
 * {@code 57P0x}). A read that could not get a connection from a replica moves on to the next one, and
 * to the primary when none is up ({@linkplain Stats#fallbacks() counted} and {@linkplain
 * RouterListener#onFallbackToPrimary() reported}). A read whose work failed on a replica because the
 * replica did (its connection was lost: SQLState class {@code 08} or {@code 57P0x}; or the standby
 * cancelled the query for a conflict with WAL replay, {@code 40001}) is run once more, on the primary,
 * within the same call (counted as a fallback), so a replica dying mid-read costs the caller time, not
 * an error; {@link Builder#retryReadsOnPrimary(boolean)} turns this off. The work of {@link
 * #reads(JdbcFunction)} must therefore be read-only and safe to run twice. A read whose work failed for
 * any other reason (a syntax error, a constraint) is not run again: its {@link JdbcException} goes
 * to the caller. A down replica gets no reads; it is probed (a
 * connection from its pool and {@link java.sql.Connection#isValid}) on the probe executor, never on
 * the reading thread and never on every request: the first read that passes a down replica after its
 * backoff has elapsed starts one probe; a failed probe doubles the backoff (from {@code
 * probeBackoff}'s initial value up to its maximum); a successful one puts the replica back into the
 * rotation. So with no reads there are no probes, and a recovered replica is back within one backoff
 * of the next read (plus up to HikariCP's own connection-creation backoff, at most 5 s, if its pool
 * was retrying when the replica came back).
 *
 * <p><b>Start-up.</b> With {@link Builder#probeReplicasAtStart(boolean)}, a replica is never a start-up
 * dependency: each starts out of the rotation and is probed at once in the background; reads go to the
 * primary until its probe succeeds, and a replica that is down is marked down and probed again with the
 * backoff below. Build replica pools with {@code failFast(false)} so that the pool itself starts too.
 *
 * <p><b>Reading one's own writes.</b> A replica lags the primary (usually milliseconds, unbounded under
 * load or a network fault). A read that must see a write just committed (by this process or another)
 * uses {@link #readsFromPrimary(JdbcFunction)}; {@link #reads(JdbcFunction)} is for reads that tolerate
 * that lag.
 *
 * <p><b>Primary failover.</b> The router has one primary pool; to follow a PostgreSQL failover give that
 * pool a pgjdbc multi-host URL, {@code
 * jdbc:postgresql://db1:5432,db2:5432/app?targetServerType=primary&hostRecheckSeconds=2}, which connects
 * to whichever host accepts writes now ({@code hostRecheckSeconds}, 10 by default, is how long the driver
 * trusts what it learnt of a host): after the old primary dies and a standby is
 * promoted, the calls that were on the dead connections fail (a transient {@link JdbcException}),
 * the pool's next connections go to the promoted host, and retrying writers (an {@code ActionBatcher}
 * with {@link JdbcBatchSink#retryOn()}) go on without losing what they held.
 *
 * <p><b>Limits.</b> Each pool bounds its connections; the router adds no queue of its own. A replica
 * whose pool stays exhausted for its {@code connectionTimeout} is treated as down too: reads shed to
 * the other replicas (or the primary) until a probe gets a connection from it again. When the primary
 * cannot give a connection either, the call fails with a {@link JdbcException} carrying
 * HikariCP's message (pool name, total, active, idle, waiting).
 *
 * <p><b>Errors.</b> {@link java.sql.SQLException}s are wrapped in {@link JdbcException} (which keeps
 * the SQLState); runtime exceptions thrown by the work pass through unchanged. After {@link #close()}
 * every call is refused with a {@link RejectedException} ({@link Admission#CLOSED}), and the {@link
 * DataSource} views throw an {@link java.sql.SQLException} with SQLState {@code 08003}.
 *
 * <p><b>Lifecycle.</b> The router owns its pools: {@link #close()} closes the replicas and then the
 * primary (each pool closes idle connections at once and gives borrowed ones HikariCP's grace period).
 *
 * <p>Thread safety: all methods may be called from any thread.
 */
public interface ReadWriteRouter extends AutoCloseable {

    /** Default initial {@code probeBackoff}: the wait before the first probe of a down replica. */
    Duration DEFAULT_PROBE_INITIAL_BACKOFF = Duration.ofMillis(500);
    /** Default maximum {@code probeBackoff}. */
    Duration DEFAULT_PROBE_MAX_BACKOFF = Duration.ofSeconds(30);
    /** Default {@code probeTimeout}: how long {@link java.sql.Connection#isValid} may take in a probe. */
    Duration DEFAULT_PROBE_TIMEOUT = Duration.ofSeconds(2);

    /**
     * Starts a builder.
     *
     * @param name names the router in messages, logs, probe thread names and metrics
     */
    static Builder builder(String name) {
        return new Builder(name);
    }

    /**
     * Runs read-only work on a replica that is up, or on the primary when none is.
     *
     * @param work the work; gets a connection in auto-commit mode, valid during the call
     * @return what the work returned
     * @throws JdbcException if the work threw an {@link java.sql.SQLException}, or no connection
     *     could be had from the primary either
     * @throws RejectedException if the router is closed
     */
    <R extends @Nullable Object> R reads(JdbcFunction<R> work);

    /**
     * Runs read-only work on the primary, for reads that must see every committed write (read your
     * own writes); counted as a primary read, not a fallback.
     *
     * @param work the work; gets a connection in auto-commit mode, valid during the call
     * @return what the work returned
     * @throws JdbcException if the work threw an {@link java.sql.SQLException}, or the primary gave
     *     no connection
     * @throws RejectedException if the router is closed
     */
    <R extends @Nullable Object> R readsFromPrimary(JdbcFunction<R> work);

    /**
     * Runs work on the primary, in auto-commit mode (each statement commits by itself).
     *
     * @throws JdbcException if the work threw an {@link java.sql.SQLException} or the primary gave
     *     no connection
     * @throws RejectedException if the router is closed
     */
    <R extends @Nullable Object> R writes(JdbcFunction<R> work);

    /**
     * Runs work on the primary in one transaction: auto-commit off, commit when the work returns,
     * rollback when it throws (anything), auto-commit restored before the connection goes back.
     *
     * <p>Limits: the work is not retried; if the connection is lost during the commit, the outcome is
     * unknown to the caller ({@link JdbcException#isTransient()} says whether trying again is
     * reasonable, provided the work is idempotent).
     *
     * @throws JdbcException if the work, the commit or the primary failed with an {@link
     *     java.sql.SQLException} (the transaction was rolled back, or never committed)
     * @throws RejectedException if the router is closed
     */
    <R extends @Nullable Object> R inTransaction(JdbcFunction<R> work);

    /**
     * A {@link DataSource} view for plain JDBC reads: each {@code getConnection()} chooses as {@link
     * #reads(JdbcFunction)} does and counts the same way. Closing the connection gives it back to its
     * pool. {@code getConnection(user, password)} and {@code setLoginTimeout} are not supported.
     */
    DataSource reads();

    /**
     * A {@link DataSource} view of the primary for plain JDBC writes, e.g. for a {@link JdbcBatchSink};
     * {@code getConnection()} is counted as a write.
     */
    DataSource writes();

    /** The name given to the builder. */
    String name();

    /** The primary pool. */
    JdbcPool primary();

    /** The replica pools, in the order they were added. */
    List<JdbcPool> replicas();

    /** A snapshot of the counters and of each replica's health. */
    Stats stats();

    /** Returns true once {@link #close()} has been called. */
    boolean isClosed();

    /** Refuses new work and closes every pool, replicas first. Idempotent. */
    @Override
    void close();

    /**
     * A counters snapshot.
     *
     * @param primaryReads reads served by the primary (fallbacks, and every read when there are no
     *     replicas)
     * @param fallbacks reads that went to the primary because no replica could serve them
     * @param writes connections handed out by {@link #writes(JdbcFunction)} and the {@link #writes()} view
     * @param transactions transactions committed by {@link #inTransaction}
     * @param rollbacks transactions of {@link #inTransaction} rolled back (or that failed to commit)
     * @param replicas per replica, in the order they were added
     */
    record Stats(
            long primaryReads,
            long fallbacks,
            long writes,
            long transactions,
            long rollbacks,
            List<ReplicaStats> replicas) {

        /** Copies {@code replicas}. */
        public Stats {
            replicas = List.copyOf(replicas);
        }

        /** Reads served by replicas, all together. */
        public long replicaReads() {
            long sum = 0;
            for (ReplicaStats r : replicas) {
                sum += r.reads();
            }
            return sum;
        }
    }

    /**
     * One replica's health and counters.
     *
     * @param name the replica pool's name
     * @param up whether it is in the read rotation now
     * @param reads reads it served
     * @param downs times it was marked down
     * @param probes probes started while it was down
     * @param failedProbes probes that failed
     */
    record ReplicaStats(String name, boolean up, long reads, long downs, long probes, long failedProbes) {}

    /**
     * Configures a {@link ReadWriteRouter}. Options other than {@link #replica} may be set once.
     *
     * <p>Thread safety: not thread-safe; use from one thread, then discard.
     */
    final class Builder {
        final String name;
        final String component;

        @Nullable
        JdbcPool primary;

        final List<JdbcPool> replicas = new ArrayList<>();
        Duration probeInitialBackoff = DEFAULT_PROBE_INITIAL_BACKOFF;
        Duration probeMaxBackoff = DEFAULT_PROBE_MAX_BACKOFF;
        Duration probeTimeout = DEFAULT_PROBE_TIMEOUT;

        /** Default: a new virtual thread per probe, named {@code hal9-router-<name>-probe}. */
        Executor probeExecutor;

        RouterListener listener = RouterListener.noop();
        Ticker ticker = Ticker.system();
        boolean retryReadsOnPrimary = true;
        boolean probeReplicasAtStart = false;

        /** Every option but {@link #replica} may be set once; it counts as set only once its value was accepted. */
        final BuilderOptions options;

        Builder(String name) {
            this.name = Checks.name("router", name);
            this.component = "router '" + name + "'";
            this.options = new BuilderOptions(component);
            String probeThreadName = "hal9-router-" + name + "-probe";
            this.probeExecutor =
                    task -> Thread.ofVirtual().name(probeThreadName).start(task);
        }

        /** The pool that takes writes and transactions (and reads when no replica is up). Required. */
        public Builder primary(JdbcPool primary) {
            this.primary = options.set("primary", Objects.requireNonNull(primary, "primary"));
            return this;
        }

        /**
         * Adds a read replica. May be called any number of times, once per pool; names must differ. Build
         * replica pools with {@link JdbcPool.Builder#failFast(boolean) failFast(false)} if they may be down
         * when the application starts, and with a short {@code connectionTimeout}.
         */
        public Builder replica(JdbcPool replica) {
            Objects.requireNonNull(replica, "replica");
            for (JdbcPool r : replicas) {
                if (r == replica || r.name().equals(replica.name())) {
                    throw new IllegalArgumentException(
                            component + ": replica '" + replica.name() + "' was already added");
                }
            }
            replicas.add(replica);
            return this;
        }

        /**
         * The wait before the first probe of a down replica, doubling after each failed probe up to
         * {@code max}. Defaults 500 ms and 30 s; {@code initial} in [1 ms, 1 min], {@code max} in
         * [initial, 10 min].
         */
        public Builder probeBackoff(Duration initial, Duration max) {
            Duration i = Checks.duration(
                    component, "probeBackoff initial", initial, Duration.ofMillis(1), Duration.ofMinutes(1));
            Duration m = Checks.duration(component, "probeBackoff max", max, initial, Duration.ofMinutes(10));
            this.probeInitialBackoff = options.set("probeBackoff", i);
            this.probeMaxBackoff = m;
            return this;
        }

        /**
         * How long a probe's {@link java.sql.Connection#isValid} may take, rounded up to whole seconds
         * (JDBC's unit). Getting the probe's connection is bounded by the replica pool's {@code
         * connectionTimeout}. Default 2 s, range [1 s, 1 min].
         */
        public Builder probeTimeout(Duration probeTimeout) {
            this.probeTimeout = options.set(
                    "probeTimeout",
                    Checks.duration(
                            component, "probeTimeout", probeTimeout, Duration.ofSeconds(1), Duration.ofMinutes(1)));
            return this;
        }

        /**
         * Runs probes of down replicas. Default: a new virtual thread per probe, named {@code
         * hal9-router-<name>-probe}. At most one probe per replica runs at a time.
         */
        public Builder probeExecutor(Executor probeExecutor) {
            this.probeExecutor = options.set("probeExecutor", Objects.requireNonNull(probeExecutor, "probeExecutor"));
            return this;
        }

        /** Hears replica down/up events, failed probes and fallbacks. Default: none. */
        public Builder listener(RouterListener listener) {
            this.listener = options.set("listener", Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /** The time source for probe backoff and downtime. Default {@link Ticker#system()}. */
        public Builder ticker(Ticker ticker) {
            this.ticker = options.set("ticker", Objects.requireNonNull(ticker, "ticker"));
            return this;
        }

        /**
         * Whether a read that failed on a replica because the replica did (lost connection, recovery
         * conflict) is run once more on the primary within the same call. Default true; turn it off only
         * if some work given to {@link ReadWriteRouter#reads(JdbcFunction)} must not run twice.
         */
        public Builder retryReadsOnPrimary(boolean retry) {
            this.retryReadsOnPrimary = options.set("retryReadsOnPrimary", retry);
            return this;
        }

        /**
         * Whether each replica starts out of the read rotation and is probed at once on the probe
         * executor (true), or starts in the rotation and is marked down by the first read it fails
         * (false, the default). With true, {@link #build()} never waits for a replica and a replica down
         * at start costs no read anything: it is marked down and probed again with the backoff.
         */
        public Builder probeReplicasAtStart(boolean probe) {
            this.probeReplicasAtStart = options.set("probeReplicasAtStart", probe);
            return this;
        }

        /**
         * Validates the options and creates the router, which from then on owns the pools.
         *
         * @throws IllegalArgumentException if no primary is set, or a replica is the primary pool
         */
        public ReadWriteRouter build() {
            JdbcPool p = primary;
            if (!options.isSet("primary") || p == null) {
                throw new IllegalArgumentException(component + ": primary must be set");
            }
            for (JdbcPool r : replicas) {
                if (r == p || r.name().equals(p.name())) {
                    throw new IllegalArgumentException(component + ": replica '" + r.name()
                            + "' is the primary (or has its name); give replicas pools and names of their own");
                }
            }
            return ReadWriteRouterImpl.create(this);
        }
    }
}

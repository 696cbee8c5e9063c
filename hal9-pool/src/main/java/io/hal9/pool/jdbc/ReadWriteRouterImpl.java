package io.hal9.pool.jdbc;

import io.hal9.core.Admission;
import io.hal9.core.RejectedException;
import io.hal9.core.Ticker;
import io.hal9.core.internal.Checks;
import io.hal9.pool.internal.ThreadCounters;
import java.io.PrintWriter;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLNonTransientConnectionException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;

/**
 * The {@link ReadWriteRouter} implementation.
 *
 * <p>Design: every read walks the replicas once, starting at a random one, and takes the first
 * replica that is up and gives a connection; failing that, the primary. Each replica carries an
 * immutable {@link Health} value: the shared {@link Health#UP} instance while up (so the read path
 * allocates nothing and reads one field), a fresh value per transition while down. A down replica's
 * value holds when its next probe is due; the first reader to see it due moves it to "probing" with a
 * compare-and-set and hands the probe to the executor, so one probe runs per replica at a time and
 * only readers trigger probes.
 *
 * <p>Concurrency: {@code Replica.health} is read with volatile reads (plain on x86) and changed by
 * {@code compareAndSet} for the UP→DOWN and DOWN→PROBING transitions, which any reader may attempt;
 * PROBING→UP and PROBING→DOWN are plain volatile writes by the probe, the only owner of a replica in
 * the probing state (no other transition starts from it). Reads and writes are counted in {@link
 * ThreadCounters} (the calling platform thread's own array, or a LongAdder on a virtual thread), the
 * rarer events in {@link LongAdder}s. The read path of a platform thread writes no shared field and
 * executes no atomic instruction of its own. {@code closed} is
 * an {@link AtomicBoolean}: set once by {@link #close()}; a call racing with close may still run
 * against a closing pool, which then refuses it with its own SQLException.
 *
 * <p>Invariants: a replica is in exactly one state (up, down, probing); at most one probe per replica
 * is in flight; counters only grow; every read is counted once, on the replica or the primary that
 * gave its connection.
 */
final class ReadWriteRouterImpl implements ReadWriteRouter {
    private static final org.slf4j.Logger log = LoggerFactory.getLogger(ReadWriteRouter.class);
    /** PostgreSQL's SQLState for a standby cancelling a query that conflicts with WAL replay. */
    private static final String RECOVERY_CONFLICT = "40001";

    private final String name;
    private final String component;
    private final JdbcPool primary;
    private final DataSource primaryDataSource;
    private final Replica[] replicas;
    private final List<JdbcPool> replicaPools;
    private final long probeInitialNanos;
    private final long probeMaxNanos;
    private final int probeTimeoutSeconds;
    private final Executor probeExecutor;
    private final RouterListener listener;
    private final Ticker ticker;
    private final boolean retryReadsOnPrimary;
    private final DataSource readView;
    private final DataSource writeView;

    /**
     * Reads per replica (index = the replica's), reads on the primary and writes: the counts every read
     * or write pays for, kept per platform thread so that counting adds no atomic instruction (a
     * LongAdder's CAS was most of what the router added to a HikariCP borrow).
     */
    private final ThreadCounters counts;

    private final int primaryReadsIndex;
    private final int writesIndex;
    private final LongAdder fallbacks = new LongAdder();
    private final LongAdder transactions = new LongAdder();
    private final LongAdder rollbacks = new LongAdder();

    /** Set once by close(); read (a volatile read) on every call. */
    private final AtomicBoolean closed = new AtomicBoolean();

    private ReadWriteRouterImpl(ReadWriteRouter.Builder b) {
        this.name = b.name;
        this.component = b.component;
        this.primary = Objects.requireNonNull(b.primary, "primary"); // checked by build()
        this.primaryDataSource = primary.dataSource();
        this.replicaPools = List.copyOf(b.replicas);
        this.replicas = new Replica[replicaPools.size()];
        for (int i = 0; i < replicas.length; i++) {
            replicas[i] = new Replica(replicaPools.get(i), i);
        }
        this.primaryReadsIndex = replicas.length;
        this.writesIndex = replicas.length + 1;
        this.counts = new ThreadCounters(replicas.length + 2);
        this.probeInitialNanos = Checks.saturatedNanos(b.probeInitialBackoff);
        this.probeMaxNanos = Checks.saturatedNanos(b.probeMaxBackoff);
        long timeoutMillis = b.probeTimeout.toMillis();
        this.probeTimeoutSeconds = (int) Math.max(1, (timeoutMillis + 999) / 1000);
        this.probeExecutor = b.probeExecutor;
        this.listener = b.listener;
        this.ticker = b.ticker;
        this.retryReadsOnPrimary = b.retryReadsOnPrimary;
        this.readView = new ReadView(component);
        this.writeView = new WriteView(component);
    }

    /** Creates the router from its builder (checked by {@code build()}) and starts probing if asked. */
    static ReadWriteRouter create(ReadWriteRouter.Builder b) {
        ReadWriteRouterImpl router = new ReadWriteRouterImpl(b);
        if (b.probeReplicasAtStart) {
            router.probeAll();
        }
        log.info(
                "{}: started with primary '{}' and {} replica(s) {}",
                router.component,
                router.primary.name(),
                router.replicas.length,
                router.replicaPools.stream().map(JdbcPool::name).toList());
        return router;
    }

    // ---------------------------------------------------------------- work

    @Override
    public <R extends @Nullable Object> R reads(JdbcFunction<R> work) {
        Objects.requireNonNull(work, "work");
        refuseIfClosed();
        Replica[] rs = replicas;
        int n = rs.length;
        if (n > 0) {
            int i = n == 1 ? 0 : nextStart(n);
            for (int tried = 0; tried < n; tried++) {
                Replica r = rs[i];
                Connection c = tryAcquire(r);
                if (c != null) {
                    return readOn(r, c, work);
                }
                if (++i == n) {
                    i = 0;
                }
            }
            fellBack();
        }
        return readOnPrimary(work);
    }

    private <R extends @Nullable Object> R readOn(Replica r, Connection c, JdbcFunction<R> work) {
        SQLException failure;
        try (c) {
            return work.apply(c);
        } catch (SQLException e) {
            failure = e;
        }
        boolean lost = SqlFailures.isConnectionLoss(failure);
        if (lost) {
            markDown(r, failure);
        }
        if (!retryReadsOnPrimary || !(lost || RECOVERY_CONFLICT.equals(SqlFailures.sqlState(failure)))) {
            throw new JdbcException(
                    component + ": read on replica '" + r.name + "' failed: " + SqlFailures.describe(failure), failure);
        }
        // The replica failed, not the query: the same read, once, on the primary (counted as a fallback).
        log.debug("{}: read on replica '{}' failed, running it on the primary: {}", component, r.name, failure);
        fellBack();
        return readOnPrimary(work);
    }

    @Override
    public <R extends @Nullable Object> R readsFromPrimary(JdbcFunction<R> work) {
        Objects.requireNonNull(work, "work");
        refuseIfClosed();
        return readOnPrimary(work);
    }

    private <R extends @Nullable Object> R readOnPrimary(JdbcFunction<R> work) {
        return onPrimary(work, "read", primaryReadsIndex);
    }

    /**
     * Runs one read or write on a primary connection, counted in {@code counter}; {@code what} ("read",
     * "write") names it in the failure.
     */
    private <R extends @Nullable Object> R onPrimary(JdbcFunction<R> work, String what, int counter) {
        Connection c = primaryConnection(what);
        counts.increment(counter);
        try (c) {
            return work.apply(c);
        } catch (SQLException e) {
            throw new JdbcException(
                    component + ": " + what + " on primary '" + primary.name() + "' failed: " + SqlFailures.describe(e),
                    e);
        }
    }

    @Override
    public <R extends @Nullable Object> R writes(JdbcFunction<R> work) {
        Objects.requireNonNull(work, "work");
        refuseIfClosed();
        return onPrimary(work, "write", writesIndex);
    }

    @Override
    public <R extends @Nullable Object> R inTransaction(JdbcFunction<R> work) {
        Objects.requireNonNull(work, "work");
        refuseIfClosed();
        Connection c = primaryConnection("transaction");
        try (c) {
            R result = JdbcSupport.inTransaction(c, work, rollbacks);
            transactions.increment();
            return result;
        } catch (SQLException e) {
            throw new JdbcException(
                    component + ": transaction on primary '" + primary.name() + "' failed and was rolled back: "
                            + SqlFailures.describe(e),
                    e);
        }
    }

    // ---------------------------------------------------------------- routing

    /**
     * The replica to try first: uniform over [0, n), from the calling thread's {@link
     * ThreadLocalRandom} (state in the Thread object: nothing shared is written) with a multiply-shift
     * instead of a division.
     */
    private static int nextStart(int n) {
        return (int) (((ThreadLocalRandom.current().nextInt() & 0xFFFF_FFFFL) * n) >>> 32);
    }

    /** A connection from the replica if it is up and gives one; null if it is down or just failed. */
    private @Nullable Connection tryAcquire(Replica r) {
        Health h = r.health; // volatile read: sees the latest transition
        if (h != Health.UP) {
            maybeProbe(r, h);
            return null;
        }
        try {
            Connection c = r.dataSource.getConnection();
            counts.increment(r.index);
            return c;
        } catch (SQLException | RuntimeException e) {
            markDown(r, e);
            return null;
        }
    }

    private void fellBack() {
        fallbacks.increment();
        try {
            listener.onFallbackToPrimary();
        } catch (RuntimeException e) {
            log.warn("{}: listener threw from onFallbackToPrimary", component, e);
        }
    }

    private Connection primaryConnection(String purpose) {
        try {
            return primaryDataSource.getConnection();
        } catch (SQLException e) {
            throw new JdbcException(
                    component + ": no connection from primary '" + primary.name() + "' for a " + purpose + ": "
                            + SqlFailures.describe(e),
                    e);
        }
    }

    private void refuseIfClosed() {
        if (closed.get()) {
            throw new RejectedException(component, Admission.CLOSED, closedMessage());
        }
    }

    private String closedMessage() {
        return component + ": closed, no new reads or writes are accepted";
    }

    // ---------------------------------------------------------------- health

    /**
     * Takes every replica out of the rotation and probes it at once on the probe executor: a replica
     * that answers is back within one probe, one that does not is down with the initial backoff, and
     * the caller waits for neither.
     */
    private void probeAll() {
        long now = ticker.read();
        for (Replica r : replicas) {
            Health probing = new Health(now, probeInitialNanos, now, true);
            r.health = probing; // before the router is published: no reader yet
            r.probes.increment();
            try {
                probeExecutor.execute(() -> startProbe(r, probing));
            } catch (RuntimeException e) { // the executor refused: down, probed by a later read
                downAtStart(r, e);
                r.failedProbes.increment();
                r.health = new Health(now + probeInitialNanos, probeInitialNanos, now, false);
            }
        }
    }

    private void startProbe(Replica r, Health probing) {
        Throwable failure = check(r);
        if (failure == null) {
            r.health = Health.UP; // the owner of the probing state
            log.info("{}: replica '{}' answers; in the read rotation", component, r.name);
        } else if (!closed.get()) {
            downAtStart(r, failure);
            r.failedProbes.increment();
            // the owner's volatile write: the next probe after the initial backoff
            r.health = new Health(ticker.read() + probeInitialNanos, probeInitialNanos, probing.downSince, false);
        }
    }

    private void downAtStart(Replica r, Throwable cause) {
        reportDown(r, cause, " at start", "probed again");
    }

    /**
     * Counts, logs and reports one transition of {@code r} to down: {@code when} is "" or " at start",
     * {@code next} what happens after the initial backoff.
     */
    private void reportDown(Replica r, Throwable cause, String when, String next) {
        r.downs.increment();
        log.warn(
                "{}: replica '{}' is down{}, reads go to other replicas or the primary; {} in {}ms: {}",
                component,
                r.name,
                when,
                next,
                probeInitialNanos / 1_000_000,
                cause.toString());
        try {
            listener.onReplicaDown(r.name, cause);
        } catch (RuntimeException e) {
            log.warn("{}: listener threw from onReplicaDown", component, e);
        }
    }

    /** Borrows a connection of the replica and asks it {@code isValid}; the failure, or null. */
    private @Nullable Throwable check(Replica r) {
        try (Connection c = r.dataSource.getConnection()) {
            if (!c.isValid(probeTimeoutSeconds)) {
                return new SQLNonTransientConnectionException(
                        component + ": replica '" + r.name + "' did not answer isValid within " + probeTimeoutSeconds
                                + "s",
                        "08006");
            }
            return null;
        } catch (SQLException | RuntimeException e) {
            return e;
        }
    }

    private void markDown(Replica r, Throwable cause) {
        Health h = r.health;
        if (h != Health.UP) {
            return; // already down or being probed
        }
        long now = ticker.read();
        Health down = new Health(now + probeInitialNanos, probeInitialNanos, now, false);
        // CAS: several readers may see the same failure; one transition, one event.
        if (!Replica.HEALTH.compareAndSet(r, h, down)) {
            return;
        }
        reportDown(r, cause, "", "first probe");
    }

    private void maybeProbe(Replica r, Health h) {
        if (h.probing || closed.get()) {
            return;
        }
        if (ticker.read() - h.nextProbeAt < 0) {
            return; // backoff not elapsed
        }
        Health probing = new Health(h.nextProbeAt, h.backoffNanos, h.downSince, true);
        // CAS: of the readers that see the probe due, exactly one starts it.
        if (!Replica.HEALTH.compareAndSet(r, h, probing)) {
            return;
        }
        r.probes.increment();
        try {
            probeExecutor.execute(() -> probe(r, probing));
        } catch (RuntimeException e) { // RejectedExecutionException or a broken executor: the probe never ran
            probeFailed(r, probing, e);
        }
    }

    /** Runs on the probe executor; the only writer of {@code r.health} while it is in {@code probing}. */
    private void probe(Replica r, Health probing) {
        if (closed.get()) {
            return; // the pools are closing; the replica stays down (probing) for good
        }
        Throwable failure = check(r);
        if (failure != null) {
            probeFailed(r, probing, failure);
            return;
        }
        long downNanos = ticker.read() - probing.downSince;
        r.health = Health.UP; // volatile write by the owner of the probing state: publishes the recovery
        log.info("{}: replica '{}' is back after {}ms", component, r.name, downNanos / 1_000_000);
        try {
            listener.onReplicaUp(r.name, downNanos);
        } catch (RuntimeException e) {
            log.warn("{}: listener threw from onReplicaUp", component, e);
        }
    }

    private void probeFailed(Replica r, Health probing, Throwable failure) {
        long next = probing.backoffNanos >= probeMaxNanos / 2 ? probeMaxNanos : probing.backoffNanos * 2;
        r.failedProbes.increment();
        r.health = new Health(ticker.read() + next, next, probing.downSince, false); // owner's volatile write
        log.debug(
                "{}: probe of replica '{}' failed, next in {}ms: {}",
                component,
                r.name,
                next / 1_000_000,
                failure.toString());
        try {
            listener.onProbeFailed(r.name, failure, next);
        } catch (RuntimeException e) {
            log.warn("{}: listener threw from onProbeFailed", component, e);
        }
    }

    // ---------------------------------------------------------------- state

    @Override
    public DataSource reads() {
        return readView;
    }

    @Override
    public DataSource writes() {
        return writeView;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public JdbcPool primary() {
        return primary;
    }

    @Override
    public List<JdbcPool> replicas() {
        return replicaPools;
    }

    @Override
    public Stats stats() {
        List<ReplicaStats> perReplica = new ArrayList<>(replicas.length);
        for (Replica r : replicas) {
            perReplica.add(new ReplicaStats(
                    r.name,
                    r.health == Health.UP,
                    counts.sum(r.index),
                    r.downs.sum(),
                    r.probes.sum(),
                    r.failedProbes.sum()));
        }
        return new Stats(
                counts.sum(primaryReadsIndex),
                fallbacks.sum(),
                counts.sum(writesIndex),
                transactions.sum(),
                rollbacks.sum(),
                perReplica);
    }

    @Override
    public boolean isClosed() {
        return closed.get();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return; // idempotent: the first call closes the pools
        }
        for (Replica r : replicas) {
            closeQuietly(r.pool);
        }
        closeQuietly(primary);
        log.info("{}: closed", component);
    }

    private void closeQuietly(JdbcPool pool) {
        try {
            pool.close();
        } catch (RuntimeException e) {
            log.warn("{}: closing pool '{}' failed", component, pool.name(), e);
        }
    }

    @Override
    public String toString() {
        Stats s = stats();
        StringBuilder text = new StringBuilder(component).append("[primary=").append(primary.name());
        for (ReplicaStats r : s.replicas()) {
            text.append(", ").append(r.name()).append(r.up() ? "=up" : "=down");
        }
        return text.append(", closed=").append(closed.get()).append(']').toString();
    }

    // ---------------------------------------------------------------- helpers

    /** One replica: its pool, its health and its counters. */
    static final class Replica {
        static final VarHandle HEALTH;

        static {
            try {
                HEALTH = MethodHandles.lookup().findVarHandle(Replica.class, "health", Health.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final JdbcPool pool;
        final String name;
        final DataSource dataSource;
        /** This replica's index in the router's array and in its counts. */
        final int index;

        final LongAdder downs = new LongAdder();
        final LongAdder probes = new LongAdder();
        final LongAdder failedProbes = new LongAdder();

        /** Changed by CAS (UP→DOWN, DOWN→PROBING) or by the probe that owns PROBING; see the class comment. */
        volatile Health health = Health.UP;

        Replica(JdbcPool pool, int index) {
            this.pool = pool;
            this.index = index;
            this.name = pool.name();
            this.dataSource = pool.dataSource();
        }
    }

    /**
     * A replica's health, immutable. {@link #UP} is the one instance for "up"; any other instance is
     * down: probing, or waiting until {@code nextProbeAt} (ticker nanos).
     */
    static final class Health {
        static final Health UP = new Health(0, 0, 0, false);

        final long nextProbeAt;
        final long backoffNanos;
        final long downSince;
        final boolean probing;

        Health(long nextProbeAt, long backoffNanos, long downSince, boolean probing) {
            this.nextProbeAt = nextProbeAt;
            this.backoffNanos = backoffNanos;
            this.downSince = downSince;
            this.probing = probing;
        }
    }

    /** Plain-JDBC view for reads: chooses like {@link #reads(JdbcFunction)}. */
    private final class ReadView extends View {
        ReadView(String component) {
            super(component + " reads");
        }

        @Override
        public Connection getConnection() throws SQLException {
            refuseIfClosedSql();
            Replica[] rs = replicas;
            int n = rs.length;
            if (n > 0) {
                int i = n == 1 ? 0 : nextStart(n);
                for (int tried = 0; tried < n; tried++) {
                    Connection c = tryAcquire(rs[i]);
                    if (c != null) {
                        return c;
                    }
                    if (++i == n) {
                        i = 0;
                    }
                }
                fellBack();
            }
            Connection c = primaryDataSource.getConnection();
            counts.increment(primaryReadsIndex);
            return c;
        }
    }

    /** Plain-JDBC view of the primary for writes. */
    private final class WriteView extends View {
        WriteView(String component) {
            super(component + " writes");
        }

        @Override
        public Connection getConnection() throws SQLException {
            refuseIfClosedSql();
            Connection c = primaryDataSource.getConnection();
            counts.increment(writesIndex);
            return c;
        }
    }

    /** The parts of {@link DataSource} the views share. */
    private abstract class View implements DataSource {
        private final String label;

        View(String label) {
            this.label = label;
        }

        final void refuseIfClosedSql() throws SQLException {
            if (closed.get()) {
                throw new SQLNonTransientConnectionException(closedMessage(), "08003");
            }
        }

        @Override
        public final Connection getConnection(String username, String password) throws SQLException {
            throw new SQLFeatureNotSupportedException(
                    label + ": getConnection(user, password) is not supported; each pool has its own credentials");
        }

        @Override
        public final @Nullable PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public final void setLogWriter(@Nullable PrintWriter out) {
            // No log writer: HAL9 and HikariCP log through SLF4J.
        }

        @Override
        public final void setLoginTimeout(int seconds) throws SQLException {
            throw new SQLFeatureNotSupportedException(
                    label + ": setLoginTimeout is not supported; set connectionTimeout on the pools");
        }

        @Override
        public final int getLoginTimeout() {
            return 0;
        }

        @Override
        public final Logger getParentLogger() throws SQLFeatureNotSupportedException {
            throw new SQLFeatureNotSupportedException(label + ": logs through SLF4J, not java.util.logging");
        }

        @Override
        public final <T> T unwrap(Class<T> iface) throws SQLException {
            if (iface.isInstance(this)) {
                return iface.cast(this);
            }
            throw new SQLException(label + " is not a wrapper for " + iface.getName());
        }

        @Override
        public final boolean isWrapperFor(Class<?> iface) {
            return iface.isInstance(this);
        }

        @Override
        public final String toString() {
            return label;
        }
    }
}

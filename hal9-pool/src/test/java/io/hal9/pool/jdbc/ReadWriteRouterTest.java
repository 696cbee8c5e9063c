package io.hal9.pool.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hal9.core.Admission;
import io.hal9.core.RejectedException;
import io.hal9.testkit.ManualClock;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Routing, fallback, probing and lifecycle of the router on H2 in-memory databases behind a switch
 * ({@link SwitchableDataSource}), with a manual ticker and probes run on the reading thread.
 */
@Timeout(20)
class ReadWriteRouterTest {
    private final SwitchableDataSource primaryDb = new SwitchableDataSource("primary");
    private final SwitchableDataSource r1Db = new SwitchableDataSource("r1");
    private final SwitchableDataSource r2Db = new SwitchableDataSource("r2");
    private final ManualClock ticker = new ManualClock();
    private final RecordingListener listener = new RecordingListener();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeEverything() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    /** Records every event as text. */
    static final class RecordingListener implements RouterListener {
        final List<String> events = new CopyOnWriteArrayList<>();

        @Override
        public void onReplicaDown(String replica, Throwable cause) {
            events.add("down " + replica + " " + SqlFailures.sqlState(cause));
        }

        @Override
        public void onProbeFailed(String replica, Throwable cause, long nextProbeInNanos) {
            events.add("probe failed " + replica + " next in " + Duration.ofNanos(nextProbeInNanos));
        }

        @Override
        public void onReplicaUp(String replica, long downNanos) {
            events.add("up " + replica + " after " + Duration.ofNanos(downNanos));
        }

        @Override
        public void onFallbackToPrimary() {
            events.add("fallback");
        }
    }

    private JdbcPool pool(String name, SwitchableDataSource db) {
        JdbcPool pool = JdbcPool.builder(name)
                .dataSource(db)
                .maxConnections(2)
                .minConnections(0)
                .connectionTimeout(Duration.ofMillis(250))
                .failFast(false)
                .build();
        toClose.add(pool);
        return pool;
    }

    private ReadWriteRouter.Builder routerWith(SwitchableDataSource... replicas) {
        ReadWriteRouter.Builder b = ReadWriteRouter.builder("games").primary(pool("primary", primaryDb));
        for (SwitchableDataSource r : replicas) {
            b.replica(pool(r.label, r));
        }
        return b;
    }

    private ReadWriteRouter build(ReadWriteRouter.Builder b) {
        ReadWriteRouter router = b.build();
        toClose.add(router);
        return router;
    }

    /** A router with manual time and probes run inline, so that probing is deterministic. */
    private ReadWriteRouter manualRouter(SwitchableDataSource... replicas) {
        return build(routerWith(replicas)
                .ticker(ticker::read)
                .probeExecutor(Runnable::run)
                .probeBackoff(Duration.ofSeconds(1), Duration.ofSeconds(4))
                .listener(listener));
    }

    /** Which database served a read. */
    private String servedBy(ReadWriteRouter router) {
        String url = router.reads(c -> c.getMetaData().getURL());
        for (SwitchableDataSource db : List.of(primaryDb, r1Db, r2Db)) {
            if (db.served(url)) {
                return db.label;
            }
        }
        throw new AssertionError("unknown database " + url);
    }

    /** Takes a replica down: new connections are refused and pooled ones are evicted. */
    private static void stop(ReadWriteRouter router, SwitchableDataSource db) {
        db.down = true;
        for (JdbcPool p : router.replicas()) {
            if (p.name().equals(db.label)) {
                p.hikari().getHikariPoolMXBean().softEvictConnections();
            }
        }
    }

    @Test
    void readsSpreadOverTheReplicasAndWritesAndTransactionsGoToThePrimary() {
        ReadWriteRouter router = manualRouter(r1Db, r2Db);
        List<String> served = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            served.add(servedBy(router));
        }
        long onR1 = served.stream().filter("r1"::equals).count();
        assertThat(served).containsOnly("r1", "r2");
        assertThat(onR1)
                .as("a fair coin over 200 reads: 100 +- 40 is 5.6 sigma")
                .isBetween(60L, 140L);

        String wrote = router.writes(c -> c.getMetaData().getURL());
        String transacted = router.inTransaction(c -> c.getMetaData().getURL());
        assertThat(primaryDb.served(wrote)).isTrue();
        assertThat(primaryDb.served(transacted)).isTrue();

        ReadWriteRouter.Stats stats = router.stats();
        assertThat(stats.replicaReads()).isEqualTo(200);
        assertThat(stats.replicas())
                .extracting(ReadWriteRouter.ReplicaStats::reads)
                .containsExactly(onR1, 200 - onR1);
        assertThat(stats.primaryReads()).isZero();
        assertThat(stats.fallbacks()).isZero();
        assertThat(stats.writes()).isEqualTo(1);
        assertThat(stats.transactions()).isEqualTo(1);
        assertThat(listener.events).isEmpty();
    }

    @Test
    void withoutReplicasReadsGoToThePrimaryWithoutCountingFallbacks() {
        ReadWriteRouter router = manualRouter();
        assertThat(servedBy(router)).isEqualTo("primary");
        assertThat(router.stats().primaryReads()).isEqualTo(1);
        assertThat(router.stats().fallbacks()).isZero();
        assertThat(listener.events).isEmpty();
    }

    @Test
    void aReplicaThatGivesNoConnectionIsMarkedDownAndReadsMoveOnWithoutTouchingItAgain() {
        ReadWriteRouter router = manualRouter(r1Db, r2Db);
        stop(router, r1Db);

        // Reads start at a random replica: the first that starts at r1 finds it down.
        for (int i = 0; i < 100 && router.stats().replicas().get(0).up(); i++) {
            assertThat(servedBy(router)).isEqualTo("r2");
        }
        int attemptsWhenMarkedDown = r1Db.attempts.get();
        for (int i = 0; i < 20; i++) {
            assertThat(servedBy(router)).isEqualTo("r2");
        }

        assertThat(r1Db.attempts.get())
                .as("a down replica is not asked again before its probe is due")
                .isEqualTo(attemptsWhenMarkedDown);
        assertThat(listener.events).containsExactly("down r1 08001");
        ReadWriteRouter.ReplicaStats r1 = router.stats().replicas().get(0);
        assertThat(r1.up()).isFalse();
        assertThat(r1.downs()).isEqualTo(1);
        assertThat(r1.probes()).isZero();
        assertThat(router.stats().fallbacks()).isZero();
    }

    @Test
    void whenNoReplicaAnswersReadsFallBackToThePrimary() {
        ReadWriteRouter router = manualRouter(r1Db, r2Db);
        stop(router, r1Db);
        stop(router, r2Db);

        assertThat(servedBy(router)).isEqualTo("primary");
        assertThat(servedBy(router)).isEqualTo("primary");

        ReadWriteRouter.Stats stats = router.stats();
        assertThat(stats.fallbacks()).isEqualTo(2);
        assertThat(stats.primaryReads()).isEqualTo(2);
        assertThat(stats.replicaReads()).isZero();
        assertThat(listener.events).containsExactlyInAnyOrder("down r1 08001", "down r2 08001", "fallback", "fallback");
    }

    @Test
    void aDownReplicaIsProbedOnlyWhenItsBackoffHasPassedAndTheBackoffDoublesUpToItsMaximum() {
        ReadWriteRouter router = manualRouter(r1Db);
        stop(router, r1Db);
        assertThat(servedBy(router)).isEqualTo("primary"); // marks r1 down at t0, first probe due at t0 + 1s

        ticker.advance(Duration.ofMillis(999));
        assertThat(servedBy(router)).isEqualTo("primary");
        assertThat(router.stats().replicas().get(0).probes()).isZero();

        ticker.advance(Duration.ofMillis(1));
        assertThat(servedBy(router)).isEqualTo("primary"); // starts a probe, which fails: next in 2s
        assertThat(router.stats().replicas().get(0).probes()).isEqualTo(1);
        assertThat(router.stats().replicas().get(0).failedProbes()).isEqualTo(1);

        ticker.advance(Duration.ofMillis(1999));
        servedBy(router);
        assertThat(router.stats().replicas().get(0).probes()).isEqualTo(1);

        ticker.advance(Duration.ofMillis(1));
        servedBy(router); // second probe fails: the backoff doubles to the 4s maximum
        ticker.advance(Duration.ofSeconds(4));
        servedBy(router); // third probe fails: stays at the maximum

        assertThat(listener.events)
                .containsExactly(
                        "down r1 08001",
                        "fallback",
                        "fallback",
                        "probe failed r1 next in PT2S",
                        "fallback",
                        "fallback",
                        "probe failed r1 next in PT4S",
                        "fallback",
                        "probe failed r1 next in PT4S",
                        "fallback");
        ReadWriteRouter.ReplicaStats r1 = router.stats().replicas().get(0);
        assertThat(r1.up()).isFalse();
        assertThat(r1.probes()).isEqualTo(3);
        assertThat(r1.failedProbes()).isEqualTo(3);
        assertThat(r1.downs()).isEqualTo(1);
        assertThat(router.stats().fallbacks()).isEqualTo(6);
    }

    @Test
    void aSuccessfulProbePutsTheReplicaBackIntoTheRotation() {
        ReadWriteRouter router = manualRouter(r1Db);
        // A read that loses its connection marks r1 down at t0 (the pool itself stays healthy) and is run
        // again on the primary.
        String url = router.reads(c -> {
            if (r1Db.served(c.getMetaData().getURL())) {
                throw new SQLException("terminating connection due to administrator command", "57P01");
            }
            return c.getMetaData().getURL();
        });
        assertThat(primaryDb.served(url)).isTrue();

        ticker.advance(Duration.ofMillis(999));
        assertThat(servedBy(router)).isEqualTo("primary");
        ticker.advance(Duration.ofMillis(1));
        assertThat(servedBy(router)).isEqualTo("primary"); // the probe runs (inline here) and succeeds
        assertThat(servedBy(router)).isEqualTo("r1");
        assertThat(servedBy(router)).isEqualTo("r1");

        assertThat(listener.events)
                .containsExactly("down r1 57P01", "fallback", "fallback", "up r1 after PT1S", "fallback");
        ReadWriteRouter.ReplicaStats r1 = router.stats().replicas().get(0);
        assertThat(r1.up()).isTrue();
        assertThat(r1.probes()).isEqualTo(1);
        assertThat(r1.failedProbes()).isZero();
        assertThat(r1.reads()).isEqualTo(3);
    }

    @Test
    void aReadThatLosesItsConnectionOnAReplicaMarksItDownAndRunsAgainOnThePrimaryInTheSameCall() {
        ReadWriteRouter router = manualRouter(r1Db);
        List<String> ranOn = new CopyOnWriteArrayList<>();

        String answer = router.reads(c -> {
            String url = c.getMetaData().getURL();
            ranOn.add(r1Db.served(url) ? "r1" : "primary");
            if (r1Db.served(url)) {
                throw new SQLException("An I/O error occurred while sending to the backend.", "08006");
            }
            return "answer from the primary";
        });

        assertThat(answer).isEqualTo("answer from the primary");
        assertThat(ranOn).containsExactly("r1", "primary");
        assertThat(router.stats().replicas().get(0).up()).isFalse();
        assertThat(router.stats().fallbacks()).isEqualTo(1);
        assertThat(router.stats().primaryReads()).isEqualTo(1);
        assertThat(listener.events).containsExactly("down r1 08006", "fallback");
        assertThat(servedBy(router)).isEqualTo("primary");
    }

    @Test
    void aRecoveryConflictOnAReplicaIsRunAgainOnThePrimaryWithoutMarkingTheReplicaDown() {
        ReadWriteRouter router = manualRouter(r1Db);
        AtomicInteger runs = new AtomicInteger();

        String served = router.reads(c -> {
            runs.incrementAndGet();
            String url = c.getMetaData().getURL();
            if (r1Db.served(url)) {
                throw new SQLException("canceling statement due to conflict with recovery", "40001");
            }
            return url;
        });

        assertThat(primaryDb.served(served)).isTrue();
        assertThat(runs).hasValue(2);
        assertThat(router.stats().replicas().get(0).up()).isTrue();
        assertThat(listener.events).containsExactly("fallback");
    }

    @Test
    void aReadWhoseWorkFailsForItsOwnReasonIsNotRunAgainAndTheRetryCanBeTurnedOff() {
        ReadWriteRouter router = manualRouter(r1Db);
        AtomicInteger runs = new AtomicInteger();
        assertThatThrownBy(() -> router.reads(c -> {
                    runs.incrementAndGet();
                    throw new SQLException("syntax error", "42601");
                }))
                .isInstanceOf(JdbcException.class)
                .hasMessageContaining("read on replica 'r1' failed: syntax error");
        assertThat(runs).hasValue(1);

        ReadWriteRouter noRetry = build(ReadWriteRouter.builder("no-retry")
                .primary(pool("primary2", new SwitchableDataSource("p2")))
                .replica(pool("r3", new SwitchableDataSource("r3")))
                .retryReadsOnPrimary(false)
                .probeExecutor(Runnable::run));
        AtomicInteger runs2 = new AtomicInteger();
        assertThatThrownBy(() -> noRetry.reads(c -> {
                    runs2.incrementAndGet();
                    throw new SQLException("An I/O error occurred while sending to the backend.", "08006");
                }))
                .isInstanceOf(JdbcException.class)
                .hasMessage("router 'no-retry': read on replica 'r3' failed: An I/O error occurred while sending to"
                        + " the backend. (SQLState 08006)")
                .satisfies(e -> assertThat(((JdbcException) e).isTransient()).isTrue());
        assertThat(runs2).hasValue(1);
        assertThat(noRetry.stats().replicas().get(0).up()).isFalse();
    }

    @Test
    void readsFromPrimaryGoToThePrimaryWhateverTheReplicasAndCountAsPrimaryReads() {
        ReadWriteRouter router = manualRouter(r1Db, r2Db);
        for (int i = 0; i < 5; i++) {
            assertThat(primaryDb.served(
                            router.readsFromPrimary(c -> c.getMetaData().getURL())))
                    .isTrue();
        }
        assertThat(router.stats().primaryReads()).isEqualTo(5);
        assertThat(router.stats().fallbacks()).isZero();
        assertThat(router.stats().replicaReads()).isZero();
    }

    @Test
    void withProbeAtStartAReplicaDownAtStartIsMarkedDownWithoutFailingTheStartAndComesBackByItsProbes() {
        r2Db.down = true;
        ReadWriteRouter router = build(routerWith(r1Db, r2Db)
                .ticker(ticker::read)
                .probeExecutor(Runnable::run)
                .probeBackoff(Duration.ofSeconds(1), Duration.ofSeconds(4))
                .probeReplicasAtStart(true)
                .listener(listener));

        assertThat(router.stats().replicas().get(0).up()).isTrue();
        assertThat(router.stats().replicas().get(1).up()).isFalse();
        assertThat(router.stats().replicas().get(1).downs()).isEqualTo(1);
        assertThat(listener.events).containsExactly("down r2 08001");
        for (int i = 0; i < 20; i++) {
            assertThat(servedBy(router)).isEqualTo("r1");
        }

        r2Db.down = false;
        ticker.advance(Duration.ofSeconds(1));
        // the first read that starts at r2 after its backoff starts the probe (inline here), which succeeds
        List<String> served = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            served.add(servedBy(router));
        }
        assertThat(served).contains("r1", "r2");
        assertThat(router.stats().replicas().get(1).up()).isTrue();
    }

    @Test
    void sqlErrorsOfTheWorkAreWrappedWithTheirStateAndOtherExceptionsPassThrough() {
        ReadWriteRouter router = manualRouter(r1Db);

        assertThatThrownBy(() -> router.reads(c -> {
                    try (Statement s = c.createStatement()) {
                        return s.executeQuery("SELECT * FROM no_such_table");
                    }
                }))
                .isInstanceOf(JdbcException.class)
                .hasMessageStartingWith("router 'games': read on replica 'r1' failed: ")
                .satisfies(e -> assertThat(((JdbcException) e).sqlState()).startsWith("42"));
        assertThat(router.stats().replicas().get(0).up())
                .as("a bad query says nothing about the replica's health")
                .isTrue();

        IllegalStateException bug = new IllegalStateException("bug");
        assertThatThrownBy(() -> router.writes(c -> {
                    throw bug;
                }))
                .isSameAs(bug);
    }

    @Test
    void inTransactionCommitsOnSuccessRollsBackOnAnyFailureAndRestoresAutoCommit() {
        ReadWriteRouter router = manualRouter(r1Db);
        router.writes(c -> {
            try (Statement s = c.createStatement()) {
                return s.execute("CREATE TABLE moves (id INT PRIMARY KEY)");
            }
        });

        router.inTransaction(c -> insertMove(c, 1));
        IllegalStateException boom = new IllegalStateException("boom");
        assertThatThrownBy(() -> router.inTransaction(c -> {
                    insertMove(c, 2);
                    throw boom;
                }))
                .isSameAs(boom);
        assertThatThrownBy(() -> router.inTransaction(c -> {
                    insertMove(c, 3);
                    return insertMove(c, 1); // duplicate key
                }))
                .isInstanceOf(JdbcException.class)
                .hasMessageStartingWith("router 'games': transaction on primary 'primary' failed and was rolled back: ")
                .satisfies(e -> assertThat(((JdbcException) e).sqlState()).isEqualTo("23505"));

        List<Integer> ids = router.writes(c -> {
            assertThat(c.getAutoCommit()).isTrue();
            List<Integer> out = new ArrayList<>();
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT id FROM moves ORDER BY id")) {
                while (rs.next()) {
                    out.add(rs.getInt(1));
                }
            }
            return out;
        });
        assertThat(ids).containsExactly(1);
        assertThat(router.stats().transactions()).isEqualTo(1);
        assertThat(router.stats().rollbacks()).isEqualTo(2);
    }

    private static int insertMove(Connection c, int id) throws SQLException {
        try (Statement s = c.createStatement()) {
            return s.executeUpdate("INSERT INTO moves (id) VALUES (" + id + ")");
        }
    }

    @Test
    void theDataSourceViewsRouteAndCountLikeTheFunctions() throws SQLException {
        ReadWriteRouter router = manualRouter(r1Db);
        try (Connection read = router.reads().getConnection();
                Connection write = router.writes().getConnection()) {
            assertThat(r1Db.served(read.getMetaData().getURL())).isTrue();
            assertThat(primaryDb.served(write.getMetaData().getURL())).isTrue();
        }
        stop(router, r1Db);
        try (Connection read = router.reads().getConnection()) {
            assertThat(primaryDb.served(read.getMetaData().getURL())).isTrue();
        }
        ReadWriteRouter.Stats stats = router.stats();
        assertThat(stats.replicaReads()).isEqualTo(1);
        assertThat(stats.writes()).isEqualTo(1);
        assertThat(stats.fallbacks()).isEqualTo(1);

        assertThat(router.reads().isWrapperFor(javax.sql.DataSource.class)).isTrue();
        assertThatThrownBy(() -> router.reads().getConnection("u", "p"))
                .isInstanceOf(java.sql.SQLFeatureNotSupportedException.class)
                .hasMessageStartingWith("router 'games' reads: getConnection(user, password) is not supported");
    }

    @Test
    void closeClosesEveryPoolAndRefusesNewWork() {
        ReadWriteRouter router = manualRouter(r1Db, r2Db);
        router.close();
        router.close();

        assertThat(router.isClosed()).isTrue();
        assertThat(router.primary().isClosed()).isTrue();
        assertThat(router.replicas()).allSatisfy(p -> assertThat(p.isClosed()).isTrue());
        assertThatThrownBy(() -> router.reads(c -> 1))
                .isInstanceOf(RejectedException.class)
                .hasMessage("router 'games': closed, no new reads or writes are accepted")
                .satisfies(e -> assertThat(((RejectedException) e).reason()).isEqualTo(Admission.CLOSED));
        assertThatThrownBy(() -> router.inTransaction(c -> 1)).isInstanceOf(RejectedException.class);
        assertThatThrownBy(() -> router.writes().getConnection())
                .isInstanceOf(SQLException.class)
                .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("08003"));
    }

    @Test
    void aListenerThatThrowsDoesNotBreakRouting() {
        RouterListener throwing = new RouterListener() {
            @Override
            public void onReplicaDown(String replica, Throwable cause) {
                throw new IllegalStateException("listener bug");
            }

            @Override
            public void onFallbackToPrimary() {
                throw new IllegalStateException("listener bug");
            }
        };
        ReadWriteRouter router = build(routerWith(r1Db).listener(throwing));
        stop(router, r1Db);
        assertThat(servedBy(router)).isEqualTo("primary");
        assertThat(servedBy(router)).isEqualTo("primary");
    }

    @Test
    void aProbeExecutorThatRefusesCountsAsAFailedProbe() {
        ReadWriteRouter router = build(routerWith(r1Db)
                .ticker(ticker::read)
                .probeBackoff(Duration.ofSeconds(1), Duration.ofSeconds(8))
                .probeExecutor(task -> {
                    throw new RejectedExecutionException("shut down");
                })
                .listener(listener));
        stop(router, r1Db);
        servedBy(router);
        ticker.advance(Duration.ofSeconds(1));
        servedBy(router);

        assertThat(listener.events).contains("probe failed r1 next in PT2S");
        assertThat(router.stats().replicas().get(0).failedProbes()).isEqualTo(1);
    }

    @Test
    void theBuilderChecksItsOptions() {
        assertThatThrownBy(() -> ReadWriteRouter.builder("games").build())
                .hasMessage("router 'games': primary must be set");
        JdbcPool primary = pool("primary", primaryDb);
        JdbcPool replica = pool("r1", r1Db);
        assertThatThrownBy(() -> ReadWriteRouter.builder("games")
                        .primary(primary)
                        .replica(primary)
                        .build())
                .hasMessage("router 'games': replica 'primary' is the primary (or has its name); give replicas pools"
                        + " and names of their own");
        assertThatThrownBy(
                        () -> ReadWriteRouter.builder("games").replica(replica).replica(replica))
                .hasMessage("router 'games': replica 'r1' was already added");
        assertThatThrownBy(
                        () -> ReadWriteRouter.builder("games").primary(primary).primary(primary))
                .hasMessage("router 'games': primary was already set");
        assertThatThrownBy(() -> ReadWriteRouter.builder("games").probeBackoff(Duration.ZERO, Duration.ofSeconds(1)))
                .hasMessage("router 'games': probeBackoff initial must be in [PT0.001S, PT1M], was PT0S");
        assertThatThrownBy(() ->
                        ReadWriteRouter.builder("games").probeBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .hasMessage("router 'games': probeBackoff max must be in [PT2S, PT10M], was PT1S");
        assertThatThrownBy(() -> ReadWriteRouter.builder("games").probeTimeout(Duration.ofMillis(500)))
                .hasMessage("router 'games': probeTimeout must be in [PT1S, PT1M], was PT0.5S");
    }
}

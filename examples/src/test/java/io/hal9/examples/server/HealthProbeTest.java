package io.hal9.examples.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hal9.core.Ticker;
import io.hal9.pool.jdbc.JdbcException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The health probe on a fake ticker and an executor the test runs by hand: no thread, no sleep, every
 * timeout decided by the ticker.
 */
@Timeout(10)
class HealthProbeTest {
    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    private final AtomicLong nanos = new AtomicLong();
    private final Ticker ticker = nanos::get;
    private final Clock clock = Clock.fixed(T0, ZoneOffset.UTC);
    /** Checks the probe started and the test has not run yet. */
    private final Queue<Runnable> started = new ArrayDeque<>();

    private final Executor manual = started::add;

    /** What the database check does when the test runs it: null answers, otherwise throws this. */
    private final AtomicReference<Exception> dbFailure = new AtomicReference<>();

    private HealthProbe probe() {
        Map<String, HealthProbe.Check> checks = new LinkedHashMap<>();
        checks.put("database", () -> {
            Exception e = dbFailure.get();
            if (e != null) {
                throw e;
            }
        });
        checks.put("redis", () -> {});
        return new HealthProbe(
                "probe-test", checks, Duration.ofSeconds(1), Duration.ofSeconds(2), clock, ticker, manual);
    }

    private void runStarted() {
        Runnable r;
        while ((r = started.poll()) != null) {
            r.run();
        }
    }

    @Test
    void everyDependencyCountsAsUpAsOfTheStartUntilAChecksSaysOtherwise() {
        HealthProbe p = probe();
        assertThat(p.ready()).isTrue();
        assertThat(p.status()).isEqualTo("ready");
        assertThat(p.states())
                .extracting(HealthProbe.State::name, HealthProbe.State::up, HealthProbe.State::checkedAt)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("database", true, T0),
                        org.assertj.core.groups.Tuple.tuple("redis", true, T0));
    }

    @Test
    void aFailedCheckMakesTheInstanceNotReadyWithAShortReasonAndNoPoolInternals() {
        HealthProbe p = probe();
        dbFailure.set(new JdbcException(
                "router 'x': no connection",
                new SQLTransientConnectionException(
                        "x-primary - Connection is not available, request timed out after 30000ms"
                                + " (total=4, active=4, idle=0, waiting=7)",
                        "08001",
                        new ConnectException("Connection refused"))));
        p.tick();
        runStarted();
        assertThat(p.ready()).isFalse();
        assertThat(p.isUp("database")).isFalse();
        assertThat(p.isUp("redis")).isTrue();
        assertThat(p.state("database").reason()).isEqualTo("connection refused");
        Map<String, Object> body = p.readiness();
        assertThat(body.get("status")).isEqualTo("not_ready");
        assertThat(new String(HttpApi.bytes(body), java.nio.charset.StandardCharsets.UTF_8))
                .contains("\"database\":{\"status\":\"down\",\"reason\":\"connection refused\",\"checkedAt\":\"" + T0
                        + "\"}")
                .contains("\"redis\":{\"status\":\"up\",\"checkedAt\"")
                .doesNotContain("total=")
                .doesNotContain("Connection is not available")
                .doesNotContain("Exception");

        dbFailure.set(null);
        p.tick();
        runStarted();
        assertThat(p.ready()).isTrue();
        assertThat(p.state("database").reason()).isNull();
    }

    @Test
    void aCheckThatHangsCountsAsATimeoutAndItsLateAnswerWins() {
        HealthProbe p = probe();
        p.tick();
        assertThat(started).hasSize(2);
        Runnable hanging = started.poll(); // the database check, still "running"
        runStarted(); // redis answers
        nanos.addAndGet(Duration.ofMillis(1_900).toNanos());
        p.tick();
        assertThat(p.isUp("database")).as("within its timeout").isTrue();
        assertThat(started)
                .as("redis checked again, the database check still runs")
                .hasSize(1);
        runStarted();
        nanos.addAndGet(Duration.ofMillis(200).toNanos());
        p.tick();
        assertThat(p.isUp("database")).isFalse();
        assertThat(p.state("database").reason()).isEqualTo("timeout");
        assertThat(p.ready()).isFalse();
        runStarted();
        nanos.addAndGet(Duration.ofSeconds(5).toNanos());
        p.tick();
        assertThat(started)
                .as("never a second check of a dependency while one runs")
                .hasSize(1);
        runStarted();

        hanging.run(); // it answers at last
        assertThat(p.isUp("database")).isTrue();
        assertThat(p.ready()).isTrue();
        p.tick();
        assertThat(started).as("checked again at the next tick").hasSize(2);
    }

    @Test
    void reasonsNameTheKindOfFailureOnly() {
        assertThat(HealthProbe.reason(new SQLException("boom", "08006", new SocketTimeoutException("Read timed out"))))
                .isEqualTo("timeout");
        assertThat(HealthProbe.reason(new SQLTransientConnectionException("pool - Connection is not available")))
                .isEqualTo("timeout");
        assertThat(HealthProbe.reason(new SQLException("the connection attempt failed", "08001")))
                .isEqualTo("connection failed (SQLState 08001)");
        assertThat(HealthProbe.reason(new RuntimeException("x", new SQLException("terminating connection", "57P01"))))
                .isEqualTo("error (SQLState 57P01)");
        assertThat(HealthProbe.reason(new IllegalStateException("Redis did not answer PONG")))
                .isEqualTo("unavailable");
    }

    @Test
    void aClosedProbeIsNotReadyAndChecksNothingMore() {
        HealthProbe p = probe();
        p.close();
        p.close();
        assertThat(p.ready()).isFalse();
        assertThat(p.status()).isEqualTo("shutting_down");
        p.tick();
        assertThat(started).isEmpty();
    }

    @Test
    void optionsOutOfRangeAreRefusedByName() {
        assertThatThrownBy(() -> new HealthProbe(
                        "p", Map.of(), Duration.ofMillis(5), Duration.ofSeconds(1), clock, ticker, manual))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("p-health: interval must be in [PT0.01S, PT1M], was PT0.005S");
        assertThatThrownBy(() -> new HealthProbe(
                        "p", Map.of(), Duration.ofSeconds(1), Duration.ofMinutes(2), clock, ticker, manual))
                .hasMessage("p-health: timeout must be in [PT0.01S, PT1M], was PT2M");
    }

    @Test
    void aTransientDatabaseFailureAnswers503DatabaseUnavailableAndAPermanentOne500() {
        ApiException e = HttpApi.unavailable(
                new JdbcException("router 'x': write failed", new SQLException("connection lost", "08006")));
        assertThat(e).isNotNull();
        assertThat(e.status()).isEqualTo(503);
        assertThat(e.error()).isEqualTo("database_unavailable");
        assertThat(HttpApi.unavailable(
                        new JdbcException("router 'x': write failed", new SQLException("duplicate", "23505"))))
                .isNull();
        assertThat(HttpApi.unavailable(new IllegalStateException("bug"))).isNull();
    }
}

package io.hal9.examples.server;

import io.hal9.core.Ticker;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransientConnectionException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the health of the server's dependencies (the database, Redis when configured) up to date in
 * the background, so that {@code /health}, {@code /health/ready} and the gate in front of database
 * requests answer from memory, in microseconds, whatever the dependencies do.
 *
 * <p>Every {@code interval} a tick starts one check per dependency on the check executor (a virtual
 * thread each by default), unless that dependency's previous check is still running: then, once it has
 * run longer than {@code timeout}, the dependency is marked down with the reason {@code timeout}
 * (a check that hangs on a stalled connection still makes the dependency down within {@code timeout}
 * plus one interval). A check that returns marks its dependency up, one that throws marks it down with a
 * short reason ({@link #reason}: {@code connection refused}, {@code timeout}, an SQLState...), never the
 * exception's message, which may carry pool internals (HikariCP's names its pool and counts), or a stack
 * trace. A state change is logged once, at WARN going down and INFO coming back.
 *
 * <p>Before the first check finishes every dependency counts as up as of {@link #start}: the server has
 * just migrated the database and connected to Redis.
 *
 * <p>Limits: at most one check per dependency runs at a time, so a hanging check costs one (virtual)
 * thread, whatever its duration; the checks bound their own waits (see {@link Database#healthCheck()}).
 *
 * <p>Thread safety: safe for concurrent use; readers never block. {@link #close()} is idempotent; after
 * it {@link #ready()} is false with the status {@code shutting_down}.
 */
final class HealthProbe implements AutoCloseable {
    /*
     * Design / Concurrency / Invariants: one Dependency per check, fixed at construction. Its state is
     * an immutable State record in a volatile field: written by the tick thread (timeouts) and the check
     * threads (results) under the Dependency's monitor, read without a lock by any request thread.
     * running and startedNanos are written under the same monitor only. Invariant: at most one check
     * per dependency in flight (running is set by the tick that starts it and cleared by that check's
     * completion); a timeout is recorded only while the check that timed out is still running, so a
     * late result always wins over the timeout it outlived.
     */
    private static final Logger log = LoggerFactory.getLogger(HealthProbe.class);

    /** Default time between two ticks. */
    static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);
    /** Default time after which a running check counts its dependency down. */
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);

    /** One dependency's check: returns when the dependency answers, throws otherwise. */
    @FunctionalInterface
    interface Check {
        void run() throws Exception;
    }

    /**
     * A dependency's health as last seen.
     *
     * @param name e.g. {@code database}
     * @param up whether the last check (or the start) found it answering
     * @param reason why it is down, e.g. {@code connection refused}; null when up
     * @param checkedAt when that was decided
     */
    record State(String name, boolean up, @Nullable String reason, Instant checkedAt) {}

    private static final class Dependency {
        final String name;
        final Check check;
        volatile State state;
        boolean running;
        long startedNanos;

        Dependency(String name, Check check, State initial) {
            this.name = name;
            this.check = check;
            this.state = initial;
        }
    }

    private final String name;
    private final List<Dependency> dependencies;
    private final Duration interval;
    private final long timeoutNanos;
    private final Clock clock;
    private final Ticker ticker;
    private final Executor checks;
    private volatile @Nullable ScheduledExecutorService scheduler;
    private volatile boolean closed;

    /**
     * A probe; nothing runs before {@link #start()} (tests call {@link #tick()} themselves).
     *
     * @param name the instance name (logs, thread name)
     * @param checks the dependencies in the order they are reported, e.g. {@code database}, {@code redis}
     * @param interval time between ticks, in [10 ms, 1 min]
     * @param timeout how long a check may run before its dependency counts as down, in [10 ms, 1 min]
     * @param clock the time of {@link State#checkedAt()}
     * @param ticker measures how long a check runs
     * @param checkExecutor runs the checks; must not run them on the calling thread
     */
    HealthProbe(
            String name,
            Map<String, Check> checks,
            Duration interval,
            Duration timeout,
            Clock clock,
            Ticker ticker,
            Executor checkExecutor) {
        this.name = Objects.requireNonNull(name, "name");
        this.interval = within("interval", interval);
        this.timeoutNanos = within("timeout", timeout).toNanos();
        this.clock = Objects.requireNonNull(clock, "clock");
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        this.checks = Objects.requireNonNull(checkExecutor, "checkExecutor");
        Instant now = clock.instant();
        List<Dependency> deps = new ArrayList<>();
        for (Map.Entry<String, Check> e : checks.entrySet()) {
            deps.add(new Dependency(
                    e.getKey(),
                    Objects.requireNonNull(e.getValue(), e.getKey()),
                    new State(e.getKey(), true, null, now)));
        }
        this.dependencies = List.copyOf(deps);
    }

    private Duration within(String option, Duration d) {
        Objects.requireNonNull(d, option);
        if (d.compareTo(Duration.ofMillis(10)) < 0 || d.compareTo(Duration.ofMinutes(1)) > 0) {
            throw new IllegalArgumentException(name + "-health: " + option + " must be in [PT0.01S, PT1M], was " + d);
        }
        return d;
    }

    /** Starts ticking every {@code interval} on a thread of its own ({@code <name>-health}). */
    void start() {
        ScheduledExecutorService s = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name(name + "-health").daemon().factory());
        scheduler = s;
        long every = interval.toNanos();
        s.scheduleWithFixedDelay(
                () -> {
                    try {
                        tick();
                    } catch (RuntimeException e) {
                        // an exception would end the schedule, and the state would freeze as it is
                        log.warn("{}: health probe tick failed; tries again in {}", name, interval, e);
                    }
                },
                0,
                every,
                TimeUnit.NANOSECONDS);
    }

    /** One round: starts the checks that are not running, times out those that run too long. */
    void tick() {
        if (closed) {
            return;
        }
        for (Dependency d : dependencies) {
            boolean start = false;
            synchronized (d) {
                if (!d.running) {
                    d.running = true;
                    d.startedNanos = ticker.read();
                    start = true;
                } else if (ticker.read() - d.startedNanos > timeoutNanos && !"timeout".equals(d.state.reason())) {
                    record(d, false, "timeout");
                }
            }
            if (start) {
                try {
                    checks.execute(() -> runCheck(d));
                } catch (RejectedExecutionException e) {
                    synchronized (d) {
                        d.running = false; // closing: nothing more to check
                    }
                }
            }
        }
    }

    private void runCheck(Dependency d) {
        boolean up = false;
        String reason = "unavailable";
        try {
            d.check.run();
            up = true;
            reason = null;
        } catch (Exception e) {
            reason = reason(e);
        } finally {
            // also after an Error, so that the next tick checks again
            synchronized (d) {
                d.running = false;
                record(d, up, reason);
            }
        }
    }

    /** Under d's monitor. */
    private void record(Dependency d, boolean up, @Nullable String reason) {
        State before = d.state;
        d.state = new State(d.name, up, reason, clock.instant());
        if (before.up() && !up) {
            log.warn("{}: {} is down ({}); not ready, requests that need it answer 503", name, d.name, reason);
        } else if (!before.up() && up) {
            log.info("{}: {} is up again", name, d.name);
        }
    }

    /**
     * A short, safe reason for a failed check: {@code connection refused}, {@code timeout}, {@code
     * unknown host}, {@code no route to host}, {@code connection failed (SQLState 08001)}, {@code error
     * (SQLState 57P01)}, or {@code unavailable}.
     * Only exception types and SQLStates are read, never messages.
     */
    static String reason(Throwable failure) {
        String state = null;
        Throwable t = failure;
        for (int i = 0; i < 16 && t != null; i++, t = t.getCause()) {
            if (t instanceof ConnectException) {
                return "connection refused";
            }
            if (t instanceof SocketTimeoutException
                    || t instanceof SQLTimeoutException
                    || t instanceof TimeoutException
                    || t.getClass().getSimpleName().contains("Timeout")) {
                return "timeout";
            }
            if (t instanceof UnknownHostException) {
                return "unknown host";
            }
            if (t instanceof NoRouteToHostException) {
                return "no route to host";
            }
            if (state == null && t instanceof SQLException sql && sql.getSQLState() != null) {
                state = sql.getSQLState();
            }
        }
        // HikariCP's own "connection is not available" timeout has no cause when no attempt failed yet
        if (failure instanceof SQLTransientConnectionException && failure.getCause() == null) {
            return "timeout";
        }
        if (state == null) {
            return "unavailable";
        }
        return (state.startsWith("08") ? "connection failed" : "error") + " (SQLState " + state + ")";
    }

    /** Every dependency's state, in the order given. */
    List<State> states() {
        List<State> out = new ArrayList<>(dependencies.size());
        for (Dependency d : dependencies) {
            out.add(d.state);
        }
        return out;
    }

    /** The state of one dependency, or null when it is not checked (e.g. {@code redis} not configured). */
    @Nullable
    State find(String dependency) {
        for (Dependency d : dependencies) {
            if (d.name.equals(dependency)) {
                return d.state;
            }
        }
        return null;
    }

    /**
     * The state of one dependency.
     *
     * @throws IllegalArgumentException if there is no such dependency
     */
    State state(String dependency) {
        State s = find(dependency);
        if (s == null) {
            throw new IllegalArgumentException(name + "-health: no dependency '" + dependency + "'");
        }
        return s;
    }

    /** Whether the dependency was up at its last check. */
    boolean isUp(String dependency) {
        return state(dependency).up();
    }

    /** Whether the instance can take new games: not closing and every dependency up. */
    boolean ready() {
        if (closed) {
            return false;
        }
        for (Dependency d : dependencies) {
            if (!d.state.up()) {
                return false;
            }
        }
        return true;
    }

    /** {@code ready}, {@code not_ready} or {@code shutting_down}. */
    String status() {
        return closed ? "shutting_down" : ready() ? "ready" : "not_ready";
    }

    /** The body of {@code /health/ready}: the status and each dependency's state. */
    Map<String, Object> readiness() {
        Map<String, Object> deps = new LinkedHashMap<>();
        for (State s : states()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("status", s.up() ? "up" : "down");
            if (s.reason() != null) {
                m.put("reason", s.reason());
            }
            m.put("checkedAt", s.checkedAt().toString());
            deps.put(s.name(), m);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("status", status());
        out.put("dependencies", deps);
        return out;
    }

    /** Stops ticking; {@link #ready()} is false from now on. Idempotent. */
    @Override
    public void close() {
        closed = true;
        ScheduledExecutorService s = scheduler;
        if (s != null) {
            s.shutdownNow();
        }
    }
}

package io.hal9.examples.server;

import io.hal9.metrics.HttpMetrics;
import io.hal9.metrics.PrometheusScrape;
import io.hal9.metrics.StandardMetrics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * The server's metrics: one {@link PrometheusMeterRegistry} per server instance, the seed's HTTP
 * metrics and the JVM and process binders. {@link GameServer} binds every component it composes to
 * {@link #registry()} with hal9-metrics' one-call {@code monitor(registry, ...)} (which also wires the
 * batchers' and the task limiter's recorders); {@link HttpApi} records every answered request and serves
 * {@link #scrape} at {@code GET /metrics}.
 *
 * <p>Names: the registry is linted with {@link StandardMetrics#lintFilter()}, so that {@code promtool
 * check metrics} accepts the scrape.
 *
 * <p>Limits: at most {@link HttpMetrics#DEFAULT_MAX_ROUTES} distinct routes (the API has nine plus the
 * catch-all {@link #UNKNOWN_ROUTE}). A scrape reads every meter; it is meant for one scrape per interval.
 *
 * <p>Thread safety: safe for concurrent use; {@link #close()} is idempotent.
 */
final class Metrics implements AutoCloseable {
    /*
     * Design / Concurrency / Invariants: every field is final and thread-safe (Micrometer's registry and
     * meters, hal9-metrics' HttpMetrics); binders are bound by GameServer.open() on the starting thread,
     * requests are recorded from any thread. closed makes close() run once.
     */
    /** The {@code uri} tag of requests that matched no route (kept as one series, whatever the path). */
    static final String UNKNOWN_ROUTE = "/**";

    private final PrometheusMeterRegistry registry;
    private final PrometheusScrape scrape;
    private final HttpMetrics http;
    private final StandardMetrics jvm;
    private final AtomicBoolean closed = new AtomicBoolean();

    Metrics() {
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().meterFilter(StandardMetrics.lintFilter());
        scrape = PrometheusScrape.of(registry);
        http = HttpMetrics.builder(registry).build();
        jvm = StandardMetrics.create();
        jvm.bindTo(registry);
    }

    /** Binds one component's binder to the registry. */
    void bind(MeterBinder binder) {
        Objects.requireNonNull(binder, "binder").bindTo(registry);
    }

    /**
     * Binds {@code hal9.move.forwarder.lost} (forwarded moves and replies Redis did not take, or nobody
     * listened to), {@code hal9.move.forwarder.forwarded} (moves delivered to their owner's channel) and
     * {@code hal9.move.forwarder.received} (moves forwarded to this instance).
     */
    void bindForwarder(String forwarderName, MoveForwarder forwarder) {
        FunctionCounter.builder("hal9.move.forwarder.lost", forwarder, MoveForwarder::lost)
                .description("Forwarded moves and replies lost: Redis did not take them or nobody listened")
                .tag("name", forwarderName)
                .register(registry);
        FunctionCounter.builder("hal9.move.forwarder.forwarded", forwarder, MoveForwarder::forwarded)
                .description("WebSocket moves forwarded to the owner of their game and delivered to its channel")
                .tag("name", forwarderName)
                .register(registry);
        FunctionCounter.builder("hal9.move.forwarder.received", forwarder, MoveForwarder::received)
                .description("WebSocket moves other instances forwarded to this one")
                .tag("name", forwarderName)
                .register(registry);
    }

    /**
     * Binds the re-sending of round results players missed: {@code hal9.results.resend.requested} (asks this
     * instance sent to a game's owner after its room bus lost broadcasts), {@code hal9.results.resend.served}
     * (results the owner here sent back to such asks) and {@code hal9.results.resent} (results sent again to
     * players: here after an ask, or to the room after a takeover).
     */
    void bindResends(String instance, WsGateway ws) {
        FunctionCounter.builder("hal9.results.resend.requested", ws, WsGateway::resendRequested)
                .description("Asks to a game's owner for its last results, after the room bus lost broadcasts")
                .tag("instance", instance)
                .register(registry);
        FunctionCounter.builder("hal9.results.resend.served", ws, WsGateway::resendServed)
                .description("Round results sent back to other instances that asked for them again")
                .tag("instance", instance)
                .register(registry);
        FunctionCounter.builder("hal9.results.resent", ws, WsGateway::resultsResent)
                .description("Round results sent again to players (marked resent)")
                .tag("instance", instance)
                .register(registry);
    }

    /**
     * Binds ownership: {@code hal9.ownership.lease.valid} (1 while this instance's lease is current), {@code
     * hal9.ownership.takeovers} (games taken over from lapsed owners), {@code hal9.ownership.lost} (games
     * another instance claimed from this one), {@code hal9.ownership.results.withheld} (round results not
     * sent because the game was claimed while this instance's lease was unconfirmed), {@code
     * hal9.ownership.renewal.failures}, and {@code
     * hal9.http.forwarded} by result (HTTP requests passed to the owner of their game).
     */
    void bindOwnership(String instance, Ownership own, GameService games, HttpForwarder http) {
        Gauge.builder("hal9.ownership.lease.valid", own, o -> o.valid() ? 1 : 0)
                .description("1 while this instance's ownership lease is current")
                .tag("instance", instance)
                .register(registry);
        FunctionCounter.builder("hal9.ownership.takeovers", games, GameService::takenOver)
                .description("Games this instance took over from owners whose lease lapsed")
                .tag("instance", instance)
                .register(registry);
        FunctionCounter.builder("hal9.ownership.lost", games, GameService::lostGames)
                .description("Games another instance claimed from this one (dropped here)")
                .tag("instance", instance)
                .register(registry);
        FunctionCounter.builder("hal9.ownership.results.withheld", games, GameService::withheldResults)
                .description("Round results not sent: their game was taken over before the lease was confirmed")
                .tag("instance", instance)
                .register(registry);
        FunctionCounter.builder("hal9.ownership.renewal.failures", own, Ownership::renewalFailures)
                .description("Lease renewals (with their ownership check) that failed")
                .tag("instance", instance)
                .register(registry);
        FunctionCounter.builder("hal9.http.forwarded", http, HttpForwarder::forwarded)
                .description("HTTP joins, moves and leaves forwarded to the owner of their game")
                .tag("instance", instance)
                .tag("result", "answered")
                .register(registry);
        FunctionCounter.builder("hal9.http.forwarded", http, HttpForwarder::failed)
                .description("HTTP joins, moves and leaves forwarded to the owner of their game")
                .tag("instance", instance)
                .tag("result", "failed")
                .register(registry);
    }

    /**
     * Binds the health probe: {@code hal9.dependency.up}, a gauge per dependency (tag {@code dependency} =
     * {@code database}, {@code redis}) that is 1 while its last check found it answering and 0 otherwise,
     * and {@code hal9.ready}, 1 while the instance is ready for new games ({@code GET /health/ready} 200).
     */
    void bindHealth(String instance, HealthProbe probe) {
        for (HealthProbe.State s : probe.states()) {
            String dependency = s.name();
            Gauge.builder("hal9.dependency.up", probe, p -> p.isUp(dependency) ? 1 : 0)
                    .description("1 while the dependency answered its last health check, else 0")
                    .tags("name", instance, "dependency", dependency)
                    .register(registry);
        }
        Gauge.builder("hal9.ready", probe, p -> p.ready() ? 1 : 0)
                .description("1 while the instance takes new games (GET /health/ready answers 200), else 0")
                .tag("name", instance)
                .register(registry);
    }

    /**
     * Records one answered HTTP request.
     *
     * @param route the route template ({@code /api/games/{id}}), never the raw path
     * @param status the status sent, or -1 when none was (recorded as {@code UNKNOWN})
     */
    void recordHttp(String method, String route, int status, long durationNanos) {
        http.record(method, route, status, durationNanos);
    }

    /** The scrape for a request with this {@code Accept} header. */
    PrometheusScrape.Response scrape(@Nullable String accept) {
        return scrape.scrape(accept);
    }

    /** The registry, where every component is bound. */
    PrometheusMeterRegistry registry() {
        return registry;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            jvm.close();
            registry.close();
        }
    }
}

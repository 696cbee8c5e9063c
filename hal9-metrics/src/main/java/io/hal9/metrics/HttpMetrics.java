package io.hal9.metrics;

import io.hal9.core.internal.BuilderOptions;
import io.hal9.core.internal.Checks;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP request metrics: a host calls {@link #record} once per request it answered, and the registry
 * exports, in Prometheus, {@code http_requests_total{method,uri,status}} (request rate, error rate) and
 * the histogram {@code http_request_duration_seconds} ({@code _bucket}, {@code _count}, {@code _sum}
 * series; latency quantiles through {@code histogram_quantile}).
 *
 * <pre>{@code
 * HttpMetrics http = HttpMetrics.builder(registry).build();
 * long start = System.nanoTime();
 * // ... handle GET /api/games/42 ...
 * http.record("GET", "/api/games/{id}", 200, System.nanoTime() - start);
 * }</pre>
 *
 * <p><b>Route templates, never raw paths.</b> {@code uri} must be the route the request matched ({@code
 * /api/games/{id}}), never the raw path ({@code /api/games/42}): each distinct value is a new time
 * series. At most {@code maxRoutes} distinct routes are kept (default {@value #DEFAULT_MAX_ROUTES}); the
 * requests of any further route are recorded with {@code uri="OTHER"} and a WARN is logged once.
 * Methods other than the eight of HTTP/1.1 and PATCH are recorded as {@code OTHER}; a status outside
 * [100, 599] as {@code status="UNKNOWN"}.
 *
 * <p>Meters: {@code http.requests} (counter, tags {@code method}, {@code uri}, {@code status}) and {@code
 * http.request.duration} (timer with the same tags and the histogram buckets of {@link
 * Builder#serviceLevelObjectives}, by default 1, 2.5, 5, 10, 25, 50, 100, 250, 500 ms, 1, 2.5, 5, 10
 * s), plus the builder's tags on both.
 *
 * <p>Cost: after a route/method/status combination has been seen once, {@link #record(String, String,
 * int, long)} looks its meters up without allocating and updates them.
 *
 * <p>Thread safety: all methods may be called from any thread.
 */
public final class HttpMetrics {
    /** Default {@code maxRoutes}. */
    public static final int DEFAULT_MAX_ROUTES = 200;

    /** The {@code uri} tag of requests whose route was not kept ({@code maxRoutes} reached). */
    public static final String OTHER = "OTHER";

    private static final Logger log = LoggerFactory.getLogger(HttpMetrics.class);
    private static final String[] METHODS = {
        "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", OTHER
    };
    private static final int MIN_STATUS = 100;
    private static final int STATUSES = 500; // 100..599
    private static final Duration[] DEFAULT_SLOS = {
        Duration.ofMillis(1),
        Duration.ofNanos(2_500_000),
        Duration.ofMillis(5),
        Duration.ofMillis(10),
        Duration.ofMillis(25),
        Duration.ofMillis(50),
        Duration.ofMillis(100),
        Duration.ofMillis(250),
        Duration.ofMillis(500),
        Duration.ofSeconds(1),
        Duration.ofMillis(2500),
        Duration.ofSeconds(5),
        Duration.ofSeconds(10)
    };

    /*
     * Design: meters are cached in route -> method -> status tables so that a request seen before costs
     * two map/array reads and two meter updates, without allocating.
     * Concurrency: routes is a ConcurrentHashMap; its values (RouteMeters) hold one lazily created
     * AtomicReferenceArray per method, published by compareAndSet; each array slot holds one immutable
     * Pair, also set by compareAndSet (two racing threads register the same meters in Micrometer, which
     * hands both the same instances, so either Pair is right). routeCount counts the routes admitted,
     * incremented only inside computeIfAbsent's function (run at most once per key).
     * Invariants: routeCount <= maxRoutes; the OTHER route always exists.
     */
    private final MeterRegistry registry;
    private final Tags tags;
    private final int maxRoutes;
    private final Duration[] slos;
    private final ConcurrentHashMap<String, RouteMeters> routes = new ConcurrentHashMap<>();
    private final AtomicInteger routeCount = new AtomicInteger();
    private final RouteMeters other;
    private volatile boolean overflowLogged;

    private HttpMetrics(Builder b) {
        this.registry = b.registry;
        this.tags = Tags.of(b.tags);
        this.maxRoutes = b.maxRoutes;
        this.slos = b.slos;
        this.other = new RouteMeters(OTHER);
    }

    /** Starts a builder for HTTP metrics in {@code registry}. */
    public static Builder builder(MeterRegistry registry) {
        return new Builder(registry);
    }

    /**
     * Records one answered request.
     *
     * @param method the HTTP method, e.g. {@code GET} (any case)
     * @param route the route template the request matched, e.g. {@code /api/games/{id}}; never the raw path
     * @param status the HTTP status sent
     * @param durationNanos from the request's arrival to its answer, in nanoseconds (negative counts as 0)
     */
    public void record(String method, String route, int status, long durationNanos) {
        Pair p = pair(route, methodIndex(method), status);
        p.requests.increment();
        p.duration.record(Math.max(0L, durationNanos), TimeUnit.NANOSECONDS);
    }

    /** As {@link #record(String, String, int, long)} with a {@link Duration}. */
    public void record(String method, String route, int status, Duration duration) {
        record(method, route, status, Checks.saturatedNanos(Objects.requireNonNull(duration, "duration")));
    }

    /** Distinct routes kept so far, at most {@code maxRoutes}. */
    public int routes() {
        return routeCount.get();
    }

    private static int methodIndex(String method) {
        Objects.requireNonNull(method, "method");
        for (int i = 0; i < METHODS.length - 1; i++) {
            if (METHODS[i].equalsIgnoreCase(method)) {
                return i;
            }
        }
        return METHODS.length - 1;
    }

    private Pair pair(String route, int method, int status) {
        RouteMeters r = routes.get(Objects.requireNonNull(route, "route"));
        if (r == null) {
            r = admit(route);
        }
        AtomicReferenceArray<@Nullable Pair> byStatus = r.byMethod.get(method);
        if (byStatus == null) {
            r.byMethod.compareAndSet(method, null, new AtomicReferenceArray<>(STATUSES + 1));
            byStatus = Objects.requireNonNull(r.byMethod.get(method));
        }
        int slot = status >= MIN_STATUS && status < MIN_STATUS + STATUSES ? status - MIN_STATUS : STATUSES;
        Pair p = byStatus.get(slot);
        if (p == null) {
            String statusTag = slot == STATUSES ? "UNKNOWN" : Integer.toString(status);
            Tags t = tags.and("method", METHODS[method], "uri", r.route, "status", statusTag);
            p = new Pair(
                    Counter.builder("http.requests")
                            .description("HTTP requests answered, by method, route template and status")
                            .tags(t)
                            .register(registry),
                    Timer.builder("http.request.duration")
                            .description("Time to answer HTTP requests, by method, route template and status")
                            .tags(t)
                            .serviceLevelObjectives(slos)
                            .register(registry));
            if (!byStatus.compareAndSet(slot, null, p)) {
                p = Objects.requireNonNull(byStatus.get(slot));
            }
        }
        return p;
    }

    private RouteMeters admit(String route) {
        if (route.equals(OTHER)) {
            return other;
        }
        RouteMeters r = routes.computeIfAbsent(route, k -> {
            while (true) {
                int n = routeCount.get();
                if (n >= maxRoutes) {
                    return null;
                }
                if (routeCount.compareAndSet(n, n + 1)) {
                    return new RouteMeters(k);
                }
            }
        });
        if (r != null) {
            return r;
        }
        if (!overflowLogged) {
            overflowLogged = true;
            log.warn(
                    "http metrics: maxRoutes ({}) reached; requests of route '{}' and of every further route"
                            + " are recorded as uri=\"{}\" (pass route templates, not raw paths, or raise maxRoutes)",
                    maxRoutes,
                    route,
                    OTHER);
        }
        return other;
    }

    private static final class RouteMeters {
        final String route;
        final AtomicReferenceArray<@Nullable AtomicReferenceArray<@Nullable Pair>> byMethod =
                new AtomicReferenceArray<>(METHODS.length);

        RouteMeters(String route) {
            this.route = route;
        }
    }

    private record Pair(Counter requests, Timer duration) {}

    /**
     * Configures {@link HttpMetrics}. Each option may be set once.
     *
     * <p>Thread safety: not thread-safe; use from one thread.
     */
    public static final class Builder {
        private static final String COMPONENT = "http metrics";
        private final BuilderOptions options = new BuilderOptions(COMPONENT);
        private final MeterRegistry registry;
        private Iterable<Tag> tags = Tags.empty();
        private int maxRoutes = DEFAULT_MAX_ROUTES;
        private Duration[] slos = DEFAULT_SLOS.clone();

        private Builder(MeterRegistry registry) {
            this.registry = Objects.requireNonNull(registry, "registry");
        }

        /** Tags added to both meters, e.g. {@code server=lobby}; default none. */
        public Builder tags(Iterable<Tag> tags) {
            this.tags = options.set("tags", Tags.of(Objects.requireNonNull(tags, "tags")));
            return this;
        }

        /** Most distinct routes kept; default {@value HttpMetrics#DEFAULT_MAX_ROUTES}, in [1, 10000]. */
        public Builder maxRoutes(int maxRoutes) {
            this.maxRoutes = options.set("maxRoutes", Checks.inRange(COMPONENT, "maxRoutes", maxRoutes, 1, 10_000));
            return this;
        }

        /**
         * The upper bounds of the latency histogram's buckets (Prometheus {@code le}), each in [1 µs, 1
         * h]; default 1 ms to 10 s (see {@link HttpMetrics}). Between 1 and 50 bounds.
         */
        public Builder serviceLevelObjectives(Duration... bounds) {
            Objects.requireNonNull(bounds, "bounds");
            if (bounds.length < 1 || bounds.length > 50) {
                throw new IllegalArgumentException(
                        COMPONENT + ": serviceLevelObjectives must have 1 to 50 bounds, was " + bounds.length);
            }
            Duration[] copy = bounds.clone();
            for (Duration d : copy) {
                Checks.duration(COMPONENT, "serviceLevelObjectives", d, Duration.ofNanos(1000), Duration.ofHours(1));
            }
            Arrays.sort(copy);
            this.slos = options.set("serviceLevelObjectives", copy);
            return this;
        }

        /** Builds the metrics; meters are registered as requests are recorded. */
        public HttpMetrics build() {
            return new HttpMetrics(this);
        }
    }
}

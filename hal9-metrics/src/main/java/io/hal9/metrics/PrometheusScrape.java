package io.hal9.metrics;

import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.hal9.core.Hal9Exception;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Serves a {@link PrometheusMeterRegistry} to Prometheus from any HTTP server: the host calls {@link
 * #scrape(String)} (or {@link #writeTo}) with the request's {@code Accept} header and answers with the
 * returned content type and body. On the JDK's own server it is one line:
 *
 * <pre>{@code
 * PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
 * PrometheusScrape.mount(httpServer, "/metrics", registry);
 * // any other server (Netty, Undertow, a servlet ...):
 * PrometheusScrape.Response r = PrometheusScrape.of(registry).scrape(request.header("Accept"));
 * respond(200, r.contentType(), r.body());
 * }</pre>
 *
 * <p>Formats: OpenMetrics 1.0.0 when the {@code Accept} header asks for {@code
 * application/openmetrics-text} (Prometheus does), otherwise the Prometheus text format 0.0.4. The
 * protobuf format is never chosen. The body is not compressed.
 *
 * <p>Limits: a scrape reads every meter (function meters call their component's {@code stats()}); it
 * is meant to run once per scrape interval, not per request. The handler answers {@code GET} and {@code
 * HEAD}, and 405 to anything else.
 *
 * <p>Thread safety: all methods may be called from any thread, concurrently.
 */
public final class PrometheusScrape {
    /** Content type of the Prometheus text format 0.0.4. */
    public static final String TEXT_004 = "text/plain; version=0.0.4; charset=utf-8";

    /** Content type of OpenMetrics text 1.0.0. */
    public static final String OPENMETRICS_100 = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    private final PrometheusMeterRegistry registry;

    private PrometheusScrape(PrometheusMeterRegistry registry) {
        this.registry = registry;
    }

    /** A scrape handler for {@code registry}. */
    public static PrometheusScrape of(PrometheusMeterRegistry registry) {
        return new PrometheusScrape(Objects.requireNonNull(registry, "registry"));
    }

    /**
     * Mounts a scrape handler for {@code registry} at {@code path} of the JDK's {@code server}.
     *
     * @return the context created, e.g. to remove it later
     */
    public static HttpContext mount(HttpServer server, String path, PrometheusMeterRegistry registry) {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(path, "path");
        return server.createContext(path, of(registry).httpHandler());
    }

    /** The content type answered to a request with this {@code Accept} header (null: none sent). */
    public static String contentType(@Nullable String accept) {
        return accept != null && accept.toLowerCase(Locale.ROOT).contains("application/openmetrics-text")
                ? OPENMETRICS_100
                : TEXT_004;
    }

    /** Scrapes the registry into memory. */
    public Response scrape(@Nullable String accept) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        String type = writeTo(accept, out);
        return new Response(type, out.toByteArray());
    }

    /**
     * Scrapes the registry into {@code out} (not closed).
     *
     * @return the content type of what was written
     * @throws Hal9Exception if writing to {@code out} failed (its cause is the {@link IOException})
     */
    public String writeTo(@Nullable String accept, OutputStream out) {
        Objects.requireNonNull(out, "out");
        String type = contentType(accept);
        try {
            registry.scrape(out, type);
        } catch (IOException e) {
            throw new Hal9Exception("prometheus scrape: writing the response failed: " + e.getMessage(), e);
        }
        return type;
    }

    /** A {@link HttpHandler} for the JDK's {@link HttpServer} that answers with a scrape. */
    public HttpHandler httpHandler() {
        return this::handle;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            boolean head = "HEAD".equalsIgnoreCase(method);
            if (!head && !"GET".equalsIgnoreCase(method)) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            Response r = scrape(exchange.getRequestHeaders().getFirst("Accept"));
            exchange.getResponseHeaders().set("Content-Type", r.contentType());
            if (head) {
                exchange.sendResponseHeaders(200, -1);
            } else {
                exchange.sendResponseHeaders(200, r.body().length);
                exchange.getResponseBody().write(r.body());
            }
        }
    }

    /**
     * One scrape: what to put in the {@code Content-Type} header, and the body.
     *
     * <p>Thread safety: immutable by convention; do not change the array.
     *
     * @param contentType the format's content type
     * @param body the metrics, UTF-8 text
     */
    public record Response(String contentType, byte[] body) {
        /** Checks the components. */
        public Response {
            Objects.requireNonNull(contentType, "contentType");
            Objects.requireNonNull(body, "body");
        }
    }
}

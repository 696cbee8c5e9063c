package io.hal9.examples.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;

/**
 * The HTTP API on the JDK's {@code HttpServer} ({@code --http-engine jdk}): the previous transport, kept for
 * one release so that the hardened port can be compared with it from one build. It has none of the
 * hardening of {@link HttpConnection} (no connection limit, no read timeouts: a slowloris holds it); only
 * the body limit (413) and gzip (responses of {@value HttpApi#GZIP_MIN} bytes or more, for clients that
 * accept it) are applied here. Each exchange runs on its own virtual thread.
 *
 * <p>Thread safety: stateless; one instance serves every exchange.
 *
 * <p>Deprecated: the netty engine (the default) replaces it; it goes in the next release.
 */
final class JdkHttp implements HttpHandler {
    private final HttpApi api;
    private final int maxBody;

    JdkHttp(HttpApi api, int maxBody) {
        this.api = api;
        this.maxBody = maxBody;
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        long start = System.nanoTime();
        try (ex) {
            String method = ex.getRequestMethod();
            String path = ex.getRequestURI().getRawPath();
            byte[] body;
            try (InputStream in = ex.getRequestBody()) {
                body = in.readNBytes(maxBody + 1);
            }
            HttpApi.Response r;
            if (body.length > maxBody) {
                r = api.refuse(
                        method,
                        path,
                        413,
                        "body_too_large",
                        "request bodies are limited to " + maxBody + " bytes",
                        start);
            } else {
                r = api.handle(new HttpApi.Request(
                        method,
                        path,
                        ex.getRequestURI().getRawQuery(),
                        ex.getRequestHeaders()::getFirst,
                        body,
                        ex.getRemoteAddress().getAddress()));
            }
            send(ex, r);
        } catch (IOException e) {
            // the client went away; nothing to answer
        }
    }

    private static void send(HttpExchange ex, HttpApi.Response plain) throws IOException {
        HttpApi.Response r = HttpApi.gzipped(
                plain, HttpApi.acceptsGzip(ex.getRequestHeaders().getFirst("Accept-Encoding")));
        ex.getResponseHeaders().set("Content-Type", r.contentType());
        ex.getResponseHeaders().add("Vary", "Accept-Encoding");
        for (Map.Entry<String, String> h : r.headers().entrySet()) {
            ex.getResponseHeaders().set(h.getKey(), h.getValue());
        }
        byte[] out = r.body();
        ex.sendResponseHeaders(r.status(), out.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(out);
        }
    }
}

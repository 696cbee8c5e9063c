package io.hal9.examples.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.zip.GZIPInputStream;
import org.jspecify.annotations.Nullable;

/** A small JSON client of the server's HTTP API for tests. */
final class ApiClient implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;

    record Reply(int status, JsonNode body, HttpResponse<byte[]> raw) {
        String error() {
            return body.path("error").asText();
        }
    }

    ApiClient(String base) {
        this.base = base;
    }

    String base() {
        return base;
    }

    /** A GET whose answer is not JSON (a page or a script), as it came. */
    HttpResponse<String> rawText(String path) {
        try {
            return http.send(
                    HttpRequest.newBuilder(URI.create(base + path))
                            .timeout(Duration.ofSeconds(20))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    Reply get(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    /** A GET whose answer is text (e.g. {@code /metrics}); fails on a status other than 200. */
    String text(String path) {
        try {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create(base + path))
                            .timeout(Duration.ofSeconds(20))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("GET " + path + " answered " + r.statusCode() + ": " + r.body());
            }
            return r.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    Reply post(String path, String body) {
        return post(path, body, null);
    }

    Reply post(String path, String body, @Nullable String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return send(b);
    }

    Reply send(HttpRequest.Builder b) {
        try {
            HttpResponse<byte[]> r =
                    http.send(b.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofByteArray());
            byte[] bytes = r.body();
            if (r.headers().firstValue("Content-Encoding").orElse("").equals("gzip")) {
                try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
                    bytes = in.readAllBytes();
                }
            }
            JsonNode node = bytes.length == 0 ? JSON.createObjectNode() : JSON.readTree(bytes);
            return new Reply(r.statusCode(), node, r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    long createGame(int players, int rounds) {
        Reply r = post("/api/games", "{\"maxPlayers\":" + players + ",\"rounds\":" + rounds + "}");
        if (r.status() != 201) {
            throw new IllegalStateException("create failed: " + r);
        }
        return r.body().get("id").asLong();
    }

    /** Joins and answers the token. */
    String join(long game, String name) {
        Reply r = post("/api/games/" + game + "/join", "{\"name\":\"" + name + "\"}");
        if (r.status() != 200) {
            throw new IllegalStateException("join failed: " + r);
        }
        return r.body().get("token").asText();
    }

    /** Closes this client's connections (they count against the server's per-address limit). */
    @Override
    public void close() {
        http.close();
    }
}

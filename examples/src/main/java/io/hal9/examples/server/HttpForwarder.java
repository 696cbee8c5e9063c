package io.hal9.examples.server;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passes an HTTP join, move or leave for a game another instance owns to that owner (its {@code
 * advertise-url}, from the {@code instances} table) and answers with the owner's answer, so that any
 * instance serves any game behind a plain round-robin load balancer, with no client change and nothing
 * the balancer must remember.
 *
 * <p>Why forward rather than answer with the owner's address: a client behind a load balancer usually
 * cannot reach an instance directly (the advertised address is internal), an answer with an address would
 * need a client change, and the cost of forwarding, one internal HTTP call for the requests that land on
 * the wrong instance, is small next to the database write a join or a move costs anyway.
 *
 * <p>A forwarded request carries {@value #HEADER} (this instance's name); an instance never forwards a
 * request that carries it again, so a stale idea of the owner costs at most one hop, never a loop.
 *
 * <p>Limits: one call of at most {@link #TIMEOUT}; an owner that does not answer in time, or cannot be
 * reached, gives {@code 503 owner_unavailable} with {@code Retry-After: 1} (the request may or may not have
 * been applied: a retried move then answers 409 {@code already_moved}, a retried join seats a second
 * player). A game whose owner's lease lapsed answers {@code 503 game_moving}: another instance takes it
 * over within a lease renewal interval.
 *
 * <p>Thread safety: safe for concurrent use; {@link #forward} blocks (call it on a virtual thread). {@link
 * #close()} stops the HTTP client (and its selector thread) once the server's HTTP port no longer forwards.
 */
final class HttpForwarder implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpForwarder.class);

    /** The header of a forwarded request, naming the instance that forwarded it. */
    static final String HEADER = "X-Hal9-Forwarded-By";

    /** Longest wait for the owner's answer. */
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final String name;
    private final GameStore store;
    private final HttpClient client;
    private final LongAdder forwarded = new LongAdder();
    private final LongAdder failed = new LongAdder();

    HttpForwarder(String name, GameStore store) {
        this.name = Objects.requireNonNull(name, "name");
        this.store = Objects.requireNonNull(store, "store");
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2))
                .build();
    }

    /**
     * Forwards {@code req} for game {@code gameId} to its owner.
     *
     * @return the owner's answer, or null when this instance must answer itself: the request was forwarded
     *     already, the game is over or unknown, or the database says this instance owns it
     */
    HttpApi.@Nullable Response forward(HttpApi.Request req, long gameId) {
        if (req.header().apply(HEADER) != null) {
            return null;
        }
        GameStore.Owner owner = store.ownerOf(gameId);
        if (owner == null || owner.name().equals(name)) {
            return null;
        }
        if (!owner.leased()) {
            return HttpApi.error(
                    503,
                    "game_moving",
                    "the instance that hosted game " + gameId + " stopped; another instance is taking it over",
                    1);
        }
        String uri = owner.url() + req.rawPath() + (req.rawQuery() == null ? "" : "?" + req.rawQuery());
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(uri))
                .timeout(TIMEOUT)
                .header(HEADER, name)
                .POST(HttpRequest.BodyPublishers.ofByteArray(req.body()));
        for (String h : new String[] {"Authorization", "Content-Type"}) {
            String v = req.header().apply(h);
            if (v != null) {
                b.header(h, v);
            }
        }
        try {
            HttpResponse<byte[]> r = client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            forwarded.increment();
            Map<String, String> headers = new LinkedHashMap<>();
            for (String h : new String[] {"Retry-After", "Location", "Allow"}) {
                r.headers().firstValue(h).ifPresent(v -> headers.put(h, v));
            }
            String type = r.headers().firstValue("Content-Type").orElse("application/json");
            return new HttpApi.Response(r.statusCode(), type, r.body(), headers);
        } catch (IOException e) {
            failed.increment();
            log.debug("{}: forwarding {} to '{}' failed: {}", name, req.rawPath(), owner.name(), e.toString());
            return HttpApi.error(
                    503, "owner_unavailable", "the instance hosting game " + gameId + " did not answer; retry", 1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failed.increment();
            return HttpApi.error(503, "owner_unavailable", "interrupted while forwarding to the game's host", 1);
        }
    }

    long forwarded() {
        return forwarded.sum();
    }

    long failed() {
        return failed.sum();
    }

    /** Stops the HTTP client: requests still forwarded fail; waits up to 2 s for its selector thread. */
    @Override
    public void close() {
        client.shutdownNow();
        try {
            client.awaitTermination(Duration.ofSeconds(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

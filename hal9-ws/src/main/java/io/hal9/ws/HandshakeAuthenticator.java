package io.hal9.ws;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Decides whether a WebSocket upgrade request may open a session, after the connection limits passed and
 * before the handshake completes: e.g. check a player token in the query string ({@code
 * ws://host/ws?token=...}) and refuse with 401/403. The user implements it.
 *
 * <p>It is called on the connection's event loop and must not block there: return an already completed stage
 * for a check that needs no I/O, or a stage completed later by another thread (a cache or database lookup).
 * The connection waits for it without occupying the event loop, up to the server's {@code handshakeTimeout};
 * a stage that fails or times out rejects the request with 503 (reason {@code auth-error}).
 *
 * <p>Thread safety: called from several event-loop threads at once.
 */
@FunctionalInterface
public interface HandshakeAuthenticator {

    /** Accepts every request (the default). */
    HandshakeAuthenticator ACCEPT_ALL = request -> CompletableFuture.completedFuture(HandshakeDecision.accept());

    /** Decides about one upgrade request. */
    CompletionStage<HandshakeDecision> authenticate(HandshakeRequest request);
}

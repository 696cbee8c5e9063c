package io.hal9.ws;

import java.util.Map;
import java.util.Objects;

/**
 * The answer of a {@link HandshakeAuthenticator}: accept (with attributes for the new session) or reject with
 * an HTTP status and a reason that the client sees as the response body.
 *
 * <p>Thread safety: immutable.
 */
public final class HandshakeDecision {
    private static final HandshakeDecision ACCEPT = new HandshakeDecision(true, 101, "", Map.of());

    private final boolean accepted;
    private final int status;
    private final String reason;
    private final Map<String, Object> attributes;

    private HandshakeDecision(boolean accepted, int status, String reason, Map<String, Object> attributes) {
        this.accepted = accepted;
        this.status = status;
        this.reason = reason;
        this.attributes = attributes;
    }

    /** Accept without attributes. */
    public static HandshakeDecision accept() {
        return ACCEPT;
    }

    /** Accept and put these attributes into the new session's {@link Session#attributes()}. */
    public static HandshakeDecision accept(Map<String, ?> attributes) {
        return attributes.isEmpty() ? ACCEPT : new HandshakeDecision(true, 101, "", Map.copyOf(attributes));
    }

    /**
     * Reject the upgrade with an HTTP status (e.g. 401, 403) and a short reason (the response body, and the
     * key under which {@link WsServer.Stats#handshakeRejections()} counts it is {@code "auth-" + status}).
     *
     * @throws IllegalArgumentException if the status is not in 400..599
     */
    public static HandshakeDecision reject(int httpStatus, String reason) {
        if (httpStatus < 400 || httpStatus > 599) {
            throw new IllegalArgumentException("httpStatus must be in [400, 599], was " + httpStatus);
        }
        return new HandshakeDecision(false, httpStatus, Objects.requireNonNull(reason, "reason"), Map.of());
    }

    /** Whether the upgrade is accepted. */
    public boolean accepted() {
        return accepted;
    }

    /** The HTTP status of a rejection (101 for an acceptance). */
    public int status() {
        return status;
    }

    /** The reason of a rejection (empty for an acceptance). */
    public String reason() {
        return reason;
    }

    /** The attributes for the new session (empty for a rejection). */
    public Map<String, Object> attributes() {
        return attributes;
    }

    @Override
    public String toString() {
        return accepted ? "accept" + attributes.keySet() : "reject(" + status + ", " + reason + ")";
    }
}

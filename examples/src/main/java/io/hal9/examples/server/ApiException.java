package io.hal9.examples.server;

import io.hal9.core.Hal9Exception;
import java.io.Serial;

/**
 * A request the server refuses, with the HTTP status and the JSON error it answers:
 * {@code {"error": error, "detail": message}}.
 *
 * <p>Thread safety: immutable.
 */
public final class ApiException extends Hal9Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String error;

    /**
     * A refusal.
     *
     * @param status the HTTP status (4xx, or 503 when the server is saturated)
     * @param error a short machine-readable code, e.g. {@code game_full}
     * @param detail a sentence for people
     */
    public ApiException(int status, String error, String detail) {
        super(detail);
        this.status = status;
        this.error = error;
    }

    /**
     * The HTTP status.
     *
     * @return the status code
     */
    public int status() {
        return status;
    }

    /**
     * The machine-readable error code.
     *
     * @return e.g. {@code unknown_game}
     */
    public String error() {
        return error;
    }

    static ApiException badRequest(String error, String detail) {
        return new ApiException(400, error, detail);
    }

    static ApiException notFound(String error, String detail) {
        return new ApiException(404, error, detail);
    }

    /** 503 {@code database_unavailable}: the request needs the database, which does not answer now. */
    static ApiException databaseUnavailable() {
        return new ApiException(503, "database_unavailable", "the database is not reachable now; retry shortly");
    }

    static ApiException conflict(String error, String detail) {
        return new ApiException(409, error, detail);
    }
}

package io.hal9.testkit;

import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The outcome of looking for one service, computed once per JVM: the endpoint with the source it
 * came from, or the reason none was found.
 *
 * @param endpoint the endpoint, or {@code null} when the service is not available
 * @param description where the endpoint came from, or the full reason it is not available
 */
record Resolution<E>(@Nullable E endpoint, String description) {

    /** Appended to the reason when {@code HAL9_REQUIRE_SERVICES=1} turns the skip into a failure. */
    static final String REQUIRED_SUFFIX = " [HAL9_REQUIRE_SERVICES=1: failing instead of skipping]";

    Resolution {
        Objects.requireNonNull(description, "description");
    }

    boolean available() {
        return endpoint != null;
    }

    /**
     * Returns the endpoint, or ends the current test: aborted (skipped) with the reason, or failed
     * with it when {@code required}.
     *
     * @throws org.opentest4j.TestAbortedException when not available and not required
     * @throws org.opentest4j.AssertionFailedError when not available and required
     */
    E require(boolean required) {
        E e = endpoint;
        if (e != null) {
            return e;
        }
        if (required) {
            return Assertions.fail(description + REQUIRED_SUFFIX);
        }
        return Assumptions.abort(description);
    }
}

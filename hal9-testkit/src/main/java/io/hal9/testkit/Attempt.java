package io.hal9.testkit;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What one source of a service gave: an endpoint and where it came from, or why it gave none.
 *
 * @param endpoint the endpoint found, or {@code null} when the source gave none
 * @param note the origin of the endpoint when found (e.g. {@code 127.0.0.1:6379}), otherwise the
 *     reason in a few words (e.g. {@code connection refused})
 */
record Attempt<E>(@Nullable E endpoint, String note) {

    Attempt {
        Objects.requireNonNull(note, "note");
    }

    static <E> Attempt<E> found(E endpoint) {
        Objects.requireNonNull(endpoint, "endpoint");
        return new Attempt<>(endpoint, "found");
    }

    static <E> Attempt<E> missed(String why) {
        return new Attempt<>(null, why);
    }
}

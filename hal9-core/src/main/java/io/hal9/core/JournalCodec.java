package io.hal9.core;

import java.nio.ByteBuffer;

/**
 * Turns an action into the bytes of one {@link ActionJournal} record and back.
 *
 * <p>The journal calls {@link #encode} while it holds its append lock, so encoding should be quick
 * and must not block. If the action does not fit in the buffer ({@link
 * java.nio.BufferOverflowException}), the journal retries with a larger one, up to its {@code
 * maxRecordBytes}; an action that is still too large, or whose encoding throws, is refused with an
 * {@link IllegalArgumentException} and nothing is journaled.
 *
 * <p>{@link #decode} must read exactly what {@link #encode} wrote. Records written by one version of
 * a codec are replayed by the next after an upgrade, so evolve the format compatibly (for example a
 * leading version byte).
 *
 * <p>Thread safety: {@link #encode} is called by one thread at a time (under the journal's lock),
 * {@link #decode} only while the journal replays, from one thread. Implementations need not be
 * thread-safe if they are used by one journal only.
 *
 * @param <T> the action type
 */
public interface JournalCodec<T> {
    /**
     * Writes {@code action} into {@code out}, starting at its position.
     *
     * @param action the action, never null
     * @param out where to write; its position after the call marks the end of the record
     * @throws java.nio.BufferOverflowException when {@code out} has too little room (the journal retries
     *     with a larger buffer)
     */
    void encode(T action, ByteBuffer out);

    /**
     * Reads one action back.
     *
     * @param in the record's bytes, from its position to its limit, exactly as {@link #encode} wrote them
     * @return the action, never null
     * @throws RuntimeException when the bytes are not a valid record; the replay reports it and skips
     *     the record
     */
    T decode(ByteBuffer in);
}

package io.hal9.pool.jdbc;

import org.jspecify.annotations.Nullable;

/**
 * One row of a {@link CopyBatchSink}'s {@code COPY}: add exactly one value per column, in the
 * column order given to the builder. Values are written in PostgreSQL's COPY text format, escaped as
 * that format requires (backslash, tab, newline and carriage return), encoded as UTF-8.
 *
 * <p>Limits: text cannot hold U+0000 or an unpaired surrogate; such a value is refused with an {@link
 * IllegalArgumentException} (the batch fails permanently and the batcher isolates the action). Adding
 * more values than there are columns, or fewer, fails the same way. The row is valid only during
 * {@link CopyRowWriter#write}.
 *
 * <p>Thread safety: confined to the writing thread.
 */
public interface CopyRow {
    /**
     * Adds a text value (for any column type whose input accepts text: {@code text}, {@code
     * timestamptz} from {@code Instant.toString()}, {@code uuid}, {@code numeric}, {@code jsonb}, ...).
     *
     * @param value the value, or {@code null} for SQL NULL
     */
    CopyRow add(@Nullable String value);

    /** Adds an integer value ({@code smallint}, {@code int}, {@code bigint}, {@code numeric}). */
    CopyRow add(long value);

    /** Adds a floating-point value; {@code NaN} and the infinities are written as PostgreSQL spells them. */
    CopyRow add(double value);

    /** Adds a {@code boolean}. */
    CopyRow add(boolean value);

    /**
     * Adds a {@code bytea} value (written in hex).
     *
     * @param value the bytes, or {@code null} for SQL NULL
     */
    CopyRow add(byte @Nullable [] value);

    /**
     * Adds any value as its {@code toString()} (a {@code byte[]} as {@code bytea}).
     *
     * @param value the value, or {@code null} for SQL NULL
     */
    CopyRow addObject(@Nullable Object value);

    /** Adds SQL NULL. */
    CopyRow addNull();
}

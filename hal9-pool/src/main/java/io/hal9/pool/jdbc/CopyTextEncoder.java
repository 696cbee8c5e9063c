package io.hal9.pool.jdbc;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Encodes rows in PostgreSQL's COPY text format into a growable UTF-8 byte buffer: columns separated
 * by a tab, rows ended by a newline, NULL as {@code \N}, and in values the backslash, tab, newline
 * and carriage return escaped with a backslash (so no data byte can end a column or a row, and a
 * literal {@code \N} or {@code \.} in the data stays data).
 *
 * <p>Design: one instance per sink call, confined to its thread; the caller sends {@link #bytes()}
 * up to {@link #size()} whenever it likes and {@link #clear()}s it. Invariants: between {@link
 * #beginRow} and {@link #endRow}, {@code written} counts the values added to the open row.
 */
final class CopyTextEncoder implements CopyRow {
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private final String component;
    private final List<String> columns;
    private byte[] buf;
    private int size;
    private int written;
    private boolean open;
    private long row;

    CopyTextEncoder(String component, List<String> columns, int initialCapacity) {
        this.component = component;
        this.columns = columns;
        this.buf = new byte[initialCapacity];
    }

    byte[] bytes() {
        return buf;
    }

    int size() {
        return size;
    }

    void clear() {
        size = 0;
    }

    /** Opens row number {@code row} (for messages). */
    void beginRow(long row) {
        this.row = row;
        this.written = 0;
        this.open = true;
    }

    /** Closes the row, checking that every column got a value. */
    void endRow() {
        open = false;
        if (written != columns.size()) {
            throw new IllegalArgumentException(component + ": row " + row + " has " + written + " values, the COPY has "
                    + columns.size() + " columns " + columns);
        }
        put((byte) '\n');
    }

    // ---------------------------------------------------------------- CopyRow

    @Override
    public CopyRow add(@Nullable String value) {
        next();
        if (value == null) {
            nullValue();
        } else {
            text(value);
        }
        return this;
    }

    @Override
    public CopyRow add(long value) {
        next();
        if (value == Long.MIN_VALUE) {
            ascii(Long.toString(value));
            return this;
        }
        ensure(20);
        if (value < 0) {
            buf[size++] = '-';
            value = -value;
        }
        int digits = 1;
        for (long v = value; v >= 10; v /= 10) {
            digits++;
        }
        int end = size + digits;
        for (int i = end - 1; i >= size; i--) {
            buf[i] = (byte) ('0' + (int) (value % 10));
            value /= 10;
        }
        size = end;
        return this;
    }

    @Override
    public CopyRow add(double value) {
        next();
        // Double.toString spells NaN, Infinity and -Infinity as PostgreSQL's float input does.
        ascii(Double.toString(value));
        return this;
    }

    @Override
    public CopyRow add(boolean value) {
        next();
        put(value ? (byte) 't' : (byte) 'f');
        return this;
    }

    @Override
    public CopyRow add(byte @Nullable [] value) {
        next();
        if (value == null) {
            nullValue();
            return this;
        }
        // bytea's hex input is \x0a0b...; the backslash itself is escaped for COPY.
        ensure(3 + 2 * value.length);
        buf[size++] = '\\';
        buf[size++] = '\\';
        buf[size++] = 'x';
        for (byte b : value) {
            buf[size++] = HEX[(b >> 4) & 0xF];
            buf[size++] = HEX[b & 0xF];
        }
        return this;
    }

    @Override
    public CopyRow addObject(@Nullable Object value) {
        if (value instanceof byte[] bytes) {
            return add(bytes);
        }
        return add(value == null ? null : value.toString());
    }

    @Override
    public CopyRow addNull() {
        next();
        nullValue();
        return this;
    }

    // ---------------------------------------------------------------- encoding

    private void next() {
        if (!open) {
            throw new IllegalStateException(
                    component + ": a CopyRow may only be used inside CopyRowWriter.write, for the row it was given");
        }
        if (written == columns.size()) {
            throw new IllegalArgumentException(
                    component + ": row " + row + " has more values than the COPY has columns " + columns);
        }
        if (written > 0) {
            put((byte) '\t');
        }
        written++;
    }

    private void nullValue() {
        ensure(2);
        buf[size++] = '\\';
        buf[size++] = 'N';
    }

    private void ascii(String s) {
        int n = s.length();
        ensure(n);
        for (int i = 0; i < n; i++) {
            buf[size++] = (byte) s.charAt(i);
        }
    }

    private void text(String s) {
        int n = s.length();
        ensure(3 * n); // worst case per char: 3 bytes of UTF-8 (a surrogate pair is 4 bytes for 2 chars)
        byte[] b = buf;
        int p = size;
        for (int i = 0; i < n; i++) {
            char ch = s.charAt(i);
            if (ch < 0x80) {
                switch (ch) {
                    case '\\' -> {
                        b[p++] = '\\';
                        b[p++] = '\\';
                    }
                    case '\t' -> {
                        b[p++] = '\\';
                        b[p++] = 't';
                    }
                    case '\n' -> {
                        b[p++] = '\\';
                        b[p++] = 'n';
                    }
                    case '\r' -> {
                        b[p++] = '\\';
                        b[p++] = 'r';
                    }
                    case 0 -> {
                        size = p;
                        throw refuse("contains U+0000, which PostgreSQL text cannot hold", i);
                    }
                    default -> b[p++] = (byte) ch;
                }
            } else if (ch < 0x800) {
                b[p++] = (byte) (0xC0 | (ch >> 6));
                b[p++] = (byte) (0x80 | (ch & 0x3F));
            } else if (Character.isSurrogate(ch)) {
                if (Character.isHighSurrogate(ch) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    int cp = Character.toCodePoint(ch, s.charAt(++i));
                    b[p++] = (byte) (0xF0 | (cp >> 18));
                    b[p++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                    b[p++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                    b[p++] = (byte) (0x80 | (cp & 0x3F));
                } else {
                    size = p;
                    throw refuse("contains an unpaired surrogate", i);
                }
            } else {
                b[p++] = (byte) (0xE0 | (ch >> 12));
                b[p++] = (byte) (0x80 | ((ch >> 6) & 0x3F));
                b[p++] = (byte) (0x80 | (ch & 0x3F));
            }
        }
        size = p;
    }

    private IllegalArgumentException refuse(String what, int index) {
        return new IllegalArgumentException(component + ": row " + row + ", column '" + columns.get(written - 1)
                + "': the value " + what + " (at char " + index + ")");
    }

    private void put(byte b) {
        ensure(1);
        buf[size++] = b;
    }

    private void ensure(int extra) {
        int needed = size + extra;
        if (needed > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(needed, (int) Math.min(Integer.MAX_VALUE - 8, 2L * buf.length)));
        }
    }

    @Override
    public String toString() {
        return component + " row " + row;
    }

    /** Exposed for tests: the encoded bytes so far as a string. */
    String encoded() {
        return new String(buf, 0, size, StandardCharsets.UTF_8);
    }
}

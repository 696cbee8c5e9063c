package io.hal9.pool.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class CopyTextEncoderTest {
    private final CopyTextEncoder row = new CopyTextEncoder("copy sink 't'", List.of("a", "b", "c"), 8);

    private String encode(String a, String b, String c) {
        row.beginRow(0);
        row.add(a).add(b).add(c);
        row.endRow();
        return row.encoded();
    }

    @Test
    void separatesColumnsWithTabsAndEndsRowsWithANewline() {
        assertThat(encode("x", "y", "z")).isEqualTo("x\ty\tz\n");
    }

    @Test
    void escapesBackslashTabNewlineAndCarriageReturnInValues() {
        assertThat(encode("a\\b", "c\td", "e\nf\rg")).isEqualTo("a\\\\b\tc\\td\te\\nf\\rg\n");
    }

    @Test
    void aLiteralBackslashNOrEndMarkerStaysData() {
        assertThat(encode("\\N", "\\.", "")).isEqualTo("\\\\N\t\\\\.\t\n");
    }

    @Test
    void writesNullAsBackslashN() {
        row.beginRow(0);
        row.add((String) null).addNull().addObject(null);
        row.endRow();
        assertThat(row.encoded()).isEqualTo("\\N\t\\N\t\\N\n");
    }

    @Test
    void encodesNonAsciiAsUtf8() {
        // ü (2 bytes), 中 (3 bytes), 🎮 (a surrogate pair, 4 bytes)
        assertThat(encode("ü", "中", "🎮")).isEqualTo("ü\t中\t🎮\n");
        assertThat(row.size()).isEqualTo(2 + 1 + 3 + 1 + 4 + 1);
    }

    @Test
    void writesNumbersBooleansAndByteaAsPostgresReadsThem() {
        CopyTextEncoder wide = new CopyTextEncoder("copy sink 't'", List.of("a", "b", "c", "d", "e", "f", "g", "h"), 4);
        wide.beginRow(0);
        wide.add(0L)
                .add(-42L)
                .add(Long.MIN_VALUE)
                .add(Long.MAX_VALUE)
                .add(true)
                .add(Double.NaN)
                .add(Double.NEGATIVE_INFINITY)
                .add(new byte[] {0x00, 0x0a, (byte) 0xff});
        wide.endRow();
        assertThat(wide.encoded())
                .isEqualTo("0\t-42\t-9223372036854775808\t9223372036854775807\tt\tNaN\t-Infinity\t\\\\x000aff\n");
    }

    @Test
    void addObjectUsesToStringAndTreatsByteArraysAsBytea() {
        row.beginRow(0);
        row.addObject(java.time.Instant.parse("2025-01-02T03:04:05Z"))
                .addObject(new byte[] {1})
                .addObject(7);
        row.endRow();
        assertThat(row.encoded()).isEqualTo("2025-01-02T03:04:05Z\t\\\\x01\t7\n");
    }

    @Test
    void growsItsBufferForLongValues() {
        String big = "x".repeat(10_000);
        assertThat(encode(big, "y", "z")).isEqualTo(big + "\ty\tz\n");
    }

    @Test
    void refusesNulCharactersAndUnpairedSurrogatesNamingRowAndColumn() {
        row.beginRow(3);
        row.add("fine");
        assertThatThrownBy(() -> row.add("a\u0000b"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("copy sink 't': row 3, column 'b': the value contains U+0000, which PostgreSQL text"
                        + " cannot hold (at char 1)");

        row.beginRow(4);
        assertThatThrownBy(() -> row.add("\uD83Cx"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("copy sink 't': row 4, column 'a': the value contains an unpaired surrogate (at char 0)");
    }

    @Test
    void refusesRowsWithTooManyOrTooFewValues() {
        row.beginRow(9);
        row.add("1").add("2").add("3");
        assertThatThrownBy(() -> row.add("4"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("copy sink 't': row 9 has more values than the COPY has columns [a, b, c]");

        row.beginRow(10);
        row.add("1");
        assertThatThrownBy(row::endRow)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("copy sink 't': row 10 has 1 values, the COPY has 3 columns [a, b, c]");
    }

    @Test
    void refusesUseOutsideTheWriterCall() {
        assertThatThrownBy(() -> row.add("late"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("only be used inside CopyRowWriter.write");
    }
}

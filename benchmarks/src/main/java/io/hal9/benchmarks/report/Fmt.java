package io.hal9.benchmarks.report;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.Locale;

/**
 * Number formatting for the page and the charts, independent of the default locale so that the same
 * input gives the same bytes everywhere.
 *
 * <p>Thread safety: stateless (a new {@link DecimalFormat} per call).
 */
final class Fmt {
    private Fmt() {}

    /** Four significant digits with thousands separators: {@code 20,530,000}, {@code 123.4}, {@code 0.01234}. */
    static String num(double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "∞" : "-∞";
        }
        if (v == 0) {
            return "0";
        }
        BigDecimal rounded = new BigDecimal(v).round(new MathContext(4, RoundingMode.HALF_EVEN));
        int scale = Math.max(0, rounded.stripTrailingZeros().scale());
        DecimalFormat f = new DecimalFormat("#,##0", DecimalFormatSymbols.getInstance(Locale.ROOT));
        f.setMinimumFractionDigits(scale);
        f.setMaximumFractionDigits(scale);
        f.setRoundingMode(RoundingMode.HALF_EVEN);
        return f.format(rounded);
    }

    /** Allocation per operation in bytes: two decimals below 100 B, else whole bytes; NaN as a dash. */
    static String bytes(double v) {
        if (Double.isNaN(v)) {
            return "—";
        }
        if (Math.abs(v) < 100) {
            return String.format(Locale.ROOT, "%.2f", v);
        }
        DecimalFormat f = new DecimalFormat("#,##0", DecimalFormatSymbols.getInstance(Locale.ROOT));
        f.setRoundingMode(RoundingMode.HALF_EVEN);
        return f.format(v);
    }

    /** A ratio as {@code 1.23×}; NaN as a dash. */
    static String ratio(double r) {
        return Double.isNaN(r) ? "—" : String.format(Locale.ROOT, "%.2f×", r);
    }

    /** A signed percentage, {@code +12.3%}. */
    static String percent(double fraction) {
        return String.format(Locale.ROOT, "%+.1f%%", fraction * 100);
    }

    /** A coordinate for SVG: at most two decimals, no trailing zeros. */
    static String coord(double v) {
        String s = String.format(Locale.ROOT, "%.2f", v);
        if (s.contains(".")) {
            s = s.replaceAll("0+$", "");
            s = s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
        }
        return s.equals("-0") ? "0" : s;
    }

    /** Escapes text for XML content and attributes. */
    static String xml(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&apos;");
                default -> b.append(c < 0x20 && c != '\n' && c != '\t' ? ' ' : c);
            }
        }
        return b.toString();
    }

    /** Escapes text for a Markdown table cell. */
    static String md(String s) {
        return s.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ");
    }
}

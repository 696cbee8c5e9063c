package io.hal9.benchmarks.report;

import java.util.ArrayList;
import java.util.List;

/**
 * Draws one race as a horizontal bar chart in plain SVG: one cluster of bars per row group, one bar per
 * implementation (HAL9 highlighted, the anchor dark, the others light), the bar's length the median,
 * whiskers of ± JMH's score error, an axis from zero (logarithmic when the bars differ by more than
 * {@value #LOG_SPREAD}×) with the unit and the direction. No library; the
 * output depends only on the group (same input, same bytes).
 *
 * <p>Thread safety: stateless.
 */
final class SvgChart {
    static final String HAL9_COLOUR = "#d9480f";
    static final String ANCHOR_COLOUR = "#495057";
    static final String OTHER_COLOUR = "#adb5bd";

    private static final int WIDTH = 820;
    private static final int LABEL_WIDTH = 220;
    private static final int VALUE_WIDTH = 110;
    private static final int PLOT_WIDTH = WIDTH - LABEL_WIDTH - VALUE_WIDTH - 20;
    private static final int BAR = 18;
    private static final int GAP = 6;
    private static final int CLUSTER_HEADER = 22;
    private static final int TOP = 62;

    /** Above this ratio of the longest bar to the shortest, the axis is logarithmic. */
    static final double LOG_SPREAD = 30;

    private SvgChart() {}

    static String render(Races.Group group) {
        double max = 0;
        double minPositive = Double.POSITIVE_INFINITY;
        for (Races.RowGroup rg : group.rowGroups()) {
            for (Races.Row row : rg.rows()) {
                double length = lengthOf(row.result());
                double end = length + errorOf(row.result());
                max = Double.isFinite(end) ? Math.max(max, end) : max;
                minPositive = length > 0 ? Math.min(minPositive, length) : minPositive;
            }
        }
        Scale scale = Scale.of(minPositive, max);
        boolean headers = group.hasParams();
        int height = TOP;
        for (Races.RowGroup rg : group.rowGroups()) {
            height += (headers ? CLUSTER_HEADER : 0) + rg.rows().size() * (BAR + GAP) + GAP;
        }
        int plotBottom = height;
        height += 46;

        StringBuilder s = new StringBuilder();
        s.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"")
                .append(WIDTH)
                .append("\" height=\"")
                .append(height)
                .append("\" viewBox=\"0 0 ")
                .append(WIDTH)
                .append(' ')
                .append(height)
                .append("\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n");
        s.append("<title>")
                .append(Fmt.xml(group.suite() + " · " + group.title()))
                .append("</title>\n");
        s.append("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
        s.append("<text x=\"10\" y=\"20\" font-size=\"15\" font-weight=\"bold\">")
                .append(Fmt.xml(group.suite() + " · " + group.title() + " (" + group.mode() + ")"))
                .append("</text>\n");
        legend(s, 10, 40);

        // grid and tick labels
        for (double t : scale.ticks()) {
            double x = scale.x(t);
            s.append("<line x1=\"")
                    .append(Fmt.coord(x))
                    .append("\" y1=\"")
                    .append(TOP - 4)
                    .append("\" x2=\"")
                    .append(Fmt.coord(x))
                    .append("\" y2=\"")
                    .append(plotBottom)
                    .append("\" stroke=\"#e9ecef\"/>\n");
            s.append("<text x=\"")
                    .append(Fmt.coord(x))
                    .append("\" y=\"")
                    .append(plotBottom + 16)
                    .append("\" text-anchor=\"middle\" fill=\"#495057\">")
                    .append(Fmt.xml(Fmt.num(t)))
                    .append("</text>\n");
        }
        s.append("<line x1=\"")
                .append(LABEL_WIDTH)
                .append("\" y1=\"")
                .append(plotBottom)
                .append("\" x2=\"")
                .append(LABEL_WIDTH + PLOT_WIDTH)
                .append("\" y2=\"")
                .append(plotBottom)
                .append("\" stroke=\"#495057\"/>\n");
        s.append("<text x=\"")
                .append(LABEL_WIDTH + PLOT_WIDTH / 2)
                .append("\" y=\"")
                .append(plotBottom + 36)
                .append("\" text-anchor=\"middle\">")
                .append(Fmt.xml(group.unit() + " — "
                        + (group.higherIsBetter() ? "higher is better" : "lower is better")
                        + (scale.log() ? "; log scale" : "")
                        + "; bar: median, whiskers: ± JMH error (99.9%)"))
                .append("</text>\n");

        int y = TOP;
        for (Races.RowGroup rg : group.rowGroups()) {
            if (headers) {
                s.append("<text x=\"10\" y=\"")
                        .append(y + 15)
                        .append("\" font-weight=\"bold\" fill=\"#212529\">")
                        .append(Fmt.xml(rg.label().isEmpty() ? "(no parameters)" : rg.label()))
                        .append("</text>\n");
                y += CLUSTER_HEADER;
            }
            for (Races.Row row : rg.rows()) {
                bar(s, row, y, scale);
                y += BAR + GAP;
            }
            y += GAP;
        }
        s.append("</svg>\n");
        return s.toString();
    }

    private static void bar(StringBuilder s, Races.Row row, int y, Scale scale) {
        BenchResult r = row.result();
        String colour = switch (row.kind()) {
            case HAL9 -> HAL9_COLOUR;
            case ANCHOR -> ANCHOR_COLOUR;
            case OTHER -> OTHER_COLOUR;
        };
        String label = row.impl() + (row.kind() == Races.Kind.ANCHOR ? " (anchor)" : "");
        s.append("<text x=\"")
                .append(LABEL_WIDTH - 8)
                .append("\" y=\"")
                .append(y + 13)
                .append("\" text-anchor=\"end\"")
                .append(row.kind() == Races.Kind.HAL9 ? " font-weight=\"bold\"" : "")
                .append('>')
                .append(Fmt.xml(label))
                .append("</text>\n");
        double median = lengthOf(r);
        double w = median > 0 ? scale.x(median) - LABEL_WIDTH : 0;
        s.append("<rect x=\"")
                .append(LABEL_WIDTH)
                .append("\" y=\"")
                .append(y)
                .append("\" width=\"")
                .append(Fmt.coord(w))
                .append("\" height=\"")
                .append(BAR)
                .append("\" fill=\"")
                .append(colour)
                .append("\"><title>")
                .append(Fmt.xml(row.impl() + ": " + Fmt.num(r.median()) + " " + r.unit()))
                .append("</title></rect>\n");
        double err = errorOf(r);
        double end = w;
        if (err > 0) {
            double lo = scale.x(Math.max(0, median - err));
            double hi = scale.x(median + err);
            String cy = Fmt.coord(y + BAR / 2.0);
            s.append("<path d=\"M")
                    .append(Fmt.coord(lo))
                    .append(' ')
                    .append(cy)
                    .append("H")
                    .append(Fmt.coord(hi))
                    .append("M")
                    .append(Fmt.coord(lo))
                    .append(' ')
                    .append(y + 4)
                    .append("V")
                    .append(y + BAR - 4)
                    .append("M")
                    .append(Fmt.coord(hi))
                    .append(' ')
                    .append(y + 4)
                    .append("V")
                    .append(y + BAR - 4)
                    .append("\" stroke=\"#000000\" stroke-width=\"1.2\" fill=\"none\"/>\n");
            end = hi - LABEL_WIDTH;
        }
        s.append("<text x=\"")
                .append(Fmt.coord(LABEL_WIDTH + end + 6))
                .append("\" y=\"")
                .append(y + 13)
                .append("\" fill=\"#212529\">")
                .append(Fmt.xml(Fmt.num(r.median())))
                .append("</text>\n");
    }

    private static void legend(StringBuilder s, int x, int y) {
        String[][] items = {{HAL9_COLOUR, "HAL9"}, {ANCHOR_COLOUR, "anchor"}, {OTHER_COLOUR, "other"}};
        int cx = x;
        for (String[] item : items) {
            s.append("<rect x=\"")
                    .append(cx)
                    .append("\" y=\"")
                    .append(y - 10)
                    .append("\" width=\"12\" height=\"12\" fill=\"")
                    .append(item[0])
                    .append("\"/>\n");
            s.append("<text x=\"")
                    .append(cx + 16)
                    .append("\" y=\"")
                    .append(y)
                    .append("\">")
                    .append(item[1])
                    .append("</text>\n");
            cx += 90;
        }
    }

    /** The bar's length: the median, or 0 when it is negative or not finite (the label still says so). */
    static double lengthOf(BenchResult r) {
        double m = r.median();
        return Double.isFinite(m) && m > 0 ? m : 0;
    }

    /** JMH's error when finite and positive, else 0 (no whiskers). */
    static double errorOf(BenchResult r) {
        double e = r.error();
        return Double.isFinite(e) && e > 0 ? e : 0;
    }

    /**
     * The value axis: linear from 0, or logarithmic (powers of ten) when the longest bar is more than
     * {@link #LOG_SPREAD} times the shortest, so that a slow baseline does not flatten HAL9 and its anchor.
     */
    record Scale(boolean log, double[] ticks) {
        static Scale of(double minPositive, double max) {
            if (Double.isFinite(minPositive) && max / minPositive > LOG_SPREAD) {
                double lo = Math.pow(10, Math.floor(Math.log10(minPositive)));
                double hi = Math.pow(10, Math.ceil(Math.log10(max)));
                int decades = (int) Math.round(Math.log10(hi / lo));
                double[] ticks = new double[decades + 1];
                for (int i = 0; i <= decades; i++) {
                    ticks[i] = lo * Math.pow(10, i);
                }
                return new Scale(true, ticks);
            }
            return new Scale(false, SvgChart.ticks(max));
        }

        /** The x coordinate of a value; values below the axis's start sit at its start. */
        double x(double v) {
            double first = ticks[0];
            double last = ticks[ticks.length - 1];
            if (log) {
                double f =
                        (Math.log10(Math.max(v, first)) - Math.log10(first)) / (Math.log10(last) - Math.log10(first));
                return LABEL_WIDTH + PLOT_WIDTH * f;
            }
            return LABEL_WIDTH + PLOT_WIDTH * (v / last);
        }
    }

    /** Ticks from 0 to a "nice" maximum at least {@code max}: steps of 1, 2 or 5 times a power of ten. */
    static double[] ticks(double max) {
        if (!(max > 0) || !Double.isFinite(max)) {
            return new double[] {0, 1};
        }
        double rough = max / 5;
        double magnitude = Math.pow(10, Math.floor(Math.log10(rough)));
        double step = magnitude;
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * magnitude >= rough) {
                step = m * magnitude;
                break;
            }
        }
        List<Double> ticks = new ArrayList<>();
        for (int i = 0; ; i++) {
            double t = i * step;
            ticks.add(t);
            if (t >= max) {
                break;
            }
        }
        return ticks.stream().mapToDouble(Double::doubleValue).toArray();
    }
}

package io.hal9.jcstress;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs jcstress ({@code org.openjdk.jcstress.Main}) with the given arguments, echoes everything it prints,
 * and exits with status 1 if a test failed (a forbidden or unknown outcome was seen) or errored (an actor
 * threw, a forked VM crashed or hung), or if jcstress printed no summary at all. jcstress itself exits 0 in
 * all those cases, so a build that ran it bare would stay green.
 *
 * <p>It reads the summary block jcstress 0.16 ends its run with ({@code RUN RESULTS:} followed by one line
 * per category, e.g. {@code Failed tests: No matches.} or {@code Failed tests: 2 matching test results.}).
 *
 * <p>Thread safety: a program entry point, run once per JVM.
 */
public final class RunAndCheck {
    private static final Pattern CATEGORY =
            Pattern.compile("^\\s*(Interesting|Failed|Error|All remaining) tests:\\s*(.*)$");
    private static final Pattern COUNT = Pattern.compile("^(\\d+) matching test results?\\.?$");

    private RunAndCheck() {}

    /**
     * Runs jcstress and exits with 0 if no test failed or errored, 1 otherwise.
     *
     * @param args jcstress's own arguments ({@code -m sanity}, {@code -t regexp}, ...)
     * @throws Exception whatever jcstress throws
     */
    public static void main(String[] args) throws Exception {
        PrintStream console = System.out;
        LineTee tee = new LineTee(console);
        System.setOut(new PrintStream(tee, true, StandardCharsets.UTF_8));
        try {
            org.openjdk.jcstress.Main.main(args);
        } finally {
            System.out.flush();
            tee.flushLine();
            System.setOut(console);
        }
        System.exit(verdict(tee.lines, console));
    }

    /** Reads the summary lines of a run; prints why it fails, if it does, and returns the exit status. */
    static int verdict(List<String> lines, PrintStream out) {
        boolean summary = false;
        List<String> problems = new ArrayList<>();
        for (String line : lines) {
            Matcher m = CATEGORY.matcher(line);
            if (!m.matches()) {
                continue;
            }
            summary = true;
            String category = m.group(1);
            String rest = m.group(2).trim();
            if (!category.equals("Failed") && !category.equals("Error")) {
                continue;
            }
            Matcher count = COUNT.matcher(rest);
            if (count.matches() && Integer.parseInt(count.group(1)) > 0) {
                problems.add(category + " tests: " + count.group(1));
            } else if (!count.matches() && !rest.startsWith("No matches")) {
                problems.add(category + " tests: unrecognised summary '" + rest + "'");
            }
        }
        if (!summary) {
            out.println("[hal9-jcstress] FAILED: jcstress printed no RUN RESULTS summary (did it run any test?)");
            return 1;
        }
        if (!problems.isEmpty()) {
            out.println("[hal9-jcstress] FAILED: " + String.join(", ", problems)
                    + " (see the report above and the results directory)");
            return 1;
        }
        out.println("[hal9-jcstress] OK: no failed and no errored test");
        return 0;
    }

    /** Copies bytes to the console and keeps every complete line for {@link #verdict}. */
    private static final class LineTee extends OutputStream {
        private final PrintStream console;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();
        final List<String> lines = new ArrayList<>();

        LineTee(PrintStream console) {
            this.console = console;
        }

        @Override
        public synchronized void write(int b) {
            console.write(b);
            if (b == '\n') {
                flushLine();
            } else if (b != '\r') {
                line.write(b);
            }
        }

        @Override
        public synchronized void flush() {
            console.flush();
        }

        synchronized void flushLine() {
            if (line.size() > 0) {
                lines.add(line.toString(StandardCharsets.UTF_8));
                line.reset();
            }
        }
    }
}

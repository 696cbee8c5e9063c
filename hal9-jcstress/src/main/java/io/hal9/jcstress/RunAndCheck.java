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
 * and exits with status 1 unless jcstress's summary shows that at least one test ran and none failed or
 * errored. jcstress 0.16 itself ends with an {@link AssertionError} (status 1) when a test saw a forbidden
 * outcome, but exits 0 when the selection matched no test ({@code FATAL: No matching tests.}): a mistyped
 * {@code -t} would leave the build green without this check.
 *
 * <p>It reads the summary block jcstress ends its run with ({@code RUN RESULTS:} followed by one line per
 * category, e.g. {@code Failed tests: No matches.} or {@code All remaining tests: 11 matching test results.}).
 *
 * <p>Thread safety: a program entry point, run once per JVM.
 */
public final class RunAndCheck {
    private static final Pattern CATEGORY =
            Pattern.compile("^\\s*(Interesting|Failed|Error|All remaining) tests:\\s*(.*)$");
    private static final Pattern COUNT = Pattern.compile("^(\\d+) matching test results?");

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
        Throwable thrown = null;
        try {
            org.openjdk.jcstress.Main.main(args);
        } catch (Exception | AssertionError e) {
            thrown = e; // jcstress's way of saying that a test failed: reported below, with the summary
        } finally {
            System.out.flush();
            tee.flushLine();
            System.setOut(console);
        }
        int status = verdict(tee.lines, console);
        if (thrown != null) {
            console.println("[hal9-jcstress] FAILED: jcstress ended with " + thrown);
            status = 1;
        }
        System.exit(status);
    }

    /** Reads the summary lines of a run; prints why it fails, if it does, and returns the exit status. */
    static int verdict(List<String> lines, PrintStream out) {
        boolean summary = false;
        int tests = 0;
        List<String> problems = new ArrayList<>();
        for (String line : lines) {
            Matcher m = CATEGORY.matcher(line);
            if (!m.matches()) {
                continue;
            }
            summary = true;
            String category = m.group(1);
            String rest = m.group(2).trim();
            Matcher count = COUNT.matcher(rest);
            int n = count.lookingAt() ? Integer.parseInt(count.group(1)) : 0;
            if (!count.lookingAt() && !rest.startsWith("No matches")) {
                problems.add(category + " tests: unrecognised summary '" + rest + "'");
            }
            tests += n;
            if (n > 0 && (category.equals("Failed") || category.equals("Error"))) {
                problems.add(category + " tests: " + n);
            }
        }
        if (!summary || tests == 0) {
            out.println("[hal9-jcstress] FAILED: no test ran (no RUN RESULTS summary, or an empty one: does the"
                    + " -t selection match any test?)");
            return 1;
        }
        if (!problems.isEmpty()) {
            out.println("[hal9-jcstress] FAILED: " + String.join(", ", problems)
                    + " (see the report above and the results directory)");
            return 1;
        }
        out.println("[hal9-jcstress] OK: " + tests + " tests ran, none failed or errored");
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

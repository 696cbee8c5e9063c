package io.hal9.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Keeps the code examples of Javadoc compiling: every {@code <pre>{@code ...}</pre>} block of a module's main
 * sources must also stand, word for word, in the module's test sources between two markers, where the
 * compiler checks it.
 *
 * <pre>{@code
 * // in the module's tests, inside a method that declares what the example assumes (its variables, types)
 * // javadoc-example: ObjectPool#1 begins
 * ObjectPool<GameState> states = ObjectPool.builder("game-states", GameState::new).build();
 * // javadoc-example: ObjectPool#1 ends
 *
 * // and once per module, in a test method:
 * JavadocExamples.checkModule(Path.of("")); // the module's directory: surefire's working directory
 * }</pre>
 *
 * <p><b>Blocks.</b> {@link #blocks} reads every {@code <pre>{@code} block of the Javadoc comments of one
 * Java source file, in order: the leading {@code " * "} of each line is stripped, the code keeps its own
 * indentation relative to the block. A block ends where its braces balance, as for the javadoc tool, and
 * {@code </pre>} must follow; otherwise the block's braces are unbalanced and it is refused. A block is
 * named {@code <Type>#<n>}: the file's simple type name ({@code JdbcPool}; the package name for a {@code
 * package-info.java}) and its 1-based position in the file. The fully qualified name ({@code
 * io.hal9.pool.jdbc.JdbcPool#1}) names it too, and must be used when two files of a module share a
 * simple name.
 *
 * <p><b>Regions.</b> {@link #regions} reads the lines between {@code // javadoc-example: <Type>#<n>
 * begins} and {@code // javadoc-example: <Type>#<n> ends} (each marker alone on its line). A marker line
 * that does not have this form, a region that is never ended, ends under another name or opens inside
 * another is refused with the file and line, so a typo cannot hide an example.
 *
 * <p><b>Comparison.</b> Code is compared after {@link #normalise}: each line stripped, blank lines
 * dropped. Everything else counts, line breaks included: keep a block laid out as the formatter lays out
 * its region. {@link #difference} and {@link #assertSameCode} show the first differing line and both
 * pieces of code.
 *
 * <p><b>Completeness.</b> {@link #checkModule} checks a module: every block of {@code src/main/java} has
 * exactly one region in {@code src/test/java}, every region names a block that exists, and each region
 * equals its block. It reports every problem at once, with the code to paste for a block that has no
 * region. {@link #markdownBlocks} and {@link #markedRegion} serve the same purpose for a README.
 *
 * <p>Thread safety: stateless; every method may be called from any thread. Limits: files are read as
 * UTF-8, whole, and line by line: a {@code /**} inside a string literal would be taken for a Javadoc
 * comment, and a block's braces are counted as the javadoc tool counts them (in string literals too).
 * {@code {@snippet}} tags and {@code <pre>} blocks without {@code {@code}} are not read.
 */
public final class JavadocExamples {
    /** The text that opens a region marker; the marker is the whole (stripped) line. */
    public static final String MARKER = "// javadoc-example:";

    private static final Pattern MARKER_LINE =
            Pattern.compile(Pattern.quote(MARKER) + " (\\S+)#([1-9][0-9]{0,5}) (begins|ends)");
    private static final Pattern PACKAGE = Pattern.compile("^\\s*package\\s+([\\w.]+)\\s*;");
    private static final Pattern PRE_CODE = Pattern.compile("<pre>\\s*\\{@code");
    private static final Pattern FENCE = Pattern.compile("^\\s*```\\s*(\\S*)\\s*$");

    private JavadocExamples() {}

    /**
     * A piece of example code and where it comes from.
     *
     * <p>Thread safety: immutable.
     *
     * @param name {@code <Type>#<n>} for a Javadoc block or a region; {@code <file>#<n>} for a Markdown
     *     block; the begin marker for a {@link #markedRegion}
     * @param file the file, as it was given
     * @param line the 1-based line of the block's {@code <pre>{@code}, the region's begin marker or the
     *     Markdown fence
     * @param code the code's lines, indented relative to the block, without leading and trailing blank
     *     lines
     */
    public record Example(String name, Path file, int line, List<String> code) {
        /** Validates and copies. */
        public Example {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(file, "file");
            code = List.copyOf(code);
        }

        /** {@code file:line}, as IDEs and build logs link it. */
        public String where() {
            return file + ":" + line;
        }
    }

    /**
     * The {@code <pre>{@code ...}</pre>} blocks of the Javadoc comments of {@code javaSource}, in order, named
     * {@code <Type>#<n>}.
     *
     * @throws IllegalArgumentException if a block's braces do not balance before {@code </pre>} or the
     *     comment's end
     * @throws UncheckedIOException if the file cannot be read
     */
    public static List<Example> blocks(Path javaSource) {
        return blocks(javaSource, read(javaSource)).blocks();
    }

    /**
     * The regions marked in {@code testSource}, in order, named {@code <Type>#<n>} as their markers name
     * them.
     *
     * @throws IllegalArgumentException if a marker is malformed, or a region is not closed, closed under
     *     another name, or opened inside another
     * @throws UncheckedIOException if the file cannot be read
     */
    public static List<Example> regions(Path testSource) {
        return regions(testSource, read(testSource)).stream()
                .map(Region::example)
                .toList();
    }

    /**
     * The one region of {@code file} between a line that is {@code begins} and a line that is {@code
     * ends} (both compared stripped), for markers of another form, such as a README example's.
     *
     * @throws IllegalArgumentException unless each marker occurs exactly once, {@code begins} first
     * @throws UncheckedIOException if the file cannot be read
     */
    public static Example markedRegion(Path file, String begins, String ends) {
        Objects.requireNonNull(begins, "begins");
        Objects.requireNonNull(ends, "ends");
        List<String> lines = read(file);
        List<Integer> starts = new ArrayList<>();
        List<Integer> stops = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String stripped = lines.get(i).strip();
            if (stripped.equals(begins.strip())) {
                starts.add(i);
            } else if (stripped.equals(ends.strip())) {
                stops.add(i);
            }
        }
        if (starts.size() != 1 || stops.size() != 1 || starts.get(0) > stops.get(0)) {
            throw new IllegalArgumentException(file + ": expected one line '" + begins.strip()
                    + "' followed by one line '" + ends.strip() + "', found the first on lines "
                    + oneBased(starts) + " and the second on lines " + oneBased(stops));
        }
        return new Example(
                begins.strip(),
                file,
                starts.get(0) + 1,
                tidy(new ArrayList<>(lines.subList(starts.get(0) + 1, stops.get(0)))));
    }

    /**
     * The fenced code blocks of a Markdown file whose info string is {@code language} (e.g. {@code java}),
     * in order, named {@code <file name>#<n>}.
     *
     * @throws IllegalArgumentException if a fence is never closed
     * @throws UncheckedIOException if the file cannot be read
     */
    public static List<Example> markdownBlocks(Path markdown, String language) {
        Objects.requireNonNull(language, "language");
        List<String> lines = read(markdown);
        List<Example> found = new ArrayList<>();
        int opened = -1;
        String openedLanguage = "";
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = FENCE.matcher(lines.get(i));
            if (!m.matches()) {
                continue;
            }
            if (opened < 0) {
                opened = i;
                openedLanguage = m.group(1);
            } else if (m.group(1).isEmpty()) {
                if (openedLanguage.equals(language)) {
                    found.add(new Example(
                            markdown.getFileName() + "#" + (found.size() + 1),
                            markdown,
                            opened + 1,
                            tidy(new ArrayList<>(lines.subList(opened + 1, i)))));
                }
                opened = -1;
            }
        }
        if (opened >= 0) {
            throw new IllegalArgumentException(markdown + ":" + (opened + 1) + ": code fence never closed");
        }
        return found;
    }

    /** The lines that are compared: each line stripped, blank lines dropped. */
    public static List<String> normalise(List<String> code) {
        return code.stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    /**
     * Empty when {@code expected} and {@code actual} hold the same code after {@link #normalise}; else a
     * message naming both, their first differing line and both pieces of code in full.
     */
    public static Optional<String> difference(Example expected, Example actual) {
        List<String> a = normalise(expected.code());
        List<String> b = normalise(actual.code());
        if (a.equals(b)) {
            return Optional.empty();
        }
        int i = 0;
        while (i < a.size() && i < b.size() && a.get(i).equals(b.get(i))) {
            i++;
        }
        String message = expected.name() + " (" + expected.where() + ") and " + actual.name() + " ("
                + actual.where() + ") differ at code line " + (i + 1) + " (whitespace at line ends and blank lines"
                + " aside):\n"
                + "  " + expected.name() + ": " + (i < a.size() ? a.get(i) : "<no more lines>") + "\n"
                + "  " + actual.name() + ": " + (i < b.size() ? b.get(i) : "<no more lines>") + "\n"
                + "--- " + expected.where() + "\n" + indent(expected.code())
                + "--- " + actual.where() + "\n" + indent(actual.code());
        return Optional.of(message);
    }

    /**
     * Passes when both hold the same code after {@link #normalise}.
     *
     * @throws AssertionError with the {@link #difference} otherwise
     */
    public static void assertSameCode(Example expected, Example actual) {
        Optional<String> d = difference(expected, actual);
        if (d.isPresent()) {
            throw new AssertionError(d.get());
        }
    }

    /**
     * Checks a module: every Javadoc block of {@code src/main/java} has exactly one region in {@code
     * src/test/java}, every region names a block that exists, and each region holds its block's code.
     *
     * @param moduleDirectory the module's directory ({@code Path.of("")} in a test run by Maven)
     * @return the number of blocks checked
     * @throws AssertionError listing every problem found, with the code to paste for a block that has no
     *     region
     * @throws IllegalArgumentException if {@code src/main/java} is missing, or a block or marker is
     *     malformed
     * @throws UncheckedIOException if a file cannot be read
     */
    public static int checkModule(Path moduleDirectory) {
        Path main = moduleDirectory.resolve("src/main/java");
        Path test = moduleDirectory.resolve("src/test/java");
        if (!Files.isDirectory(main)) {
            throw new IllegalArgumentException(
                    "JavadocExamples: " + main.toAbsolutePath() + " is not a directory; pass the module's directory");
        }
        Map<String, List<SourceBlocks>> byName = new HashMap<>();
        List<SourceBlocks> sources = new ArrayList<>();
        for (Path file : javaFiles(main)) {
            SourceBlocks s = blocks(file, read(file));
            if (s.blocks().isEmpty()) {
                continue;
            }
            sources.add(s);
            byName.computeIfAbsent(s.type(), k -> new ArrayList<>()).add(s);
            if (!s.qualified().equals(s.type())) {
                byName.computeIfAbsent(s.qualified(), k -> new ArrayList<>()).add(s);
            }
        }
        List<Region> regions = new ArrayList<>();
        if (Files.isDirectory(test)) {
            for (Path file : javaFiles(test)) {
                regions.addAll(regions(file, read(file)));
            }
        }
        List<String> problems = new ArrayList<>();
        Map<String, Region> covered = new HashMap<>();
        for (Region r : regions) {
            List<SourceBlocks> named = byName.getOrDefault(r.type(), List.of());
            if (named.isEmpty()) {
                problems.add(r.example().where() + ": region " + r.example().name()
                        + " names no type with Javadoc examples in " + main);
                continue;
            }
            if (named.size() > 1) {
                problems.add(r.example().where() + ": region " + r.example().name() + " is ambiguous: "
                        + named.stream().map(SourceBlocks::qualified).collect(Collectors.joining(", "))
                        + "; name the type by its qualified name");
                continue;
            }
            SourceBlocks s = named.get(0);
            if (r.index() > s.blocks().size()) {
                problems.add(r.example().where() + ": region " + r.example().name() + " names block " + r.index()
                        + ", but " + s.file() + " has " + s.blocks().size());
                continue;
            }
            String key = s.qualified() + "#" + r.index();
            Region earlier = covered.putIfAbsent(key, r);
            if (earlier != null) {
                problems.add(r.example().where() + ": " + key + " already has a region at "
                        + earlier.example().where() + "; keep one");
                continue;
            }
            difference(s.blocks().get(r.index() - 1), r.example()).ifPresent(problems::add);
        }
        int count = 0;
        for (SourceBlocks s : sources) {
            for (int i = 0; i < s.blocks().size(); i++) {
                count++;
                Example b = s.blocks().get(i);
                if (!covered.containsKey(s.qualified() + "#" + (i + 1))) {
                    problems.add(b.where() + ": " + b.name() + " has no region in " + test
                            + "; hold it in a test that declares what it assumes:\n" + MARKER + " " + b.name()
                            + " begins\n" + String.join("\n", b.code()) + "\n" + MARKER + " " + b.name()
                            + " ends");
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new AssertionError(problems.size() + " Javadoc example problem(s) in "
                    + moduleDirectory.toAbsolutePath().normalize() + ":\n\n" + String.join("\n\n", problems));
        }
        return count;
    }

    /** The blocks of one main source file, with the names a region may use for it. */
    private record SourceBlocks(Path file, String type, String qualified, List<Example> blocks) {}

    /** One region and what its markers name. */
    private record Region(String type, int index, Example example) {}

    private static SourceBlocks blocks(Path file, List<String> lines) {
        String fileName =
                Objects.requireNonNull(file.getFileName(), "file name").toString();
        String simple = fileName.endsWith(".java") ? fileName.substring(0, fileName.length() - 5) : fileName;
        String pkg = "";
        for (String line : lines) {
            Matcher m = PACKAGE.matcher(line);
            if (m.find()) {
                pkg = m.group(1);
                break;
            }
        }
        String type = simple.equals("package-info") && !pkg.isEmpty() ? pkg : simple;
        String qualified = type.equals(pkg) || pkg.isEmpty() ? type : pkg + "." + type;
        List<Example> found = new ArrayList<>();
        boolean inComment = false;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            String content;
            if (inComment) {
                content = undecorate(line);
            } else {
                int open = line.indexOf("/**");
                if (open < 0) {
                    continue;
                }
                inComment = true;
                content = line.substring(open + 3);
            }
            int close = content.indexOf("*/");
            String inside = close < 0 ? content : content.substring(0, close);
            Matcher pre = PRE_CODE.matcher(inside);
            if (pre.find()) {
                int start = i;
                List<String> code = new ArrayList<>();
                String rest = inside.substring(pre.end());
                int depth = 1; // the {@code tag's own brace
                while (true) {
                    int k = 0;
                    while (k < rest.length() && depth > 0) {
                        char c = rest.charAt(k);
                        depth += c == '{' ? 1 : c == '}' ? -1 : 0;
                        k++;
                    }
                    code.add(depth == 0 ? rest.substring(0, k - 1) : rest);
                    if (depth == 0) {
                        if (!rest.substring(k).stripLeading().startsWith("</pre>")) {
                            throw new IllegalArgumentException(file + ":" + (i + 1)
                                    + ": the {@code} block opened on line " + (start + 1)
                                    + " ends before </pre>: its braces do not balance");
                        }
                        break;
                    }
                    if (close >= 0 || i + 1 >= lines.size()) {
                        throw new IllegalArgumentException(file + ":" + (start + 1)
                                + ": the {@code} block does not end before the comment does: its braces do not"
                                + " balance");
                    }
                    i++;
                    content = undecorate(lines.get(i));
                    close = content.indexOf("*/");
                    rest = close < 0 ? content : content.substring(0, close);
                }
                found.add(new Example(type + "#" + (found.size() + 1), file, start + 1, tidy(code)));
            }
            if (close >= 0) {
                inComment = false;
            }
        }
        return new SourceBlocks(file, type, qualified, List.copyOf(found));
    }

    private static List<Region> regions(Path file, List<String> lines) {
        List<Region> found = new ArrayList<>();
        @Nullable Matcher open = null;
        int openLine = -1;
        List<String> body = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String stripped = lines.get(i).strip();
            if (!stripped.startsWith(MARKER)) {
                if (open != null) {
                    body.add(lines.get(i));
                }
                continue;
            }
            Matcher m = MARKER_LINE.matcher(stripped);
            if (!m.matches()) {
                throw new IllegalArgumentException(file + ":" + (i + 1) + ": malformed marker '" + stripped
                        + "'; expected '" + MARKER + " <Type>#<n> begins' or '... ends', n from 1");
            }
            String name = m.group(1) + "#" + m.group(2);
            if (m.group(3).equals("begins")) {
                if (open != null) {
                    throw new IllegalArgumentException(file + ":" + (i + 1) + ": region " + name
                            + " begins inside region " + open.group(1) + "#" + open.group(2) + " (line "
                            + (openLine + 1) + "), which has not ended");
                }
                open = m;
                openLine = i;
                body = new ArrayList<>();
            } else {
                if (open == null) {
                    throw new IllegalArgumentException(
                            file + ":" + (i + 1) + ": region " + name + " ends but never began");
                }
                String openName = open.group(1) + "#" + open.group(2);
                if (!openName.equals(name)) {
                    throw new IllegalArgumentException(file + ":" + (i + 1) + ": region " + openName + " (line "
                            + (openLine + 1) + ") ends as " + name);
                }
                found.add(new Region(
                        open.group(1),
                        Integer.parseInt(open.group(2)),
                        new Example(name, file, openLine + 1, tidy(body))));
                open = null;
            }
        }
        if (open != null) {
            throw new IllegalArgumentException(
                    file + ":" + (openLine + 1) + ": region " + open.group(1) + "#" + open.group(2) + " never ends");
        }
        return found;
    }

    /** A Javadoc line without its leading white space, star and the one space after the star. */
    private static String undecorate(String line) {
        String s = line.stripLeading();
        if (s.startsWith("*") && !s.startsWith("*/")) {
            s = s.substring(1);
            return s.startsWith(" ") ? s.substring(1) : s;
        }
        return line;
    }

    /** Drops leading and trailing blank lines and the indentation every line shares; strips line ends. */
    private static List<String> tidy(List<String> code) {
        List<String> lines =
                new ArrayList<>(code.stream().map(String::stripTrailing).toList());
        while (!lines.isEmpty() && lines.get(0).isEmpty()) {
            lines.remove(0);
        }
        while (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1);
        }
        int common = lines.stream()
                .filter(s -> !s.isEmpty())
                .mapToInt(s -> s.length() - s.stripLeading().length())
                .min()
                .orElse(0);
        return lines.stream().map(s -> s.isEmpty() ? s : s.substring(common)).toList();
    }

    private static String indent(List<String> code) {
        StringBuilder sb = new StringBuilder();
        for (String line : code) {
            sb.append("    ").append(line).append('\n');
        }
        return sb.toString();
    }

    private static Set<Integer> oneBased(List<Integer> zeroBased) {
        return zeroBased.stream().map(i -> i + 1).collect(Collectors.toCollection(LinkedHashSet::new));
    }

    private static List<Path> javaFiles(Path root) {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(p -> p.toString().endsWith(".java") && Files.isRegularFile(p))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("JavadocExamples: cannot list " + root, e);
        }
    }

    private static List<String> read(Path file) {
        Objects.requireNonNull(file, "file");
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("JavadocExamples: cannot read " + file, e);
        }
    }
}

package io.hal9.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.hal9.testkit.JavadocExamples.Example;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Extracting Javadoc blocks and test regions, comparing them, and checking a module for completeness. */
@Timeout(10)
class JavadocExamplesTest {

    // Fixtures write "~~" for the marker, so that this file holds no marker lines of its own.
    private static final String POOL = """
            package io.example.pool;

            /**
             * A pool.
             *
             * <pre>{@code
             * Pool pool = Pool.create("p");
             * try (Lease lease = pool.claim()) {
             *     lease.use(x -> { x.tick(); });
             * }
             * }</pre>
             *
             * <p>And another:
             *
             * <pre>{@code
             *     int n = pool.size(); // indented as a whole
             * }</pre>
             */
            public interface Pool {
                /** Inline {@code code} and a lone <pre> are not examples. */
                int size();
            }
            """;

    private static final String PACKAGE_INFO = """
            /**
             * The package.
             * <pre>{@code
             * Pool.create("p");
             * }</pre>
             */
            package io.example.pool;
            """;

    private static final String TEST = """
            package io.example.pool;

            class ExamplesTest {
                void pooled(Pool pool) {
                    ~~ Pool#1 begins
                    Pool pool = Pool.create("p");

                    try (Lease lease = pool.claim()) {
                            lease.use(x -> { x.tick(); });
                    }
                    ~~ Pool#1 ends
                }

                void size(Pool pool) {
                    ~~ io.example.pool.Pool#2 begins
                    int n = pool.size(); // indented as a whole
                    ~~ io.example.pool.Pool#2 ends
                }

                void create() {
                    ~~ io.example.pool#1 begins
                    Pool.create("p");
                    ~~ io.example.pool#1 ends
                }
            }
            """;

    @TempDir
    Path dir;

    @Test
    void blocksAreReadInOrderWithoutTheirStarsAndKeepTheirOwnIndentation() throws IOException {
        List<Example> blocks = JavadocExamples.blocks(write("src/main/java/io/example/pool/Pool.java", POOL));

        assertThat(blocks).extracting(Example::name).containsExactly("Pool#1", "Pool#2");
        assertThat(blocks.get(0).code())
                .containsExactly(
                        "Pool pool = Pool.create(\"p\");",
                        "try (Lease lease = pool.claim()) {",
                        "    lease.use(x -> { x.tick(); });",
                        "}");
        assertThat(blocks.get(0).line()).isEqualTo(6);
        assertThat(blocks.get(1).code()).containsExactly("int n = pool.size(); // indented as a whole");
    }

    @Test
    void aPackagePagesBlocksAreNamedByThePackage() throws IOException {
        List<Example> blocks =
                JavadocExamples.blocks(write("src/main/java/io/example/pool/package-info.java", PACKAGE_INFO));

        assertThat(blocks).extracting(Example::name).containsExactly("io.example.pool#1");
        assertThat(blocks.get(0).code()).containsExactly("Pool.create(\"p\");");
    }

    @Test
    void aBlockWhoseBracesDoNotBalanceIsRefused() throws IOException {
        Path open = write("A.java", "/**\n * <pre>{@code\n * if (x) {\n * }</pre>\n */\nclass A {}\n");
        Path early = write("B.java", "/**\n * <pre>{@code\n * x(); }\n * }</pre>\n */\nclass B {}\n");

        assertThatThrownBy(() -> JavadocExamples.blocks(open))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("A.java:2")
                .hasMessageContaining("does not end before the comment does");
        assertThatThrownBy(() -> JavadocExamples.blocks(early))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("B.java:3")
                .hasMessageContaining("ends before </pre>");
    }

    @Test
    void regionsAreReadBetweenTheirMarkers() throws IOException {
        List<Example> regions = JavadocExamples.regions(write("ExamplesTest.java", marked(TEST)));

        assertThat(regions)
                .extracting(Example::name)
                .containsExactly("Pool#1", "io.example.pool.Pool#2", "io.example.pool#1");
        assertThat(regions.get(0).line()).isEqualTo(5);
        assertThat(regions.get(0).code()).hasSize(5).startsWith("Pool pool = Pool.create(\"p\");");
    }

    @Test
    void malformedOrUnbalancedMarkersAreRefusedWithTheirLine() throws IOException {
        Path typo = write("T1.java", marked("class T {\n    ~~ Pool 1 begins\n}\n"));
        Path nested = write("T2.java", marked("~~ Pool#1 begins\n~~ Pool#2 begins\n~~ Pool#2 ends\n"));
        Path crossed = write("T3.java", marked("~~ Pool#1 begins\n~~ Pool#2 ends\n"));
        Path open = write("T4.java", marked("~~ Pool#1 begins\nx();\n"));
        Path stray = write("T5.java", marked("x();\n~~ Pool#1 ends\n"));

        assertThatThrownBy(() -> JavadocExamples.regions(typo)).hasMessageContaining("T1.java:2: malformed marker");
        assertThatThrownBy(() -> JavadocExamples.regions(nested))
                .hasMessageContaining("T2.java:2: region Pool#2 begins inside region Pool#1");
        assertThatThrownBy(() -> JavadocExamples.regions(crossed))
                .hasMessageContaining("T3.java:2: region Pool#1 (line 1) ends as Pool#2");
        assertThatThrownBy(() -> JavadocExamples.regions(open))
                .hasMessageContaining("T4.java:1: region Pool#1 never ends");
        assertThatThrownBy(() -> JavadocExamples.regions(stray))
                .hasMessageContaining("T5.java:2: region Pool#1 ends but never began");
    }

    @Test
    void codeThatDiffersOnlyInIndentationAndBlankLinesIsTheSame() {
        Example a = example("a", "x(y -> {", "    y.z();", "});");
        Example b = example("b", "", "        x(y -> {", "", "y.z();", "        });", "");

        assertThat(JavadocExamples.difference(a, b)).isEmpty();
        JavadocExamples.assertSameCode(a, b);
    }

    @Test
    void codeThatDiffersFailsWithTheFirstDifferenceAndBothPiecesOfCode() {
        Example javadoc = example("Pool#1", "Pool pool = Pool.create(\"p\");", "pool.claim();");
        Example region = example("Pool#1", "Pool pool = Pool.create(\"p\");", "pool.tryClaim();");

        assertThatThrownBy(() -> JavadocExamples.assertSameCode(javadoc, region))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("differ at code line 2")
                .hasMessageContaining("Pool#1: pool.claim();")
                .hasMessageContaining("Pool#1: pool.tryClaim();")
                .hasMessageContaining("--- Pool#1.java:7\n    Pool pool = Pool.create(\"p\");\n    pool.claim();\n")
                .hasMessageContaining("    pool.tryClaim();\n");
        assertThat(JavadocExamples.difference(javadoc, example("x", "Pool pool = Pool.create(\"p\");")))
                .hasValueSatisfying(m -> assertThat(m).contains("x: <no more lines>"));
    }

    @Test
    void aModuleWhoseBlocksAllHaveMatchingRegionsPasses() throws IOException {
        module(TEST);

        assertThat(JavadocExamples.checkModule(dir)).isEqualTo(3);
    }

    @Test
    void aBlockWithoutARegionFailsWithTheCodeToPaste() throws IOException {
        module(TEST.replace("~~ io.example.pool#1 begins", "").replace("~~ io.example.pool#1 ends", ""));

        assertThatThrownBy(() -> JavadocExamples.checkModule(dir))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("1 Javadoc example problem(s)")
                .hasMessageContaining("package-info.java:3: io.example.pool#1 has no region in ")
                .hasMessageContaining(JavadocExamples.MARKER + " io.example.pool#1 begins\nPool.create(\"p\");\n"
                        + JavadocExamples.MARKER + " io.example.pool#1 ends");
    }

    @Test
    void aRegionThatDiffersFromItsBlockFails() throws IOException {
        module(TEST.replace("int n = pool.size();", "long n = pool.size();"));

        assertThatThrownBy(() -> JavadocExamples.checkModule(dir))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Pool.java:15) and io.example.pool.Pool#2 (")
                .hasMessageContaining("ExamplesTest.java:15) differ at code line 1")
                .hasMessageContaining("long n = pool.size();");
    }

    @Test
    void everyRegionMustNameABlockThatExistsOnce() throws IOException {
        module(TEST.replace("class ExamplesTest {", """
                class ExamplesTest {
                    void more() {
                        ~~ Pool#3 begins
                        ~~ Pool#3 ends
                        ~~ Poll#1 begins
                        ~~ Poll#1 ends
                        ~~ Pool#2 begins
                        int n = pool.size(); // indented as a whole
                        ~~ Pool#2 ends
                    }
                """));

        assertThatThrownBy(() -> JavadocExamples.checkModule(dir))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("3 Javadoc example problem(s)")
                .hasMessageContaining("region Pool#3 names block 3, but ")
                .hasMessageContaining("region Poll#1 names no type with Javadoc examples")
                .hasMessageContaining(": io.example.pool.Pool#2 already has a region at ");
    }

    @Test
    void aSimpleNameSharedByTwoTypesMustBeQualified() throws IOException {
        module(TEST);
        write(
                "src/main/java/io/example/other/Pool.java",
                POOL.replace("package io.example.pool;", "package io.example.other;"));
        write("src/test/java/io/example/other/OtherTest.java", marked("""
                class OtherTest {
                    ~~ io.example.other.Pool#1 begins
                    Pool pool = Pool.create("p");
                    try (Lease lease = pool.claim()) {
                        lease.use(x -> { x.tick(); });
                    }
                    ~~ io.example.other.Pool#1 ends
                    ~~ io.example.other.Pool#2 begins
                    int n = pool.size(); // indented as a whole
                    ~~ io.example.other.Pool#2 ends
                }
                """));

        assertThatThrownBy(() -> JavadocExamples.checkModule(dir))
                .hasMessageContaining("2 Javadoc example problem(s)")
                .hasMessageContaining("pool/Pool.java:6: Pool#1 has no region in ")
                .hasMessageContaining(
                        "region Pool#1 is ambiguous: io.example.other.Pool, io.example.pool.Pool; name the type by its"
                                + " qualified name");
    }

    @Test
    void aDirectoryWithoutMainSourcesIsRefused() {
        assertThatThrownBy(() -> JavadocExamples.checkModule(dir.resolve("nothing")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not a directory; pass the module's directory");
    }

    @Test
    void aReadmesBlocksAreComparedWithARegionOfOtherMarkers() throws IOException {
        Path readme = write("README.md", """
                # Title

                ```sh
                ./mvnw verify
                ```

                ```java
                Pool pool = Pool.create("p");
                ```
                """);
        Path test = write("ReadmeTest.java", """
                class ReadmeTest {
                    void readme() {
                        // README example begins
                        Pool pool = Pool.create("p");
                        // README example ends
                    }
                }
                """);

        List<Example> blocks = JavadocExamples.markdownBlocks(readme, "java");
        Example region = JavadocExamples.markedRegion(test, "// README example begins", "// README example ends");

        assertThat(blocks).extracting(Example::name, Example::line).containsExactly(tuple("README.md#1", 7));
        assertThat(region.line()).isEqualTo(3);
        JavadocExamples.assertSameCode(blocks.get(0), region);
        assertThatThrownBy(
                        () -> JavadocExamples.markedRegion(test, "// README example ends", "// README example begins"))
                .hasMessageContaining("found the first on lines [5] and the second on lines [3]");
    }

    private void module(String test) throws IOException {
        write("src/main/java/io/example/pool/Pool.java", POOL);
        write("src/main/java/io/example/pool/package-info.java", PACKAGE_INFO);
        write(
                "src/main/java/io/example/pool/Lease.java",
                "package io.example.pool;\n\n/** No example. */\ninterface Lease {}\n");
        write("src/test/java/io/example/pool/ExamplesTest.java", marked(test));
    }

    private static String marked(String text) {
        return text.replace("~~", JavadocExamples.MARKER);
    }

    private Path write(String relative, String text) throws IOException {
        Path file = dir.resolve(relative);
        Files.createDirectories(file.getParent());
        return Files.writeString(file, text);
    }

    private static Example example(String name, String... code) {
        return new Example(name, Path.of(name + ".java"), 7, List.of(code));
    }
}

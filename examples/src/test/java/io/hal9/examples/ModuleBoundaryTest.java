package io.hal9.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * HAL9's module boundary, read from the sources: every library module declares a JPMS module named after its
 * root package, exports its {@code internal} package to no one but the HAL9 modules that import from it, and
 * nothing outside the library modules (this reference server, the benchmarks, the test kit) uses an internal
 * package. javac enforces the declarations; this test keeps them as narrow as they are meant to be.
 */
@Timeout(30)
class ModuleBoundaryTest {
    /** The repository's root: tests run in examples/. */
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    private static final List<String> LIBRARY_MODULES =
            List.of("hal9-core", "hal9-redis", "hal9-pool", "hal9-cache", "hal9-ws", "hal9-metrics");
    private static final List<String> OTHER_MODULES = List.of("examples", "benchmarks", "hal9-testkit");

    private static final Pattern INTERNAL = Pattern.compile("io\\.hal9\\.[a-z]+\\.internal");
    private static final Pattern MODULE = Pattern.compile("\\bmodule\\s+([\\w.]+)\\s*\\{");
    private static final Pattern EXPORTS = Pattern.compile("\\bexports\\s+([\\w.]+)(?:\\s+to\\s+([\\w.,\\s]+))?;");
    private static final Pattern COMMENTS = Pattern.compile("//[^\\n]*|/\\*.*?\\*/", Pattern.DOTALL);

    @Test
    void everyLibraryModuleIsANamedModuleCalledAfterItsRootPackage() {
        for (String module : LIBRARY_MODULES) {
            String declared = match(MODULE, moduleInfo(module), module).group(1);
            assertThat(declared).as(module + "'s JPMS name").isEqualTo("io.hal9." + module.substring("hal9-".length()));
            assertThat(packages(module))
                    .as(module + "'s packages")
                    .allMatch(p -> p.equals(declared) || p.startsWith(declared + "."));
        }
    }

    @Test
    void internalPackagesAreExportedOnlyToTheHal9ModulesThatUseThem() {
        Map<String, String> moduleOf = new TreeMap<>(); // JPMS name -> Maven module
        for (String module : LIBRARY_MODULES) {
            moduleOf.put(match(MODULE, moduleInfo(module), module).group(1), module);
        }
        for (String module : LIBRARY_MODULES) {
            Matcher exports = EXPORTS.matcher(moduleInfo(module));
            List<String> exported = new ArrayList<>();
            while (exports.find()) {
                String pkg = exports.group(1);
                exported.add(pkg);
                if (!pkg.endsWith(".internal")) {
                    assertThat(exports.group(2))
                            .as(module + ": API package " + pkg + " exported to everyone")
                            .isNull();
                    continue;
                }
                assertThat(exports.group(2))
                        .as(module + ": internal package " + pkg + " exported to everyone")
                        .isNotNull();
                for (String target : exports.group(2).split("\\s*,\\s*")) {
                    String to = target.strip();
                    assertThat(moduleOf)
                            .as(module + ": " + pkg + " exported to a module outside HAL9")
                            .containsKey(to);
                    assertThat(sources(moduleOf.get(to), "main"))
                            .as(module + ": " + pkg + " exported to " + to + ", which does not use it")
                            .anyMatch(text -> text.contains("import " + pkg + "."));
                }
            }
            List<String> api = new ArrayList<>(packages(module));
            api.removeIf(p -> p.endsWith(".internal"));
            assertThat(exported).as(module + ": every API package exported").containsAll(api);
        }
    }

    @Test
    void nothingOutsideTheLibraryModulesUsesAnInternalPackage() {
        List<String> users = new ArrayList<>();
        for (String module : OTHER_MODULES) {
            for (String set : List.of("main", "test")) {
                Path root = ROOT.resolve(module).resolve("src").resolve(set).resolve("java");
                for (Path file : javaFiles(root)) {
                    Matcher m = INTERNAL.matcher(read(file));
                    while (m.find()) {
                        users.add(ROOT.relativize(file) + " uses " + m.group());
                    }
                }
            }
        }
        assertThat(users)
                .as("internal packages used outside the library modules")
                .isEmpty();
    }

    /** A library module's module-info.java without its comments. */
    private static String moduleInfo(String module) {
        Path file = ROOT.resolve(module).resolve("src/main/java/module-info.java");
        assertThat(file).as(module + "'s module declaration").exists();
        return COMMENTS.matcher(read(file)).replaceAll(" ");
    }

    /** The packages of a module's main sources, from their directories. */
    private static List<String> packages(String module) {
        Path root = ROOT.resolve(module).resolve("src/main/java");
        return javaFiles(root).stream()
                .filter(f -> !f.getFileName().toString().equals("module-info.java"))
                .map(f -> root.relativize(f.getParent())
                        .toString()
                        .replace(root.getFileSystem().getSeparator(), "."))
                .distinct()
                .sorted()
                .toList();
    }

    private static List<String> sources(String module, String set) {
        return javaFiles(ROOT.resolve(module).resolve("src").resolve(set).resolve("java")).stream()
                .map(ModuleBoundaryTest::read)
                .toList();
    }

    private static List<Path> javaFiles(Path root) {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(f -> f.toString().endsWith(".java")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Matcher match(Pattern pattern, String text, String where) {
        Matcher m = pattern.matcher(text);
        assertThat(m.find()).as(where + ": " + pattern).isTrue();
        return m;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

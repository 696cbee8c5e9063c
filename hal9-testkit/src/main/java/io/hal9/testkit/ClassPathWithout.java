package io.hal9.testkit;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Runs code on the test's own class path minus some entries, in a class loader of its own: how a test
 * shows what a user gets without an optional dependency (a clear error naming the artifact to add, or
 * nothing missing at all) without building a second project.
 *
 * <pre>{@code
 * try (ClassPathWithout cp = ClassPathWithout.entries("lettuce-core", "hal9-redis")) {
 *     Throwable thrown = cp.failureOf(Probes.class, "buildRedisCache");
 * }
 * }</pre>
 *
 * <p>The probe is a {@code public static} no-argument method of a test class; it and everything it
 * touches are loaded again by the isolated loader (whose parent is the platform loader), so the classes
 * of the test itself and of the probe's run never mix; pass results as {@code String}s or JDK types.
 *
 * <p>Thread safety: one instance per test; not thread-safe. Limits: an entry is left out when its path
 * contains one of the given fragments, so pick fragments that name one artifact (a jar's artifactId, or
 * a reactor module's directory).
 */
public final class ClassPathWithout implements AutoCloseable {
    private final URLClassLoader loader;
    private final List<String> removed;

    private ClassPathWithout(URLClassLoader loader, List<String> removed) {
        this.loader = loader;
        this.removed = removed;
    }

    /**
     * A loader over {@code java.class.path} without every entry whose path contains one of {@code
     * fragments}.
     *
     * @throws IllegalArgumentException if a fragment matches no entry (a typo would prove nothing)
     */
    public static ClassPathWithout entries(String... fragments) {
        List<String> entries =
                Arrays.asList(Objects.requireNonNull(System.getProperty("java.class.path"), "java.class.path")
                        .split(File.pathSeparator));
        List<URL> kept = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        for (String entry : entries) {
            if (entry.isEmpty()) {
                continue;
            }
            String normalised = entry.replace(File.separatorChar, '/');
            if (Arrays.stream(fragments).anyMatch(normalised::contains)) {
                removed.add(entry);
            } else {
                kept.add(url(entry));
            }
        }
        for (String fragment : fragments) {
            if (removed.stream()
                    .noneMatch(e -> e.replace(File.separatorChar, '/').contains(fragment))) {
                throw new IllegalArgumentException(
                        "hal9-testkit: no class path entry contains '" + fragment + "'; the class path is " + entries);
            }
        }
        return new ClassPathWithout(
                new URLClassLoader(
                        "without-" + String.join("-", fragments),
                        kept.toArray(URL[]::new),
                        ClassLoader.getPlatformClassLoader()),
                List.copyOf(removed));
    }

    /** The class path entries that were left out. */
    public List<String> removed() {
        return removed;
    }

    /**
     * Runs {@code probe.method()} in the isolated loader and returns what it returned.
     *
     * @throws AssertionError carrying what it threw, if it threw
     */
    public Object call(Class<?> probe, String method) {
        try {
            return invoke(probe, method);
        } catch (InvocationTargetException e) {
            throw new AssertionError(
                    probe.getSimpleName() + "." + method + " threw without " + removed + ": " + e.getCause(),
                    e.getCause());
        }
    }

    /**
     * Runs {@code probe.method()} in the isolated loader and returns what it threw.
     *
     * @throws AssertionError if it returned normally
     */
    public Throwable failureOf(Class<?> probe, String method) {
        try {
            Object result = invoke(probe, method);
            throw new AssertionError(probe.getSimpleName() + "." + method + " returned " + result + " without "
                    + removed + ", expected it to throw");
        } catch (InvocationTargetException e) {
            return e.getCause();
        }
    }

    private Object invoke(Class<?> probe, String method) throws InvocationTargetException {
        try {
            Method m = loader.loadClass(probe.getName()).getMethod(method);
            return m.invoke(null);
        } catch (ReflectiveOperationException e) {
            if (e instanceof InvocationTargetException ite) {
                throw ite;
            }
            throw new IllegalArgumentException("hal9-testkit: cannot call " + probe.getName() + "." + method, e);
        }
    }

    @Override
    public void close() {
        try {
            loader.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static URL url(String entry) {
        try {
            return Path.of(entry).toUri().toURL();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException("hal9-testkit: bad class path entry " + entry, e);
        }
    }
}

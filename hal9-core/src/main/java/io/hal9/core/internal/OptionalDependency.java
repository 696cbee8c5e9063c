package io.hal9.core.internal;

/**
 * A check, at the entry point of an integration, that the optional library it is built on is there: a
 * clear {@link IllegalStateException} naming the artifact to add, instead of a {@link
 * NoClassDefFoundError} somewhere inside the first call that touches it.
 *
 * <p>HAL9's modules declare the libraries of their integrations (Lettuce for the Redis caches, HikariCP
 * for {@code JdbcPool}, Jackson for the JSON codecs, ...) as optional Maven dependencies, so a user pays
 * only for what they use; the entry points of those integrations call {@link #require} first.
 *
 * <p>Not part of the API. Thread safety: stateless.
 */
public final class OptionalDependency {
    private OptionalDependency() {}

    /**
     * Checks that {@code className} can be loaded by the class loader of {@code user}.
     *
     * @param feature what needs it, for the message (e.g. {@code "RedisCache"})
     * @param user the HAL9 class that links against the library
     * @param className a class of the library
     * @param artifact the Maven coordinates that provide it, {@code groupId:artifactId}
     * @param module its JPMS module name, for users on the module path
     * @throws IllegalStateException naming the artifact to add when the class is missing
     */
    public static void require(String feature, Class<?> user, String className, String artifact, String module) {
        try {
            Class.forName(className, false, user.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new IllegalStateException(
                    feature + " needs " + artifact + ", which is not on the class path: add the dependency "
                            + artifact + " to your build (hal9-bom manages its version; on the module path, also"
                            + " 'requires " + module + "')",
                    e);
        }
    }
}

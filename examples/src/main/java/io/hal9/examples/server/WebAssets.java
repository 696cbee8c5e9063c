package io.hal9.examples.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The static files of the browser pages (the play page on the public port, the console on the admin listener):
 * classpath resources under {@value #ROOT}, read once when the server starts and served from memory with their
 * content type, {@code Cache-Control: no-cache} (a browser revalidates, so a new server version's pages are seen
 * at once) and a strict {@code Content-Security-Policy}: scripts, styles and connections to this origin only
 * (WebSocket included), nothing inline, no frames, no forms posted elsewhere. Nothing is fetched from anywhere
 * else at run time, and there is no front-end build: the files are written by hand and packaged by Maven.
 *
 * <p>Limits: only the files named at construction are served (a set per listener); any other name answers 404
 * {@code unknown_route}, so a path can never reach the file system or another resource.
 *
 * <p>Thread safety: immutable after construction.
 */
final class WebAssets {
    /** Where the files are on the classpath. */
    static final String ROOT = "/io/hal9/examples/web/";

    /** The policy every page and file is served with: this origin only, nothing inline. */
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
            + " connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static final Map<String, String> SECURITY_HEADERS = Map.of(
            "Content-Security-Policy", CSP,
            "X-Content-Type-Options", "nosniff",
            "Referrer-Policy", "no-referrer",
            "Cache-Control", "no-cache");

    private final Map<String, HttpApi.Response> files = new LinkedHashMap<>();

    /**
     * Reads {@code names} from {@value #ROOT}.
     *
     * @throws IllegalStateException naming the file when one is missing from the classpath
     */
    WebAssets(Set<String> names) {
        for (String n : new TreeSet<>(names)) {
            byte[] body;
            try (InputStream in = WebAssets.class.getResourceAsStream(ROOT + n)) {
                if (in == null) {
                    throw new IllegalStateException("web page file " + ROOT + n
                            + " is missing from the classpath; the examples jar is incomplete");
                }
                body = in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read web page file " + ROOT + n, e);
            }
            files.put(n, new HttpApi.Response(200, contentType(n), body, SECURITY_HEADERS));
        }
    }

    /** The files of the play page, served on the public port. */
    static WebAssets play() {
        return new WebAssets(Set.of("index.html", "play.js", "hal9.css"));
    }

    /** The files of the console, served on the admin listener only. */
    static WebAssets console() {
        return new WebAssets(Set.of("console.html", "console.js", "hal9.css"));
    }

    /** The file's answer, or null when it is not one of this set's files. */
    HttpApi.@Nullable Response file(String name) {
        return files.get(name);
    }

    /** The headers of a JSON answer the pages read: never cached, same protections as the files. */
    static Map<String, String> jsonHeaders() {
        return Map.of("Cache-Control", "no-store", "X-Content-Type-Options", "nosniff");
    }

    static String contentType(String name) {
        String ext = name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
        return switch (ext) {
            case "html" -> "text/html; charset=utf-8";
            case "js" -> "text/javascript; charset=utf-8";
            case "css" -> "text/css; charset=utf-8";
            case "svg" -> "image/svg+xml";
            case "png" -> "image/png";
            default -> throw new IllegalArgumentException("no content type for web file " + name);
        };
    }
}

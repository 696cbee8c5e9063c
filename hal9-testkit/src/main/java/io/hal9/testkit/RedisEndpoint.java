package io.hal9.testkit;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A Redis server, as a URI and its parts.
 *
 * @param host the host name or address
 * @param port the TCP port
 * @param user the ACL user, or {@code null} for the default user
 * @param password the password, or {@code null} when none is sent
 * @param database the logical database ({@code SELECT}), 0 by default
 * @param uri the URI handed to tests
 * @param origin where it was found, for messages
 */
record RedisEndpoint(
        String host,
        int port,
        @Nullable String user,
        @Nullable String password,
        int database,
        String uri,
        String origin) {

    static final int DEFAULT_PORT = 6379;

    RedisEndpoint {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(origin, "origin");
    }

    /** A server without authentication on database 0. */
    static RedisEndpoint plain(String host, int port, String origin) {
        String shownHost = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return new RedisEndpoint(host, port, null, null, 0, "redis://" + shownHost + ":" + port, origin);
    }

    /**
     * Parses {@code redis://[[user:]password@]host[:port][/database]}, the form Lettuce reads.
     *
     * @throws IllegalArgumentException with the reason when {@code uri} is not such a URI
     */
    static RedisEndpoint parse(String uri, String origin) {
        URI parsed;
        try {
            parsed = new URI(uri);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URI: " + e.getMessage(), e);
        }
        String scheme = parsed.getScheme() == null ? "" : parsed.getScheme().toLowerCase(Locale.ROOT);
        if (scheme.equals("rediss")) {
            throw new IllegalArgumentException("rediss:// (TLS) is not supported by the testkit, use redis://");
        }
        if (!scheme.equals("redis")) {
            throw new IllegalArgumentException("expected redis://host:port, the scheme was '" + scheme + "'");
        }
        String host = parsed.getHost();
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("expected redis://host:port, no host found");
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = parsed.getPort() < 0 ? DEFAULT_PORT : parsed.getPort();
        String user = null;
        String password = null;
        String userInfo = parsed.getUserInfo();
        if (userInfo != null && !userInfo.isEmpty()) {
            int colon = userInfo.indexOf(':');
            if (colon < 0) {
                password = userInfo;
            } else {
                user = colon == 0 ? null : userInfo.substring(0, colon);
                password = userInfo.substring(colon + 1);
            }
        }
        int database = 0;
        String path = parsed.getPath();
        if (path != null && !path.isEmpty() && !path.equals("/")) {
            try {
                database = Integer.parseInt(path.substring(1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "the path must be a database number (redis://host:port/0), was '" + path + "'", e);
            }
            if (database < 0) {
                throw new IllegalArgumentException("the database must be >= 0, was " + database);
            }
        }
        return new RedisEndpoint(host, port, user, password, database, uri, origin);
    }

    /** The URI with the password replaced by {@code ***}, for messages. */
    static String masked(String uri) {
        int at = uri.lastIndexOf('@');
        int start = uri.indexOf("://");
        if (at < 0 || start < 0 || at < start) {
            return uri;
        }
        String userInfo = uri.substring(start + 3, at);
        int colon = userInfo.indexOf(':');
        String shown = colon < 0 ? "***" : userInfo.substring(0, colon) + ":***";
        return uri.substring(0, start + 3) + shown + uri.substring(at);
    }
}

package io.hal9.pool.jdbc;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Host and port surgery on {@code jdbc:postgresql://host:port/db?...} URLs, for proxies and dead ports. */
final class PgUrls {
    private static final Pattern HOST_PORT = Pattern.compile("^jdbc:postgresql://([^/:?]+)(?::(\\d+))?/");

    private PgUrls() {}

    static String host(String url) {
        return matcher(url).group(1);
    }

    static int port(String url) {
        String port = matcher(url).group(2);
        return port == null ? 5432 : Integer.parseInt(port);
    }

    /** The same URL pointing at 127.0.0.1:{@code port}. */
    static String onLocalPort(String url, int port) {
        Matcher m = matcher(url);
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + url.substring(m.end());
    }

    /** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
    static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static Matcher matcher(String url) {
        Matcher m = HOST_PORT.matcher(url);
        if (!m.find()) {
            throw new IllegalArgumentException("not a jdbc:postgresql://host[:port]/ URL: " + url);
        }
        return m;
    }
}

package io.hal9.testkit;

import java.util.Objects;

/**
 * The authority of a {@code scheme://[userinfo@]host[:port][/...]} URL, located within it: how {@link
 * FaultProxy} finds the target of a JDBC URL or Redis URI and puts itself in its place. One host only (a list
 * cannot go through one proxy); an IPv6 host in brackets; the scheme's default port when none is given; errors
 * name the URL with its password masked.
 *
 * <p>Thread safety: immutable.
 *
 * @param url the whole URL
 * @param host the host, without brackets; {@code localhost} when the URL names none
 * @param port the port, or the default port
 * @param hostStart index of the host in {@code url}, after any userinfo
 * @param hostEnd index after the port (or host) in {@code url}
 */
record HostPort(String url, String host, int port, int hostStart, int hostEnd) {

    /**
     * Locates the authority of {@code url}.
     *
     * @param prefix what the URL must start with, e.g. {@code jdbc:postgresql://}
     * @param defaultPort the port when the URL names none
     * @throws IllegalArgumentException when the URL is not of that form
     */
    static HostPort parse(String url, String prefix, int defaultPort) {
        Objects.requireNonNull(url, "url");
        String shown = JdbcUrls.masked(url);
        if (!url.startsWith(prefix)) {
            throw new IllegalArgumentException(
                    "fault-proxy: expected a URL starting with " + prefix + "host:port, was '" + shown + "'");
        }
        int start = prefix.length();
        int end = start;
        while (end < url.length() && "/?#".indexOf(url.charAt(end)) < 0) {
            end++;
        }
        int hostStart = url.lastIndexOf('@', end - 1) + 1;
        hostStart = Math.max(hostStart, start);
        String hostPort = url.substring(hostStart, end);
        if (hostPort.indexOf(',') >= 0) {
            throw new IllegalArgumentException(
                    "fault-proxy: a URL with several hosts cannot go through one proxy, was '" + shown + "'");
        }
        String host;
        String portText;
        if (hostPort.startsWith("[")) {
            int close = hostPort.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("fault-proxy: unclosed '[' in the host of '" + shown + "'");
            }
            host = hostPort.substring(1, close);
            String rest = hostPort.substring(close + 1);
            if (!rest.isEmpty() && !rest.startsWith(":")) {
                throw new IllegalArgumentException("fault-proxy: expected ':port' after ']' in '" + shown + "'");
            }
            portText = rest.isEmpty() ? "" : rest.substring(1);
        } else {
            int colon = hostPort.indexOf(':');
            if (colon >= 0 && hostPort.indexOf(':', colon + 1) >= 0) {
                throw new IllegalArgumentException(
                        "fault-proxy: an IPv6 host must be in brackets ([::1]:5432), was '" + shown + "'");
            }
            host = colon < 0 ? hostPort : hostPort.substring(0, colon);
            portText = colon < 0 ? "" : hostPort.substring(colon + 1);
        }
        if (host.isEmpty()) {
            host = "localhost";
        }
        int port = defaultPort;
        if (!portText.isEmpty()) {
            try {
                port = Integer.parseInt(portText);
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 1 || port > 65_535) {
                throw new IllegalArgumentException(
                        "fault-proxy: the port must be between 1 and 65535, was '" + portText + "' in '" + shown + "'");
            }
        }
        return new HostPort(url, host, port, hostStart, end);
    }

    /** The URL with its {@code host[:port]} replaced by {@code newHostPort}, the rest kept. */
    String replacedBy(String newHostPort) {
        return url.substring(0, hostStart) + newHostPort + url.substring(hostEnd);
    }
}

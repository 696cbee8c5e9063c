package io.hal9.testkit;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/** Reads and sets query parameters of {@code jdbc:postgresql:} URLs. */
final class JdbcUrls {

    private JdbcUrls() {}

    /** The decoded value of the last parameter called {@code name} (the driver's rule), or null. */
    static @Nullable String param(String url, String name) {
        int q = url.indexOf('?');
        if (q < 0) {
            return null;
        }
        String found = null;
        for (String pair : url.substring(q + 1).split("&")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            if (key.equals(name)) {
                found = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return found;
    }

    /** The URL with every parameter called {@code name} replaced by one holding {@code value}. */
    static String withParam(String url, String name, String value) {
        String encoded = name + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8);
        int q = url.indexOf('?');
        if (q < 0) {
            return url + "?" + encoded;
        }
        StringBuilder out = new StringBuilder(url.length() + encoded.length() + 1).append(url, 0, q + 1);
        boolean first = true;
        for (String pair : url.substring(q + 1).split("&")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            if (pair.isEmpty() || key.equals(name)) {
                continue;
            }
            out.append(first ? "" : "&").append(pair);
            first = false;
        }
        return out.append(first ? "" : "&").append(encoded).toString();
    }

    /** The URL with the value of the {@code password} parameter replaced by {@code ***}. */
    static String masked(String url) {
        return param(url, "password") == null ? url : withParam(url, "password", "***");
    }
}

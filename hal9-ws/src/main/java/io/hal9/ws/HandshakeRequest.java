package io.hal9.ws;

import java.net.SocketAddress;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link HandshakeAuthenticator} sees of a WebSocket upgrade request.
 *
 * <p>Thread safety: immutable.
 *
 * @param uri the request URI as sent (path and query string)
 * @param path the path without the query string
 * @param queryParameters the decoded query parameters
 * @param headers the request headers, names in lower case, each with its values in order
 * @param remoteAddress the client's address
 */
public record HandshakeRequest(
        String uri,
        String path,
        Map<String, List<String>> queryParameters,
        Map<String, List<String>> headers,
        SocketAddress remoteAddress) {

    /** Copies the maps so that the record is immutable. */
    public HandshakeRequest {
        queryParameters = Map.copyOf(queryParameters);
        headers = Map.copyOf(headers);
    }

    /** The first value of a query parameter, or {@code null}. */
    public @Nullable String queryParameter(String name) {
        List<String> values = queryParameters.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** The first value of a header (name case-insensitive), or {@code null}. */
    public @Nullable String header(String name) {
        List<String> values = headers.get(name.toLowerCase(java.util.Locale.ROOT));
        return values == null || values.isEmpty() ? null : values.get(0);
    }
}

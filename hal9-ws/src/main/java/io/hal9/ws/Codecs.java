package io.hal9.ws;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.hal9.ws.internal.JacksonCodec;

/**
 * The message codecs HAL9 ships.
 *
 * <ul>
 *   <li>{@link #json(Class)}: Jackson JSON in text frames, the default; readable in a browser's dev tools.
 * </ul>
 *
 * <p>Thread safety: the codecs are immutable and safe to share.
 */
public final class Codecs {
    private Codecs() {}

    /** JSON through a default Jackson {@link JsonMapper}, in text frames. */
    public static <M> MessageCodec<M> json(Class<M> type) {
        return json(type, JsonMapper.builder().build());
    }

    /** JSON through the given mapper (configured by the host), in text frames. */
    public static <M> MessageCodec<M> json(Class<M> type, ObjectMapper mapper) {
        return new JacksonCodec<>(type, mapper, false);
    }
}

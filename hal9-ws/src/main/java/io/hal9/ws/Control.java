package io.hal9.ws;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/**
 * HAL9's control messages: small JSON objects with the reserved key {@code "hal9"}, always in text frames,
 * never batched and never counted as data for replay sequence numbers. See the package docs of {@code
 * io.hal9.ws} for the list.
 *
 * <p>Not part of the API. Thread safety: stateless.
 */
final class Control {
    private Control() {}

    static ByteBuf error(ByteBufAllocator alloc, String reason, String detail) {
        return json(
                alloc,
                "{\"hal9\":\"error\",\"reason\":\"" + escape(reason) + "\",\"detail\":\"" + escape(detail) + "\"}");
    }

    static ByteBuf resync(ByteBufAllocator alloc, String reason, long seq) {
        return json(alloc, "{\"hal9\":\"resync\",\"reason\":\"" + escape(reason) + "\",\"seq\":" + seq + "}");
    }

    static ByteBuf resumed(ByteBufAllocator alloc, long lastSeq, long replayed) {
        return json(alloc, "{\"hal9\":\"resumed\",\"seq\":" + lastSeq + ",\"replayed\":" + replayed + "}");
    }

    static ByteBuf session(ByteBufAllocator alloc, String token) {
        return json(alloc, "{\"hal9\":\"session\",\"resumeToken\":\"" + escape(token) + "\"}");
    }

    private static String escape(String s) {
        String limited = s.length() > 200 ? s.substring(0, 200) : s;
        return new String(JsonStringEncoder.getInstance().quoteAsString(limited));
    }

    private static ByteBuf json(ByteBufAllocator alloc, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        ByteBuf buf = alloc.buffer(bytes.length);
        buf.writeBytes(bytes);
        return buf;
    }
}

package io.hal9.ws.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.hal9.ws.MessageCodec;
import io.hal9.ws.WsException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.ByteBufOutputStream;
import java.io.IOException;
import java.util.Objects;

/**
 * A {@link MessageCodec} over any Jackson {@link ObjectMapper}: JSON in text frames, or a binary Jackson
 * format (MessagePack) in binary frames. Writes straight into a pooled buffer and reads straight from the
 * frame's buffer, without intermediate byte arrays.
 *
 * <p>Not part of the API. Thread safety: immutable; Jackson readers and writers are thread-safe.
 */
public final class JacksonCodec<M> implements MessageCodec<M> {
    private final Class<M> type;
    private final ObjectReader reader;
    private final ObjectWriter writer;
    private final boolean binary;

    /** Creates a codec for {@code type} through {@code mapper}. */
    public JacksonCodec(Class<M> type, ObjectMapper mapper, boolean binary) {
        this.type = Objects.requireNonNull(type, "type");
        this.reader = mapper.readerFor(type);
        this.writer = mapper.writerFor(type);
        this.binary = binary;
    }

    @Override
    public ByteBuf encode(M message, ByteBufAllocator alloc) {
        ByteBuf buf = alloc.buffer(128);
        boolean ok = false;
        try (ByteBufOutputStream out = new ByteBufOutputStream(buf)) {
            writer.writeValue((java.io.OutputStream) out, message);
            ok = true;
            return buf;
        } catch (IOException | RuntimeException e) {
            throw new WsException(this + ": cannot encode " + type.getSimpleName() + ": " + e.getMessage(), e);
        } finally {
            if (!ok) {
                buf.release();
            }
        }
    }

    @Override
    public M decode(ByteBuf payload) {
        try (ByteBufInputStream in = new ByteBufInputStream(payload.duplicate())) {
            return reader.readValue((java.io.InputStream) in);
        } catch (IOException | RuntimeException e) {
            // msgpack reports some malformed input as unchecked exceptions: one type for the caller either way
            throw new WsException(this + ": cannot decode " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean binary() {
        return binary;
    }

    @Override
    public String toString() {
        return (binary ? "binary" : "json") + " codec of " + type.getSimpleName();
    }
}

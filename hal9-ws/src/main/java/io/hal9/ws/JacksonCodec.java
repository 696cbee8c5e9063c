package io.hal9.ws;

import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
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
 * <p>Jackson's default buffer pool is per thread. hal9-ws encodes on whatever thread sends (often a virtual
 * thread that lives for one task), where a per-thread pool allocates its 8-16 KiB of buffers afresh for every
 * message: in the reference server that was half of all the bytes it allocated. So when the mapper still has
 * the per-thread pool, the codec works on a copy of it whose factory shares one pool across threads ({@link
 * #sharedBuffers}); a mapper that cannot be copied (a subclass without {@code copy()}, such as
 * {@code MessagePackMapper}) is used as given.
 *
 * <p>Not part of the API. Thread safety: immutable; Jackson readers and writers are thread-safe.
 */
final class JacksonCodec<M> implements MessageCodec<M> {
    private final Class<M> type;
    private final ObjectReader reader;
    private final ObjectWriter writer;
    private final boolean binary;

    /** Creates a codec for {@code type} through {@code mapper}. */
    JacksonCodec(Class<M> type, ObjectMapper mapper, boolean binary) {
        this.type = Objects.requireNonNull(type, "type");
        ObjectMapper m = sharedBuffers(mapper);
        this.reader = m.readerFor(type);
        this.writer = m.writerFor(type);
        this.binary = binary;
    }

    /**
     * {@code mapper}, or a copy of it whose factory recycles its buffers through a pool shared by every thread
     * when {@code mapper}'s pool is per thread (Jackson's default).
     */
    static ObjectMapper sharedBuffers(ObjectMapper mapper) {
        if (!(mapper.getFactory()._getRecyclerPool() instanceof JsonRecyclerPools.ThreadLocalPool)) {
            return mapper; // the host chose its pool
        }
        ObjectMapper copy;
        try {
            copy = mapper.copy();
        } catch (IllegalStateException e) {
            return mapper; // a subclass that does not support copy()
        }
        copy.getFactory().setRecyclerPool(JsonRecyclerPools.sharedConcurrentDequePool());
        return copy;
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

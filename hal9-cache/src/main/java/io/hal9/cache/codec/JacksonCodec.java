package io.hal9.cache.codec;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.hal9.cache.ValueCodec;
import java.io.IOException;
import java.util.Objects;

/**
 * A Jackson codec (JSON or CBOR, decided by the mapper's factory) bound to one target type.
 *
 * <p>Thread safety: immutable; Jackson's {@link ObjectReader} and {@link ObjectWriter} are thread-safe.
 */
final class JacksonCodec<V> implements ValueCodec<V> {
    private final String format;
    private final String typeName;
    private final ObjectReader reader;
    private final ObjectWriter writer;

    JacksonCodec(String format, String typeName, ObjectMapper mapper, JavaType type) {
        this.format = format;
        this.typeName = typeName;
        this.reader = mapper.readerFor(type);
        this.writer = mapper.writerFor(type);
    }

    @Override
    public byte[] encode(V value) {
        Objects.requireNonNull(value, "value");
        try {
            return writer.writeValueAsBytes(value);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(
                    this + ": cannot encode a " + value.getClass().getName() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public V decode(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes");
        V value;
        try {
            value = reader.readValue(bytes);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(
                    this + ": cannot decode " + bytes.length + " bytes: " + e.getMessage(), e);
        }
        if (value == null) {
            throw new IllegalArgumentException(this + ": cannot decode " + bytes.length + " bytes: they encode null");
        }
        return value;
    }

    @Override
    public String toString() {
        return format + " codec (" + typeName + ")";
    }
}

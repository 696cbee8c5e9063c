package io.hal9.cache.codec;

import io.hal9.cache.ValueCodec;
import java.util.Objects;

/** The identity codec for {@code byte[]} values. Thread safety: stateless. */
enum BytesCodec implements ValueCodec<byte[]> {
    INSTANCE;

    @Override
    public byte[] encode(byte[] value) {
        return Objects.requireNonNull(value, "value");
    }

    @Override
    public byte[] decode(byte[] bytes) {
        return Objects.requireNonNull(bytes, "bytes");
    }

    @Override
    public String toString() {
        return "bytes";
    }
}

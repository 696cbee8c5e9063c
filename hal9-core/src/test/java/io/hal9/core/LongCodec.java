package io.hal9.core;

import java.nio.ByteBuffer;

/** A journal codec for {@code Long} actions: eight bytes, big-endian. */
final class LongCodec implements JournalCodec<Long> {
    @Override
    public void encode(Long action, ByteBuffer out) {
        out.putLong(action);
    }

    @Override
    public Long decode(ByteBuffer in) {
        if (in.remaining() != Long.BYTES) {
            throw new IllegalArgumentException("a Long record has 8 bytes, this one " + in.remaining());
        }
        return in.getLong();
    }
}

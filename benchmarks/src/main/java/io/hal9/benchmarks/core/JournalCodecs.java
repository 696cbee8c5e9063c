package io.hal9.benchmarks.core;

import io.hal9.core.JournalCodec;
import java.nio.ByteBuffer;

/** Journal codecs for the benchmarks' actions. */
final class JournalCodecs {
    private JournalCodecs() {}

    /**
     * Any object as an 8-byte record (a long), the size of a compact game action's ids; decodes to a
     * {@code Long}. The benchmarks never replay, so the round trip need not give back the object.
     */
    static final JournalCodec<Object> OBJECT_AS_LONG = new JournalCodec<>() {
        @Override
        public void encode(Object action, ByteBuffer out) {
            out.putLong(action instanceof Long l ? l : action.hashCode());
        }

        @Override
        public Object decode(ByteBuffer in) {
            return in.getLong();
        }
    };
}

package io.hal9.ws;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** Wraps a codec and keeps every buffer it encodes, so that tests can count encodings and check refcounts. */
final class TrackingCodec<M> implements MessageCodec<M> {
    private final MessageCodec<M> delegate;
    final List<ByteBuf> encoded = new CopyOnWriteArrayList<>();
    final AtomicInteger encodings = new AtomicInteger();

    TrackingCodec(MessageCodec<M> delegate) {
        this.delegate = delegate;
    }

    @Override
    public ByteBuf encode(M message, ByteBufAllocator alloc) {
        ByteBuf b = delegate.encode(message, alloc);
        encodings.incrementAndGet();
        encoded.add(b);
        return b;
    }

    @Override
    public M decode(ByteBuf payload) {
        return delegate.decode(payload);
    }

    @Override
    public boolean binary() {
        return delegate.binary();
    }

    /** How many encoded buffers are still referenced. */
    long live() {
        return encoded.stream().filter(b -> b.refCnt() > 0).count();
    }
}

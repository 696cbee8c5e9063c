package io.hal9.ws;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;

/**
 * The batch frame of the {@value WsServer#BATCH_SUBPROTOCOL} subprotocol (see the package docs): several data
 * messages of one kind in one frame, a JSON array ({@code [m1,m2]}) in a text frame, each message preceded by its
 * length (4 bytes, big-endian) in a binary one. A session that batches sends even a lone message that way, so
 * that its client reads one format.
 *
 * <p>Static helpers, so that batching adds no object per session and none per message: {@link SessionImpl}'s
 * drain keeps the loop over its queue (it accounts for every message it takes) and these write the bytes. Each
 * frame given to {@link #append} or {@link #single} is released by it; the caller owns the buffer {@link #open}
 * returns until {@link #close} wraps it in the frame it returns.
 *
 * <p>Not part of the API. Thread safety: stateless.
 */
final class BatchFrames {
    /** A batch takes messages until it holds this many bytes (a message that would take it over starts the next). */
    static final int BATCH_BYTES = 16 * 1024;

    private BatchFrames() {}

    /** A buffer for a batch, with room for {@link #BATCH_BYTES} and the framing; opened with '[' for text. */
    static ByteBuf open(ByteBufAllocator alloc, boolean text) {
        ByteBuf out = alloc.buffer(BATCH_BYTES + 64);
        if (text) {
            out.writeByte('[');
        }
        return out;
    }

    /**
     * Whether {@code next} (an item peeked from a send queue) can join the batch in {@code out} that began with
     * {@code first}: a plain data frame of the same kind whose payload keeps the batch within {@link
     * #BATCH_BYTES}.
     */
    static boolean fits(Object next, WebSocketFrame first, ByteBuf out) {
        return next instanceof WebSocketFrame f
                && f.getClass() == first.getClass()
                && out.readableBytes() + f.content().readableBytes() <= BATCH_BYTES;
    }

    /** Appends {@code f}'s payload as the {@code index}th message of the batch; releases {@code f}. */
    static void append(ByteBuf out, WebSocketFrame f, boolean text, int index) {
        try {
            ByteBuf c = f.content();
            if (text) {
                if (index > 0) {
                    out.writeByte(',');
                }
            } else {
                out.writeInt(c.readableBytes());
            }
            out.writeBytes(c, c.readerIndex(), c.readableBytes());
        } finally {
            f.release();
        }
    }

    /** Ends the batch in {@code out} (']' for text) and wraps it in a frame of its kind. */
    static WebSocketFrame close(ByteBuf out, boolean text) {
        if (text) {
            out.writeByte(']');
            return new TextWebSocketFrame(out);
        }
        return new BinaryWebSocketFrame(out);
    }

    /** A batch frame of the one message in {@code f}; releases {@code f}. */
    static WebSocketFrame single(ByteBufAllocator alloc, WebSocketFrame f) {
        boolean text = f instanceof TextWebSocketFrame;
        ByteBuf out;
        try {
            out = ofOne(alloc, f.content(), !text);
        } finally {
            f.release();
        }
        return text ? new TextWebSocketFrame(out) : new BinaryWebSocketFrame(out);
    }

    /** The payload of a batch of the one message {@code payload} (left as it is: not released, not read). */
    static ByteBuf ofOne(ByteBufAllocator alloc, ByteBuf payload, boolean binary) {
        int length = payload.readableBytes();
        ByteBuf out = alloc.buffer(length + 4);
        if (binary) {
            out.writeInt(length);
            out.writeBytes(payload, payload.readerIndex(), length);
        } else {
            out.writeByte('[');
            out.writeBytes(payload, payload.readerIndex(), length);
            out.writeByte(']');
        }
        return out;
    }
}

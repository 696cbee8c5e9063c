package io.hal9.ws;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Turns the host's message objects into WebSocket frame payloads and back. The same session, room and
 * server code works with every codec; {@link Codecs} has JSON (text frames) and MessagePack (binary frames,
 * the same Jackson-mapped classes).
 *
 * <p>Buffer ownership: {@link #encode} returns a new buffer that the caller owns (HAL9 releases it after the
 * write or on a drop); {@link #decode} reads the buffer it is given and must not release or keep it.
 *
 * <p>Thread safety: implementations must be safe to call from any thread at once ({@code trySend} encodes on
 * the caller's thread, {@code decode} runs on the connection's event loop).
 *
 * @param <M> the message type
 */
public interface MessageCodec<M> {

    /**
     * Encodes one message into a new buffer taken from {@code alloc}.
     *
     * @throws RuntimeException if the message cannot be encoded (HAL9's codecs throw {@link WsException}); the
     *     send throws it to its caller
     */
    ByteBuf encode(M message, ByteBufAllocator alloc);

    /**
     * Decodes one complete WebSocket message (all its fragments joined).
     *
     * @throws RuntimeException if the bytes are not a valid message (HAL9's codecs throw {@link WsException});
     *     the server answers the client with an
     *     {@code error} control message (see {@link io.hal9.ws package docs}) and counts a decode error
     */
    M decode(ByteBuf payload);

    /** True if messages travel in binary frames, false for text frames (which must then be UTF-8). */
    boolean binary();
}

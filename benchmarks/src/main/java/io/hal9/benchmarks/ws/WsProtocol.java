package io.hal9.benchmarks.ws;

import io.netty.buffer.ByteBuf;

/**
 * The wire protocol both benchmark servers speak, so that one client drives either.
 *
 * <ul>
 *   <li>Handshake on {@value #PATH}.
 *   <li>Every message is one binary frame (so that a codec with one frame type serves both servers).
 *   <li>Client to server, {@value #CONTROL_SIZE} bytes {@code int JOIN, int room}: the server adds the
 *       session to the room and answers with {@code int JOINED, int room}. A session may join several
 *       rooms (the slow-consumer scenario's spectator does).
 *   <li>Client to server, {@value #MESSAGE_SIZE} bytes: the server broadcasts the message to every member
 *       of the room named in the payload except the sender.
 * </ul>
 *
 * <p>Payload layout (big-endian): {@code int room, int sender, long sequence, long sendNanos}, then
 * zeros up to {@value #MESSAGE_SIZE} bytes. {@code sendNanos} is the sender's {@link
 * System#nanoTime()}; senders and receivers live in the same client JVM, so the difference at receipt
 * is the end-to-end latency.
 *
 * <p>Thread safety: stateless.
 */
final class WsProtocol {
    /** The handshake path. */
    static final String PATH = "/ws";
    /** The size of one game message, as the issue asks. */
    static final int MESSAGE_SIZE = 64;
    /** The size of a join request or answer. */
    static final int CONTROL_SIZE = 8;
    /** The first int of a join request ("JOIN"). */
    static final int JOIN = 0x4A4F494E;
    /** The first int of a join answer ("JOND"). */
    static final int JOINED = 0x4A4F4E44;

    static final int ROOM_OFFSET = 0;
    static final int SENDER_OFFSET = 4;
    static final int SEQUENCE_OFFSET = 8;
    static final int NANOS_OFFSET = 16;

    private WsProtocol() {}

    /** Writes one message into {@code out} (which must have {@value #MESSAGE_SIZE} writable bytes). */
    static ByteBuf writeMessage(ByteBuf out, int room, int sender, long sequence, long sendNanos) {
        out.writeInt(room).writeInt(sender).writeLong(sequence).writeLong(sendNanos);
        out.writeZero(MESSAGE_SIZE - 24);
        return out;
    }

    static int room(ByteBuf message) {
        return message.getInt(message.readerIndex() + ROOM_OFFSET);
    }

    static int sender(ByteBuf message) {
        return message.getInt(message.readerIndex() + SENDER_OFFSET);
    }

    static long sendNanos(ByteBuf message) {
        return message.getLong(message.readerIndex() + NANOS_OFFSET);
    }

    /** Writes a join request or answer ({@code kind} is {@link #JOIN} or {@link #JOINED}). */
    static ByteBuf writeControl(ByteBuf out, int kind, int room) {
        return out.writeInt(kind).writeInt(room);
    }

    /** The room of a control message of the given kind, or -1 when {@code message} is not one. */
    static int control(ByteBuf message, int kind) {
        if (message.readableBytes() != CONTROL_SIZE || message.getInt(message.readerIndex()) != kind) {
            return -1;
        }
        int room = message.getInt(message.readerIndex() + 4);
        return room >= 0 ? room : -1;
    }
}

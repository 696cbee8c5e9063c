package io.hal9.benchmarks.ws;

import io.netty.buffer.ByteBuf;

/**
 * The wire protocol both benchmark servers speak, so that one client drives either.
 *
 * <ul>
 *   <li>Handshake on {@value #PATH}.
 *   <li>Client to server, text {@code join:<room>}: the server adds the session to the room and answers
 *       with the text {@code joined:<room>}. A session may join several rooms (the slow-consumer
 *       scenario's spectator does).
 *   <li>Client to server, a binary frame of {@value #MESSAGE_SIZE} bytes: the server broadcasts the same
 *       bytes to every member of the room named in the payload except the sender.
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
    /** The prefix of a join request. */
    static final String JOIN = "join:";
    /** The prefix of a join answer. */
    static final String JOINED = "joined:";

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

    /** The room named by a {@code join:} text, or -1 when the text is not a valid join request. */
    static int parseJoin(String text) {
        if (!text.startsWith(JOIN)) {
            return -1;
        }
        try {
            int room = Integer.parseInt(text, JOIN.length(), text.length(), 10);
            return room >= 0 ? room : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}

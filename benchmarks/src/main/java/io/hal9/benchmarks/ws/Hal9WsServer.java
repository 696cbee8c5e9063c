package io.hal9.benchmarks.ws;

import io.hal9.ws.MessageCodec;
import io.hal9.ws.Room;
import io.hal9.ws.Session;
import io.hal9.ws.WsHandler;
import io.hal9.ws.WsServer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The same behaviour as {@link RawWsServer}, through hal9-ws's public API only: a {@link WsServer} with a
 * small binary {@link MessageCodec} for {@link WsProtocol}, {@link Room#join} on a join request and
 * {@link Room#broadcastExcept} for every game message.
 *
 * <p>Configuration for the benchmark (printed with every result): bound to 127.0.0.1, {@code
 * maxConnections} and {@code maxConnectionsPerIp} 20,000 (every client comes from 127.0.0.1 and the
 * idle scenario holds 19,000; the defaults, 1,000 and 256, would refuse them), one event loop per core
 * like the raw server; everything else at hal9-ws's defaults, which the description lists.
 *
 * <p>Design / Concurrency / Invariants: {@code rooms} caches the server's rooms by number so that a
 * broadcast does not build a string id; it is written with {@code computeIfAbsent} from any event loop.
 *
 * <p>Thread safety: safe; the handler is called on several event loops at once.
 */
final class Hal9WsServer implements BenchWsServer {
    static final int MAX_CONNECTIONS = 20_000;

    private final WsServer<Message> server;
    private final ConcurrentHashMap<Integer, Room<Message>> rooms = new ConcurrentHashMap<>();
    private final BenchWsServer.Mode mode;
    private final int threads;

    private Hal9WsServer(Mode mode, int port) {
        this.mode = mode;
        this.threads = Runtime.getRuntime().availableProcessors();
        this.server = WsServer.builder("bench", new Codec(), new Handler())
                .host("127.0.0.1")
                .port(port)
                .path(WsProtocol.PATH)
                .maxConnections(MAX_CONNECTIONS)
                .maxConnectionsPerIp(MAX_CONNECTIONS)
                .eventLoopThreads(threads)
                .build()
                .start();
    }

    static Hal9WsServer start(Mode mode, int port) {
        return new Hal9WsServer(mode, port);
    }

    @Override
    public int port() {
        return server.port();
    }

    @Override
    public long connections() {
        return server.sessionCount();
    }

    @Override
    public String describeConfig() {
        return "hal9-ws: mode=" + mode.name().toLowerCase(Locale.ROOT) + ", host=127.0.0.1, maxConnections="
                + MAX_CONNECTIONS + ", maxConnectionsPerIp=" + MAX_CONNECTIONS + ", eventLoopThreads=" + threads
                + "; defaults: sendQueueMessages=" + WsServer.DEFAULT_SEND_QUEUE_MESSAGES + ", sendQueueBytes="
                + WsServer.DEFAULT_SEND_QUEUE_BYTES + ", overflowPolicy=DROP_NEWEST, heartbeat="
                + WsServer.DEFAULT_HEARTBEAT_INTERVAL + "/" + WsServer.DEFAULT_HEARTBEAT_TIMEOUT + ", inboundRate="
                + WsServer.DEFAULT_INBOUND_RATE + "/s burst " + WsServer.DEFAULT_INBOUND_BURST + ", maxFrameSize="
                + WsServer.DEFAULT_MAX_FRAME_SIZE + ", compression off, resumption off; broadcast=Room.broadcastExcept";
    }

    @Override
    public String describeStats() {
        WsServer.Stats s = server.stats();
        return "hal9-ws stats: open=" + s.openConnections() + " opened=" + s.openedTotal() + " closedByCode="
                + s.closedByCode() + " messagesIn=" + s.messagesIn() + " messagesOut=" + s.messagesOut()
                + " dropped=" + s.droppedByPolicy() + " slowConsumerDisconnects=" + s.slowConsumerDisconnects()
                + " queuedMessages=" + s.queuedMessages() + " queuedBytes=" + s.queuedBytes() + " rejections="
                + s.handshakeRejections() + " rateLimited=" + s.rateLimited() + " decodeErrors=" + s.decodeErrors()
                + " acceptErrors=" + s.acceptErrors() + " handlerErrors=" + s.handlerErrors();
    }

    @Override
    public void close() {
        server.close();
    }

    private Room<Message> room(int room) {
        return rooms.computeIfAbsent(room, r -> server.room(Integer.toString(r)));
    }

    /**
     * One {@link WsProtocol} message: a join request or answer ({@code kind} {@link WsProtocol#JOIN} or
     * {@link WsProtocol#JOINED}, only {@code room} set) or a game message ({@code kind} 0).
     */
    record Message(int kind, int room, int sender, long sequence, long sendNanos) {}

    /** Binary frames; decoding reads the header fields, encoding writes them and the zero padding. */
    private static final class Codec implements MessageCodec<Message> {
        @Override
        public ByteBuf encode(Message m, ByteBufAllocator alloc) {
            if (m.kind() != 0) {
                return WsProtocol.writeControl(alloc.buffer(WsProtocol.CONTROL_SIZE), m.kind(), m.room());
            }
            return WsProtocol.writeMessage(
                    alloc.buffer(WsProtocol.MESSAGE_SIZE), m.room(), m.sender(), m.sequence(), m.sendNanos());
        }

        @Override
        public Message decode(ByteBuf payload) {
            int join = WsProtocol.control(payload, WsProtocol.JOIN);
            if (join >= 0) {
                return new Message(WsProtocol.JOIN, join, 0, 0, 0);
            }
            if (payload.readableBytes() != WsProtocol.MESSAGE_SIZE) {
                throw new IllegalArgumentException("expected a join request or " + WsProtocol.MESSAGE_SIZE
                        + " bytes, got " + payload.readableBytes());
            }
            int at = payload.readerIndex();
            return new Message(
                    0,
                    WsProtocol.room(payload),
                    WsProtocol.sender(payload),
                    payload.getLong(at + WsProtocol.SEQUENCE_OFFSET),
                    WsProtocol.sendNanos(payload));
        }

        @Override
        public boolean binary() {
            return true;
        }
    }

    private final class Handler implements WsHandler<Message> {
        @Override
        public void onMessage(Session<Message> session, Message message) {
            if (message.kind() == WsProtocol.JOIN) {
                room(message.room()).join(session);
                session.trySend(new Message(WsProtocol.JOINED, message.room(), 0, 0, 0));
            } else {
                Room<Message> room = rooms.get(message.room());
                if (room != null) {
                    room.broadcastExcept(message, session);
                }
            }
        }
    }
}

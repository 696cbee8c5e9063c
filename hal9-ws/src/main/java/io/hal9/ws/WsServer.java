package io.hal9.ws;

import io.hal9.core.Ticker;
import io.hal9.core.internal.Checks;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * A WebSocket server for game clients on Netty, with bounded per-session send queues, connection limits,
 * batching, rooms and cross-instance fan-out. The host implements a {@link WsHandler} and gives a {@link
 * MessageCodec}; the limits and what happens at each are in the {@link io.hal9.ws package docs}.
 *
 * <pre>{@code
 * WsServer<GameMsg> server = WsServer.builder("game", Codecs.json(GameMsg.class), new GameHandler())
 *         .port(8080)
 *         .path("/ws")
 *         .authenticator(req -> CompletableFuture.completedFuture(
 *                 tokens.valid(req.queryParameter("token"))
 *                         ? HandshakeDecision.accept(Map.of("player", tokens.player(req.queryParameter("token"))))
 *                         : HandshakeDecision.reject(401, "bad token")))
 *         .build()
 *         .start();
 * // in the handler, e.g. WsHandler.onOpen: the session leads to its server and the server's rooms
 * session.server().room("game-42").join(session);
 * }</pre>
 *
 * <p>Standalone, {@link #start()} binds its own Netty server. To put HAL9 into a host's own Netty pipeline,
 * build the server without starting it and use {@link io.hal9.ws.netty.WsChannelInitializer}.
 *
 * <p><b>Closing.</b> {@link #close()} stops accepting, closes every session with 1001 "server shutdown" after
 * the messages already queued, waits up to {@code closeTimeout} for them to leave, then closes what is left and
 * stops the event loops it created. Afterwards {@code trySend} answers {@code CLOSED}. Idempotent.
 *
 * <p>Thread safety: every method may be called from any thread.
 *
 * @param <M> the message type
 */
public interface WsServer<M> extends AutoCloseable {

    /** Default {@code maxConnections}: 1000 sessions. */
    int DEFAULT_MAX_CONNECTIONS = 1000;
    /** Default {@code maxConnectionsPerIp}: 256. */
    int DEFAULT_MAX_CONNECTIONS_PER_IP = 256;
    /** Default {@code maxFrameSize}: 64 KiB. */
    int DEFAULT_MAX_FRAME_SIZE = 64 * 1024;
    /** Default {@code maxMessageSize}: 256 KiB. */
    int DEFAULT_MAX_MESSAGE_SIZE = 256 * 1024;
    /**
     * Default {@code sendQueueMessages}: 4096, four times what a client receiving 5,000 messages/s misses in a
     * 200 ms pause.
     */
    int DEFAULT_SEND_QUEUE_MESSAGES = 4096;
    /** Default {@code sendQueueBytes}: 1 MiB. */
    long DEFAULT_SEND_QUEUE_BYTES = 1024 * 1024;
    /** Default {@code heartbeatInterval}: 15 s of silence before a ping. */
    Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(15);
    /** Default {@code heartbeatTimeout}: 10 s to answer a ping. */
    Duration DEFAULT_HEARTBEAT_TIMEOUT = Duration.ofSeconds(10);
    /** Default {@code inboundRate}: 200 messages per second per session. */
    int DEFAULT_INBOUND_RATE = 200;
    /** Default {@code inboundBurst}: 400 messages. */
    int DEFAULT_INBOUND_BURST = 400;
    /**
     * Default {@code maxRateLimitedInRow}: 1000 refused messages or control frames in one run close the session
     * (1008).
     */
    int DEFAULT_MAX_RATE_LIMITED_IN_ROW = 1000;
    /** Default {@code maxDecodeErrors}: 10 undecodable messages in a row close the session (1003). */
    int DEFAULT_MAX_DECODE_ERRORS = 10;
    /** Default {@code compressionThreshold}: messages under 1 KiB are sent uncompressed. */
    int DEFAULT_COMPRESSION_THRESHOLD = 1024;
    /** Default {@code replayBufferMessages} when resumption is on: 1024. */
    int DEFAULT_REPLAY_BUFFER_MESSAGES = 1024;
    /** Default {@code handshakeTimeout}: 10 s from accept to a completed handshake. */
    Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    /** Default {@code closeTimeout}: 5 s. */
    Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(5);
    /** The subprotocol a client asks for to receive batch frames (see the package docs). */
    String BATCH_SUBPROTOCOL = "hal9.batch";

    /**
     * Starts building a server.
     *
     * @param name the server's name, used in messages, logs and metric tags (1 to 128 characters)
     * @param codec turns messages into frame payloads and back
     * @param handler the host's game logic
     */
    static <M> Builder<M> builder(String name, MessageCodec<M> codec, WsHandler<M> handler) {
        return new Builder<>(Checks.name("ws server", name), codec, handler);
    }

    /** The server's name. */
    String name();

    /** This instance's id on the room bus (random unless set). */
    String instanceId();

    /**
     * Binds the listening socket and starts accepting. Returns this server.
     *
     * <p>If the socket cannot be bound (the port is in use, the address is not one of this machine's or does
     * not resolve), the server closes itself before throwing: every event-loop thread it started has ended when
     * this returns, so a process that gives up can exit.
     *
     * @throws WsException if binding fails (the message names {@code host:port} and the reason, the cause is the
     *     bind's exception) or the server is closed or already started
     */
    WsServer<M> start();

    /** The bound port once started (useful with port 0), or -1 before. */
    int port();

    /**
     * The room with this id: the open one if there is one, else a room that its first {@link Room#join} or {@link
     * Room#hold} opens (and subscribes on the room bus). A room without members and holds is reclaimed; see
     * {@link Room} for its lifetime.
     *
     * @throws WsException if the server is closed
     */
    Room<M> room(String roomId);

    /** The number of sessions with a live connection. */
    int sessionCount();

    /** A snapshot of the counters. */
    WsServerStats stats();

    /** Whether {@link #close()} was called. */
    boolean isClosed();

    /** Stops the server; see the class docs. Idempotent. */
    @Override
    void close();

    /**
     * Builds a {@link WsServer}. Each option may be set once; a bad value is refused at once with a message
     * naming the option and the allowed range; {@link #build()} checks the options that depend on each other.
     *
     * <p>Thread safety: not thread-safe; use from one thread.
     *
     * @param <M> the message type
     */
    final class Builder<M> {
        private final String name;
        private final String component;
        private final MessageCodec<M> codec;
        private final WsHandler<M> handler;
        private @Nullable String host;
        private int port = -1;
        private @Nullable String path;
        private int maxConnections = -1;
        private int maxConnectionsPerIp = -1;
        private int maxFrameSize = -1;
        private int maxMessageSize = -1;
        private int sendQueueMessages = -1;
        private long sendQueueBytes = -1;
        private @Nullable OverflowPolicy overflowPolicy;
        private @Nullable Duration heartbeatInterval;
        private @Nullable Duration heartbeatTimeout;
        private int inboundRate = -1;
        private int inboundBurst = -1;
        private int maxRateLimitedInRow = -1;
        private int maxDecodeErrors = -1;
        private @Nullable Boolean compression;
        private int compressionThreshold = -1;
        private @Nullable Duration resumeGrace;
        private int replayBufferMessages = -1;
        private @Nullable RoomBus roomBus;
        private @Nullable String instanceId;
        private @Nullable WsServerListener listener;
        private @Nullable Ticker ticker;
        private int eventLoopThreads = -1;
        private @Nullable HandshakeAuthenticator authenticator;
        private @Nullable Duration handshakeTimeout;
        private @Nullable Duration closeTimeout;

        private Builder(String name, MessageCodec<M> codec, WsHandler<M> handler) {
            this.name = name;
            this.component = "ws server '" + name + "'";
            this.codec = Objects.requireNonNull(codec, "codec");
            this.handler = Objects.requireNonNull(handler, "handler");
        }

        /** The address to bind; default {@code 0.0.0.0} (every interface). */
        public Builder<M> host(String host) {
            Checks.notSet(component, "host", this.host != null);
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** The port to bind, 0 for any free port (see {@link WsServer#port()}); default 0. */
        public Builder<M> port(int port) {
            Checks.notSet(component, "port", this.port != -1);
            this.port = Checks.inRange(component, "port", port, 0, 65535);
            return this;
        }

        /** The WebSocket path; other paths are answered 404. Default {@code /ws}. */
        public Builder<M> path(String path) {
            Checks.notSet(component, "path", this.path != null);
            Objects.requireNonNull(path, "path");
            if (!path.startsWith("/") || path.contains("?")) {
                throw new IllegalArgumentException(
                        component + ": path must start with '/' and have no query, was '" + path + "'");
            }
            this.path = path;
            return this;
        }

        /** The most connections at once (handshaking or open); default {@value WsServer#DEFAULT_MAX_CONNECTIONS}. */
        public Builder<M> maxConnections(int maxConnections) {
            Checks.notSet(component, "maxConnections", this.maxConnections != -1);
            this.maxConnections = Checks.inRange(component, "maxConnections", maxConnections, 1, 10_000_000);
            return this;
        }

        /** The most connections from one IP address; default {@value WsServer#DEFAULT_MAX_CONNECTIONS_PER_IP}. */
        public Builder<M> maxConnectionsPerIp(int maxConnectionsPerIp) {
            Checks.notSet(component, "maxConnectionsPerIp", this.maxConnectionsPerIp != -1);
            this.maxConnectionsPerIp =
                    Checks.inRange(component, "maxConnectionsPerIp", maxConnectionsPerIp, 1, 10_000_000);
            return this;
        }

        /** The largest frame payload in bytes (larger: close 1009); default 64 KiB. */
        public Builder<M> maxFrameSize(int maxFrameSize) {
            Checks.notSet(component, "maxFrameSize", this.maxFrameSize != -1);
            this.maxFrameSize = Checks.inRange(component, "maxFrameSize", maxFrameSize, 125, 64 * 1024 * 1024);
            return this;
        }

        /** The largest message (fragments joined) in bytes (larger: close 1009); default 256 KiB. */
        public Builder<M> maxMessageSize(int maxMessageSize) {
            Checks.notSet(component, "maxMessageSize", this.maxMessageSize != -1);
            this.maxMessageSize = Checks.inRange(component, "maxMessageSize", maxMessageSize, 125, 64 * 1024 * 1024);
            return this;
        }

        /** The most messages queued per session; default {@value WsServer#DEFAULT_SEND_QUEUE_MESSAGES}. */
        public Builder<M> sendQueueMessages(int sendQueueMessages) {
            Checks.notSet(component, "sendQueueMessages", this.sendQueueMessages != -1);
            this.sendQueueMessages = Checks.inRange(component, "sendQueueMessages", sendQueueMessages, 1, 1 << 24);
            return this;
        }

        /** The most bytes queued per session; default 1 MiB. */
        public Builder<M> sendQueueBytes(long sendQueueBytes) {
            Checks.notSet(component, "sendQueueBytes", this.sendQueueBytes != -1);
            this.sendQueueBytes = Checks.inRange(component, "sendQueueBytes", sendQueueBytes, 1, 1L << 34);
            return this;
        }

        /** What a full send queue does; default {@link OverflowPolicy#DROP_NEWEST}. */
        public Builder<M> overflowPolicy(OverflowPolicy overflowPolicy) {
            Checks.notSet(component, "overflowPolicy", this.overflowPolicy != null);
            this.overflowPolicy = Objects.requireNonNull(overflowPolicy, "overflowPolicy");
            return this;
        }

        /** Silence from a client after which it is pinged; default 15 s, in [10ms, 1h]. */
        public Builder<M> heartbeatInterval(Duration heartbeatInterval) {
            Checks.notSet(component, "heartbeatInterval", this.heartbeatInterval != null);
            this.heartbeatInterval = Checks.duration(
                    component, "heartbeatInterval", heartbeatInterval, Duration.ofMillis(10), Duration.ofHours(1));
            return this;
        }

        /** Time a pinged client has to answer before it is closed (1001); default 10 s, in [10ms, 1h]. */
        public Builder<M> heartbeatTimeout(Duration heartbeatTimeout) {
            Checks.notSet(component, "heartbeatTimeout", this.heartbeatTimeout != null);
            this.heartbeatTimeout = Checks.duration(
                    component, "heartbeatTimeout", heartbeatTimeout, Duration.ofMillis(10), Duration.ofHours(1));
            return this;
        }

        /**
         * Inbound messages per second per session (token bucket refill); default 200. Control frames from the
         * client (pings, pongs) take a token like a message: a client cannot flood pings under the radar.
         */
        public Builder<M> inboundRate(int messagesPerSecond) {
            Checks.notSet(component, "inboundRate", this.inboundRate != -1);
            this.inboundRate = Checks.inRange(component, "inboundRate", messagesPerSecond, 1, 1_000_000);
            return this;
        }

        /** Inbound burst per session (token bucket size); default 400. */
        public Builder<M> inboundBurst(int messages) {
            Checks.notSet(component, "inboundBurst", this.inboundBurst != -1);
            this.inboundBurst = Checks.inRange(component, "inboundBurst", messages, 1, 1_000_000);
            return this;
        }

        /**
         * Refused messages and control frames in one run over the inbound rate after which the session is closed
         * with 1008; 0 never closes; default 1000. A run ends after one second without a refusal, so a client
         * sending at any multiple of the rate is closed (the messages the refill admits do not end its run), while
         * one that overshoots in a burst and then slows down is not.
         */
        public Builder<M> maxRateLimitedInRow(int messages) {
            Checks.notSet(component, "maxRateLimitedInRow", this.maxRateLimitedInRow != -1);
            this.maxRateLimitedInRow = Checks.inRange(component, "maxRateLimitedInRow", messages, 0, 1_000_000_000);
            return this;
        }

        /** Undecodable messages in a row after which the session is closed with 1003; default 10. */
        public Builder<M> maxDecodeErrors(int errors) {
            Checks.notSet(component, "maxDecodeErrors", this.maxDecodeErrors != -1);
            this.maxDecodeErrors = Checks.inRange(component, "maxDecodeErrors", errors, 1, 1_000_000);
            return this;
        }

        /** Whether to offer permessage-deflate to clients that ask for it; default false. */
        public Builder<M> compression(boolean compression) {
            Checks.notSet(component, "compression", this.compression != null);
            this.compression = compression;
            return this;
        }

        /** Messages smaller than this many bytes are sent uncompressed; default 1024. */
        public Builder<M> compressionThreshold(int bytes) {
            Checks.notSet(component, "compressionThreshold", this.compressionThreshold != -1);
            this.compressionThreshold = Checks.inRange(component, "compressionThreshold", bytes, 0, 64 * 1024 * 1024);
            return this;
        }

        /**
         * How long a session whose connection dropped waits for its client to resume it; {@code Duration.ZERO}
         * (the default) turns resumption off. In [0, 1h].
         */
        public Builder<M> resumeGrace(Duration resumeGrace) {
            Checks.notSet(component, "resumeGrace", this.resumeGrace != null);
            this.resumeGrace =
                    Checks.duration(component, "resumeGrace", resumeGrace, Duration.ZERO, Duration.ofHours(1));
            return this;
        }

        /** Messages kept per session for replay after a resume; default 1024; needs {@code resumeGrace}. */
        public Builder<M> replayBufferMessages(int messages) {
            Checks.notSet(component, "replayBufferMessages", this.replayBufferMessages != -1);
            this.replayBufferMessages = Checks.inRange(component, "replayBufferMessages", messages, 1, 1 << 20);
            return this;
        }

        /** The bus carrying room broadcasts to other instances; default a private {@link RoomBus#local()}. */
        public Builder<M> roomBus(RoomBus roomBus) {
            Checks.notSet(component, "roomBus", this.roomBus != null);
            this.roomBus = Objects.requireNonNull(roomBus, "roomBus");
            return this;
        }

        /** This instance's id on the room bus; default a random UUID. */
        public Builder<M> instanceId(String instanceId) {
            Checks.notSet(component, "instanceId", this.instanceId != null);
            this.instanceId = Checks.name(component + " instanceId", instanceId);
            return this;
        }

        /** Hears opens, closes, drops and rejections. */
        public Builder<M> listener(WsServerListener listener) {
            Checks.notSet(component, "listener", this.listener != null);
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** The time source for heartbeats, rate limits and resume grace; default {@link Ticker#system()}. */
        public Builder<M> ticker(Ticker ticker) {
            Checks.notSet(component, "ticker", this.ticker != null);
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /** Event-loop threads of a standalone server; default the number of processors. */
        public Builder<M> eventLoopThreads(int threads) {
            Checks.notSet(component, "eventLoopThreads", this.eventLoopThreads != -1);
            this.eventLoopThreads = Checks.inRange(component, "eventLoopThreads", threads, 1, 1024);
            return this;
        }

        /** Decides about each upgrade request; default accept all. */
        public Builder<M> authenticator(HandshakeAuthenticator authenticator) {
            Checks.notSet(component, "authenticator", this.authenticator != null);
            this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
            return this;
        }

        /** Time from accept to a completed handshake (authentication included); default 10 s. */
        public Builder<M> handshakeTimeout(Duration handshakeTimeout) {
            Checks.notSet(component, "handshakeTimeout", this.handshakeTimeout != null);
            this.handshakeTimeout = Checks.duration(
                    component, "handshakeTimeout", handshakeTimeout, Duration.ofMillis(10), Duration.ofMinutes(10));
            return this;
        }

        /** How long {@link WsServer#close()} waits for queued messages to leave; default 5 s, in [0, 10min]. */
        public Builder<M> closeTimeout(Duration closeTimeout) {
            Checks.notSet(component, "closeTimeout", this.closeTimeout != null);
            this.closeTimeout =
                    Checks.duration(component, "closeTimeout", closeTimeout, Duration.ZERO, Duration.ofMinutes(10));
            return this;
        }

        /**
         * Checks the options together and builds the server (not started: see {@link WsServer#start()}).
         *
         * @throws IllegalArgumentException naming the option if options contradict each other
         */
        public WsServer<M> build() {
            int frame = maxFrameSize == -1 ? DEFAULT_MAX_FRAME_SIZE : maxFrameSize;
            int message = maxMessageSize == -1 ? Math.max(DEFAULT_MAX_MESSAGE_SIZE, frame) : maxMessageSize;
            if (message < frame) {
                throw new IllegalArgumentException(
                        component + ": maxMessageSize must be >= maxFrameSize (" + frame + "), was " + message);
            }
            int connections = maxConnections == -1 ? DEFAULT_MAX_CONNECTIONS : maxConnections;
            int perIp = maxConnectionsPerIp == -1
                    ? Math.min(DEFAULT_MAX_CONNECTIONS_PER_IP, connections)
                    : maxConnectionsPerIp;
            if (perIp > connections) {
                throw new IllegalArgumentException(component + ": maxConnectionsPerIp must be <= maxConnections ("
                        + connections + "), was " + perIp);
            }
            int rate = inboundRate == -1 ? DEFAULT_INBOUND_RATE : inboundRate;
            int burst = inboundBurst == -1 ? Math.max(DEFAULT_INBOUND_BURST, rate) : inboundBurst;
            Duration grace = resumeGrace == null ? Duration.ZERO : resumeGrace;
            if (replayBufferMessages != -1 && grace.isZero()) {
                throw new IllegalArgumentException(
                        component + ": replayBufferMessages needs resumeGrace > 0 (resumption is off)");
            }
            WsConfig config = new WsConfig(
                    name,
                    component,
                    host == null ? "0.0.0.0" : host,
                    port == -1 ? 0 : port,
                    path == null ? "/ws" : path,
                    connections,
                    perIp,
                    frame,
                    message,
                    sendQueueMessages == -1 ? DEFAULT_SEND_QUEUE_MESSAGES : sendQueueMessages,
                    sendQueueBytes == -1 ? DEFAULT_SEND_QUEUE_BYTES : sendQueueBytes,
                    overflowPolicy == null ? OverflowPolicy.DROP_NEWEST : overflowPolicy,
                    Checks.saturatedNanos(heartbeatInterval == null ? DEFAULT_HEARTBEAT_INTERVAL : heartbeatInterval),
                    Checks.saturatedNanos(heartbeatTimeout == null ? DEFAULT_HEARTBEAT_TIMEOUT : heartbeatTimeout),
                    rate,
                    burst,
                    maxRateLimitedInRow == -1 ? DEFAULT_MAX_RATE_LIMITED_IN_ROW : maxRateLimitedInRow,
                    maxDecodeErrors == -1 ? DEFAULT_MAX_DECODE_ERRORS : maxDecodeErrors,
                    compression != null && compression,
                    compressionThreshold == -1 ? DEFAULT_COMPRESSION_THRESHOLD : compressionThreshold,
                    Checks.saturatedNanos(grace),
                    grace.isZero()
                            ? 0
                            : replayBufferMessages == -1 ? DEFAULT_REPLAY_BUFFER_MESSAGES : replayBufferMessages,
                    instanceId == null ? UUID.randomUUID().toString() : instanceId,
                    eventLoopThreads == -1 ? Runtime.getRuntime().availableProcessors() : eventLoopThreads,
                    Checks.saturatedNanos(handshakeTimeout == null ? DEFAULT_HANDSHAKE_TIMEOUT : handshakeTimeout),
                    Checks.saturatedNanos(closeTimeout == null ? DEFAULT_CLOSE_TIMEOUT : closeTimeout));
            return new WsServerImpl<>(
                    config,
                    codec,
                    handler,
                    authenticator == null ? HandshakeAuthenticator.ACCEPT_ALL : authenticator,
                    roomBus,
                    listener == null ? new WsServerListener() {} : listener,
                    ticker == null ? Ticker.system() : ticker);
        }
    }
}

package io.hal9.ws;

import io.hal9.core.Ticker;
import io.hal9.core.internal.BuilderOptions;
import io.hal9.core.internal.Checks;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
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
    Stats stats();

    /** Whether {@link #close()} was called. */
    boolean isClosed();

    /** Stops the server; see the class docs. Idempotent. */
    @Override
    void close();

    /**
     * A snapshot of a {@link WsServer}'s counters. Totals count since the server was built; levels ({@code
     * openConnections}, {@code queuedMessages}, {@code queuedBytes}, {@code detachedSessions}, {@code openRooms}) are
     * the values now.
     *
     * <p>Thread safety: immutable. Counters are read one by one, so a snapshot taken under load is not atomic.
     *
     * @param openConnections WebSocket connections open now (handshake completed)
     * @param pendingConnections TCP connections accepted and counted against the limits whose handshake is not done
     * @param detachedSessions sessions without a connection waiting for their client to resume them
     * @param openedTotal sessions opened (handshakes completed, resumptions not included)
     * @param resumedTotal sessions resumed by their client within the grace period
     * @param closedTotal sessions closed for good
     * @param closedByCode sessions closed for good, by close code (1006: dropped without a close frame)
     * @param messagesIn messages received and decoded (before the rate limit)
     * @param bytesIn payload bytes of the messages received
     * @param messagesOut data messages written to sockets (a broadcast counts once per recipient, a batch frame
     *     once per message in it; control messages not counted)
     * @param bytesOut payload bytes written to sockets, control messages included
     * @param droppedByPolicy messages dropped because a send queue was full, by overflow policy
     * @param slowConsumerDisconnects sessions closed by policy {@link OverflowPolicy#DISCONNECT}
     * @param queuedMessages messages in all send queues now (the send-queue depth)
     * @param queuedBytes bytes in all send queues now
     * @param handshakeRejections refused upgrade requests by reason ({@code connection-limit}, {@code per-ip-limit},
     *     {@code path}, {@code not-websocket}, {@code closing}, {@code auth-error}, {@code auth-<status>})
     * @param decodeErrors messages the codec could not decode
     * @param rateLimited messages and control frames (pings, pongs) refused by the per-session rate limit
     * @param acceptErrors failed accepts of the listening socket (e.g. out of file descriptors)
     * @param handlerErrors exceptions thrown by the {@link WsHandler}
     * @param heartbeatTimeouts connections closed because they did not answer a ping within the heartbeat timeout
     * @param rateLimitDisconnects sessions closed with 1008 because {@code maxRateLimitedInRow} messages or control
     *     frames in a row were over the inbound rate
     * @param controlFramesIn pings and pongs received from clients (not counted in {@code messagesIn})
     * @param pongsCoalesced pings answered by the pong already pending for their session instead of a pong of their
     *     own (the client pinged again before the previous pong could be written)
     * @param openRooms rooms open on this server now: those with a local member or a {@link Room.Hold} (a room
     *     without either is reclaimed)
     */
    record Stats(
            int openConnections,
            int pendingConnections,
            int detachedSessions,
            long openedTotal,
            long resumedTotal,
            long closedTotal,
            Map<Integer, Long> closedByCode,
            long messagesIn,
            long bytesIn,
            long messagesOut,
            long bytesOut,
            Map<OverflowPolicy, Long> droppedByPolicy,
            long slowConsumerDisconnects,
            long queuedMessages,
            long queuedBytes,
            Map<String, Long> handshakeRejections,
            long decodeErrors,
            long rateLimited,
            long acceptErrors,
            long handlerErrors,
            long heartbeatTimeouts,
            long rateLimitDisconnects,
            long controlFramesIn,
            long pongsCoalesced,
            int openRooms) {

        /** Copies the maps so that the record is immutable. */
        public Stats {
            closedByCode = Map.copyOf(closedByCode);
            droppedByPolicy = Map.copyOf(droppedByPolicy);
            handshakeRejections = Map.copyOf(handshakeRejections);
        }

        /** Messages dropped by any policy. */
        public long droppedTotal() {
            long sum = 0;
            for (long n : droppedByPolicy.values()) {
                sum += n;
            }
            return sum;
        }
    }

    /**
     * Builds a {@link WsServer}. Each option may be set once; a bad value is refused at once with a message
     * naming the option and the allowed range; {@link #build()} checks the options that depend on each other.
     *
     * <p>Thread safety: not thread-safe; use from one thread.
     *
     * @param <M> the message type
     */
    final class Builder<M> {
        final String name;
        final String component;
        final MessageCodec<M> codec;
        final WsHandler<M> handler;
        final BuilderOptions options;
        String host = "0.0.0.0";
        int port = 0;
        String path = "/ws";
        int maxConnections = DEFAULT_MAX_CONNECTIONS;
        int maxConnectionsPerIp = DEFAULT_MAX_CONNECTIONS_PER_IP;
        int maxFrameSize = DEFAULT_MAX_FRAME_SIZE;
        int maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE;
        int sendQueueMessages = DEFAULT_SEND_QUEUE_MESSAGES;
        long sendQueueBytes = DEFAULT_SEND_QUEUE_BYTES;
        OverflowPolicy overflowPolicy = OverflowPolicy.DROP_NEWEST;
        Duration heartbeatInterval = DEFAULT_HEARTBEAT_INTERVAL;
        Duration heartbeatTimeout = DEFAULT_HEARTBEAT_TIMEOUT;
        int inboundRate = DEFAULT_INBOUND_RATE;
        int inboundBurst = DEFAULT_INBOUND_BURST;
        int maxRateLimitedInRow = DEFAULT_MAX_RATE_LIMITED_IN_ROW;
        int maxDecodeErrors = DEFAULT_MAX_DECODE_ERRORS;
        boolean compression = false;
        int compressionThreshold = DEFAULT_COMPRESSION_THRESHOLD;
        Duration resumeGrace = Duration.ZERO;
        int replayBufferMessages = DEFAULT_REPLAY_BUFFER_MESSAGES;

        /** None given: the server makes a private {@link RoomBus#local()} of its own and closes it. */
        @Nullable
        RoomBus roomBus;

        /** None given: each server built takes a random UUID. */
        @Nullable
        String instanceId;

        WsServerListener listener = new WsServerListener() {};
        Ticker ticker = Ticker.system();
        int eventLoopThreads = Runtime.getRuntime().availableProcessors();
        HandshakeAuthenticator authenticator = HandshakeAuthenticator.ACCEPT_ALL;
        Duration handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT;
        Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;

        private Builder(String name, MessageCodec<M> codec, WsHandler<M> handler) {
            this.name = name;
            this.component = "ws server '" + name + "'";
            this.options = new BuilderOptions(component);
            this.codec = Objects.requireNonNull(codec, "codec");
            this.handler = Objects.requireNonNull(handler, "handler");
        }

        /** The address to bind; default {@code 0.0.0.0} (every interface). */
        public Builder<M> host(String host) {
            this.host = options.set("host", Objects.requireNonNull(host, "host"));
            return this;
        }

        /** The port to bind, 0 for any free port (see {@link WsServer#port()}); default 0. */
        public Builder<M> port(int port) {
            this.port = options.set("port", Checks.inRange(component, "port", port, 0, 65535));
            return this;
        }

        /** The WebSocket path; other paths are answered 404. Default {@code /ws}. */
        public Builder<M> path(String path) {
            Objects.requireNonNull(path, "path");
            if (!path.startsWith("/") || path.contains("?")) {
                throw new IllegalArgumentException(
                        component + ": path must start with '/' and have no query, was '" + path + "'");
            }
            this.path = options.set("path", path);
            return this;
        }

        /** The most connections at once (handshaking or open); default {@value WsServer#DEFAULT_MAX_CONNECTIONS}. */
        public Builder<M> maxConnections(int maxConnections) {
            this.maxConnections = options.set(
                    "maxConnections", Checks.inRange(component, "maxConnections", maxConnections, 1, 10_000_000));
            return this;
        }

        /** The most connections from one IP address; default {@value WsServer#DEFAULT_MAX_CONNECTIONS_PER_IP}. */
        public Builder<M> maxConnectionsPerIp(int maxConnectionsPerIp) {
            this.maxConnectionsPerIp = options.set(
                    "maxConnectionsPerIp",
                    Checks.inRange(component, "maxConnectionsPerIp", maxConnectionsPerIp, 1, 10_000_000));
            return this;
        }

        /** The largest frame payload in bytes (larger: close 1009); default 64 KiB. */
        public Builder<M> maxFrameSize(int maxFrameSize) {
            this.maxFrameSize = options.set(
                    "maxFrameSize", Checks.inRange(component, "maxFrameSize", maxFrameSize, 125, 64 * 1024 * 1024));
            return this;
        }

        /** The largest message (fragments joined) in bytes (larger: close 1009); default 256 KiB. */
        public Builder<M> maxMessageSize(int maxMessageSize) {
            this.maxMessageSize = options.set(
                    "maxMessageSize",
                    Checks.inRange(component, "maxMessageSize", maxMessageSize, 125, 64 * 1024 * 1024));
            return this;
        }

        /** The most messages queued per session; default {@value WsServer#DEFAULT_SEND_QUEUE_MESSAGES}. */
        public Builder<M> sendQueueMessages(int sendQueueMessages) {
            this.sendQueueMessages = options.set(
                    "sendQueueMessages", Checks.inRange(component, "sendQueueMessages", sendQueueMessages, 1, 1 << 24));
            return this;
        }

        /** The most bytes queued per session; default 1 MiB. */
        public Builder<M> sendQueueBytes(long sendQueueBytes) {
            this.sendQueueBytes = options.set(
                    "sendQueueBytes", Checks.inRange(component, "sendQueueBytes", sendQueueBytes, 1, 1L << 34));
            return this;
        }

        /** What a full send queue does; default {@link OverflowPolicy#DROP_NEWEST}. */
        public Builder<M> overflowPolicy(OverflowPolicy overflowPolicy) {
            this.overflowPolicy =
                    options.set("overflowPolicy", Objects.requireNonNull(overflowPolicy, "overflowPolicy"));
            return this;
        }

        /** Silence from a client after which it is pinged; default 15 s, in [10ms, 1h]. */
        public Builder<M> heartbeatInterval(Duration heartbeatInterval) {
            this.heartbeatInterval = options.set(
                    "heartbeatInterval",
                    Checks.duration(
                            component,
                            "heartbeatInterval",
                            heartbeatInterval,
                            Duration.ofMillis(10),
                            Duration.ofHours(1)));
            return this;
        }

        /** Time a pinged client has to answer before it is closed (1001); default 10 s, in [10ms, 1h]. */
        public Builder<M> heartbeatTimeout(Duration heartbeatTimeout) {
            this.heartbeatTimeout = options.set(
                    "heartbeatTimeout",
                    Checks.duration(
                            component,
                            "heartbeatTimeout",
                            heartbeatTimeout,
                            Duration.ofMillis(10),
                            Duration.ofHours(1)));
            return this;
        }

        /**
         * Inbound messages per second per session (token bucket refill); default 200. Control frames from the
         * client (pings, pongs) take a token like a message: a client cannot flood pings under the radar.
         */
        public Builder<M> inboundRate(int messagesPerSecond) {
            this.inboundRate = options.set(
                    "inboundRate", Checks.inRange(component, "inboundRate", messagesPerSecond, 1, 1_000_000));
            return this;
        }

        /** Inbound burst per session (token bucket size); default 400. */
        public Builder<M> inboundBurst(int messages) {
            this.inboundBurst =
                    options.set("inboundBurst", Checks.inRange(component, "inboundBurst", messages, 1, 1_000_000));
            return this;
        }

        /**
         * Refused messages and control frames in one run over the inbound rate after which the session is closed
         * with 1008; 0 never closes; default 1000. A run ends after one second without a refusal, so a client
         * sending at any multiple of the rate is closed (the messages the refill admits do not end its run), while
         * one that overshoots in a burst and then slows down is not.
         */
        public Builder<M> maxRateLimitedInRow(int messages) {
            this.maxRateLimitedInRow = options.set(
                    "maxRateLimitedInRow",
                    Checks.inRange(component, "maxRateLimitedInRow", messages, 0, 1_000_000_000));
            return this;
        }

        /** Undecodable messages in a row after which the session is closed with 1003; default 10. */
        public Builder<M> maxDecodeErrors(int errors) {
            this.maxDecodeErrors =
                    options.set("maxDecodeErrors", Checks.inRange(component, "maxDecodeErrors", errors, 1, 1_000_000));
            return this;
        }

        /** Whether to offer permessage-deflate to clients that ask for it; default false. */
        public Builder<M> compression(boolean compression) {
            this.compression = options.set("compression", compression);
            return this;
        }

        /** Messages smaller than this many bytes are sent uncompressed; default 1024. */
        public Builder<M> compressionThreshold(int bytes) {
            this.compressionThreshold = options.set(
                    "compressionThreshold",
                    Checks.inRange(component, "compressionThreshold", bytes, 0, 64 * 1024 * 1024));
            return this;
        }

        /**
         * How long a session whose connection dropped waits for its client to resume it; {@code Duration.ZERO}
         * (the default) turns resumption off. In [0, 1h].
         */
        public Builder<M> resumeGrace(Duration resumeGrace) {
            this.resumeGrace = options.set(
                    "resumeGrace",
                    Checks.duration(component, "resumeGrace", resumeGrace, Duration.ZERO, Duration.ofHours(1)));
            return this;
        }

        /** Messages kept per session for replay after a resume; default 1024; needs {@code resumeGrace}. */
        public Builder<M> replayBufferMessages(int messages) {
            this.replayBufferMessages = options.set(
                    "replayBufferMessages", Checks.inRange(component, "replayBufferMessages", messages, 1, 1 << 20));
            return this;
        }

        /** The bus carrying room broadcasts to other instances; default a private {@link RoomBus#local()}. */
        public Builder<M> roomBus(RoomBus roomBus) {
            this.roomBus = options.set("roomBus", Objects.requireNonNull(roomBus, "roomBus"));
            return this;
        }

        /** This instance's id on the room bus; default a random UUID. */
        public Builder<M> instanceId(String instanceId) {
            this.instanceId = options.set("instanceId", Checks.name(component + " instanceId", instanceId));
            return this;
        }

        /** Hears opens, closes, drops and rejections. */
        public Builder<M> listener(WsServerListener listener) {
            this.listener = options.set("listener", Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /** The time source for heartbeats, rate limits and resume grace; default {@link Ticker#system()}. */
        public Builder<M> ticker(Ticker ticker) {
            this.ticker = options.set("ticker", Objects.requireNonNull(ticker, "ticker"));
            return this;
        }

        /** Event-loop threads of a standalone server; default the number of processors. */
        public Builder<M> eventLoopThreads(int threads) {
            this.eventLoopThreads =
                    options.set("eventLoopThreads", Checks.inRange(component, "eventLoopThreads", threads, 1, 1024));
            return this;
        }

        /** Decides about each upgrade request; default accept all. */
        public Builder<M> authenticator(HandshakeAuthenticator authenticator) {
            this.authenticator = options.set("authenticator", Objects.requireNonNull(authenticator, "authenticator"));
            return this;
        }

        /** Time from accept to a completed handshake (authentication included); default 10 s. */
        public Builder<M> handshakeTimeout(Duration handshakeTimeout) {
            this.handshakeTimeout = options.set(
                    "handshakeTimeout",
                    Checks.duration(
                            component,
                            "handshakeTimeout",
                            handshakeTimeout,
                            Duration.ofMillis(10),
                            Duration.ofMinutes(10)));
            return this;
        }

        /** How long {@link WsServer#close()} waits for queued messages to leave; default 5 s, in [0, 10min]. */
        public Builder<M> closeTimeout(Duration closeTimeout) {
            this.closeTimeout = options.set(
                    "closeTimeout",
                    Checks.duration(component, "closeTimeout", closeTimeout, Duration.ZERO, Duration.ofMinutes(10)));
            return this;
        }

        /**
         * Checks the options together and builds the server (not started: see {@link WsServer#start()}).
         *
         * @throws IllegalArgumentException naming the option if options contradict each other
         */
        public WsServer<M> build() {
            int message = maxMessageSize();
            if (message < maxFrameSize) {
                throw new IllegalArgumentException(
                        component + ": maxMessageSize must be >= maxFrameSize (" + maxFrameSize + "), was " + message);
            }
            int perIp = maxConnectionsPerIp();
            if (perIp > maxConnections) {
                throw new IllegalArgumentException(component + ": maxConnectionsPerIp must be <= maxConnections ("
                        + maxConnections + "), was " + perIp);
            }
            if (options.isSet("replayBufferMessages") && resumeGrace.isZero()) {
                throw new IllegalArgumentException(
                        component + ": replayBufferMessages needs resumeGrace > 0 (resumption is off)");
            }
            return new WsServerImpl<>(this);
        }

        /** {@code maxMessageSize}, whose default grows to {@code maxFrameSize} when that is larger. */
        int maxMessageSize() {
            return options.isSet("maxMessageSize") ? maxMessageSize : Math.max(maxMessageSize, maxFrameSize);
        }

        /** {@code maxConnectionsPerIp}, whose default shrinks to {@code maxConnections} when that is smaller. */
        int maxConnectionsPerIp() {
            return options.isSet("maxConnectionsPerIp")
                    ? maxConnectionsPerIp
                    : Math.min(maxConnectionsPerIp, maxConnections);
        }

        /** {@code inboundBurst}, whose default grows to {@code inboundRate} when that is larger. */
        int inboundBurst() {
            return options.isSet("inboundBurst") ? inboundBurst : Math.max(inboundBurst, inboundRate);
        }

        /** Messages kept for replay: {@code replayBufferMessages}, or 0 when resumption is off. */
        int replayBufferMessages() {
            return resumeGrace.isZero() ? 0 : replayBufferMessages;
        }
    }
}

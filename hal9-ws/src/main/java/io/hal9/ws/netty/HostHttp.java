package io.hal9.ws.netty;

import io.hal9.core.internal.BuilderOptions;
import io.hal9.core.internal.Checks;
import io.netty.channel.Channel;
import java.time.Duration;
import java.util.Objects;

/**
 * A host's own plain HTTP on the WebSocket server's connections: one port for the WebSocket endpoint and the
 * host's HTTP routes (an API, health checks). Give it to {@link WsChannelInitializer#initPipeline(Channel,
 * io.hal9.ws.WsServer, HostHttp)} (or the initializer's constructor).
 *
 * <p>Every connection is accepted by HAL9 first: it takes a slot of the server's connection limits (global and
 * per address; a connection over a limit is answered 503 with {@code Retry-After} and closed, HTTP or not) and
 * must deliver its first request head within {@link #headerTimeout()} (else it is closed without an answer).
 * HAL9's HTTP codec (named {@link #CODEC} in the pipeline, with {@link #maxInitialLineLength()} and {@link
 * #maxHeaderSize()}) decodes that head, and then:
 *
 * <ul>
 *   <li>a {@code GET} with {@code Upgrade: websocket} at the server's path goes on to the WebSocket handshake,
 *       exactly as without a host (authenticator, handshake timeout counted from the accept);
 *   <li>any other request, including one that failed to decode (its {@code decoderResult()} says why, e.g. a
 *       {@code TooLongHttpLineException} for a request line over the limit, which the host answers 414, or a
 *       {@code TooLongHttpHeaderException}, 431), goes to the host: HAL9 removes its own handlers behind the
 *       codec, calls {@link Installer#install(Channel)}, which adds the host's handlers at the end of the
 *       pipeline, and passes the request head and everything after it to them. From then on the connection is
 *       the host's: its keep-alive, timeouts and later requests (a later WebSocket upgrade on it included) are
 *       the host's to handle.
 * </ul>
 *
 * <p>A host connection keeps its connection slot until it closes, and counts neither as a session nor as a
 * handshaking connection in {@link io.hal9.ws.WsServer.Stats}. {@link io.hal9.ws.WsServer#close()} closes the
 * host's connections too (they hold slots): a host that wants its requests in flight answered first waits for
 * them before closing the server.
 *
 * <p>Limits: the request line is at most {@link #maxInitialLineLength()} bytes and the header block at most
 * {@link #maxHeaderSize()} (for upgrades too); the codec's chunks are at most 8 KiB. Limits on bodies, the
 * number of headers, later requests' timeouts and keep-alive are the host's.
 *
 * <p>Thread safety: immutable; {@link Installer#install} is called on the connection's event loop.
 */
public final class HostHttp {
    /** The name of HAL9's {@code HttpServerCodec} in the pipeline. */
    public static final String CODEC = "hal9-http";
    /** Default {@link #maxInitialLineLength()}: 4 KiB. */
    public static final int DEFAULT_MAX_INITIAL_LINE_LENGTH = 4096;
    /** Default {@link #maxHeaderSize()}: 8 KiB. */
    public static final int DEFAULT_MAX_HEADER_SIZE = 8192;
    /** Default {@link #headerTimeout()}: 10 s. */
    public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(10);

    /** What the host puts into a connection that turned out to be plain HTTP. */
    @FunctionalInterface
    public interface Installer {
        /**
         * Adds the host's HTTP handlers at the end of {@code channel}'s pipeline (after {@link #CODEC}); the
         * request head that made the decision is passed to them right after this returns. Called on the
         * channel's event loop, once per host connection; must not block. If it throws, the connection is
         * closed.
         */
        void install(Channel channel);
    }

    private final Installer installer;
    private final int maxInitialLineLength;
    private final int maxHeaderSize;
    private final Duration headerTimeout;

    private HostHttp(Builder b) {
        this.installer = b.installer;
        this.maxInitialLineLength = b.maxInitialLineLength;
        this.maxHeaderSize = b.maxHeaderSize;
        this.headerTimeout = b.headerTimeout;
    }

    /** Starts a builder; {@code installer} adds the host's handlers to each plain HTTP connection. */
    public static Builder builder(Installer installer) {
        return new Builder(Objects.requireNonNull(installer, "installer"));
    }

    /** Adds the host's handlers to a plain HTTP connection. */
    public Installer installer() {
        return installer;
    }

    /** The longest request line (method, URI, version) the codec accepts, in bytes. */
    public int maxInitialLineLength() {
        return maxInitialLineLength;
    }

    /** The largest header block the codec accepts, in bytes. */
    public int maxHeaderSize() {
        return maxHeaderSize;
    }

    /** How long a new connection has to deliver its first request head. */
    public Duration headerTimeout() {
        return headerTimeout;
    }

    @Override
    public String toString() {
        return "HostHttp[maxInitialLineLength=" + maxInitialLineLength + ", maxHeaderSize=" + maxHeaderSize
                + ", headerTimeout=" + headerTimeout + "]";
    }

    /**
     * Builds a {@link HostHttp}; each option may be set once and is checked when set.
     *
     * <p>Thread safety: not thread-safe; use from one thread.
     */
    public static final class Builder {
        private static final String COMPONENT = "host http";
        private final Installer installer;
        private int maxInitialLineLength = DEFAULT_MAX_INITIAL_LINE_LENGTH;
        private int maxHeaderSize = DEFAULT_MAX_HEADER_SIZE;
        private Duration headerTimeout = DEFAULT_HEADER_TIMEOUT;
        private final BuilderOptions options = new BuilderOptions(COMPONENT);

        private Builder(Installer installer) {
            this.installer = installer;
        }

        /** The longest request line, in [64, 65536] bytes; default {@value #DEFAULT_MAX_INITIAL_LINE_LENGTH}. */
        public Builder maxInitialLineLength(int bytes) {
            this.maxInitialLineLength = options.set(
                    "maxInitialLineLength", Checks.inRange(COMPONENT, "maxInitialLineLength", bytes, 64, 65_536));
            return this;
        }

        /** The largest header block, in [256, 262144] bytes; default {@value #DEFAULT_MAX_HEADER_SIZE}. */
        public Builder maxHeaderSize(int bytes) {
            this.maxHeaderSize =
                    options.set("maxHeaderSize", Checks.inRange(COMPONENT, "maxHeaderSize", bytes, 256, 262_144));
            return this;
        }

        /** Time from the accept to the first request head, in [10 ms, 10 min]; default 10 s. */
        public Builder headerTimeout(Duration timeout) {
            this.headerTimeout = options.set(
                    "headerTimeout",
                    Checks.duration(
                            COMPONENT, "headerTimeout", timeout, Duration.ofMillis(10), Duration.ofMinutes(10)));
            return this;
        }

        /** The options. */
        public HostHttp build() {
            return new HostHttp(this);
        }
    }
}

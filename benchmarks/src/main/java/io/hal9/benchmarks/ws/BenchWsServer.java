package io.hal9.benchmarks.ws;

/**
 * A WebSocket server under test that speaks {@link WsProtocol}: the raw Netty anchor or hal9-ws.
 *
 * <p>Thread safety: {@link #connections()} and {@link #close()} may be called from any thread.
 */
interface BenchWsServer extends AutoCloseable {
    /** The implementations the benchmark races, by their command-line name. */
    enum Impl {
        RAW,
        HAL9;

        static Impl parse(String name) {
            return valueOf(name.toUpperCase(java.util.Locale.ROOT));
        }

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** What the server is configured for; it changes only settings, never the protocol. */
    enum Mode {
        IDLE,
        BROADCAST,
        SLOW;

        static Mode parse(String name) {
            return valueOf(name.toUpperCase(java.util.Locale.ROOT));
        }
    }

    /** Starts a server of the given kind on {@code port} (0 picks a free port) of 127.0.0.1. */
    static BenchWsServer start(Impl impl, Mode mode, int port) {
        return switch (impl) {
            case RAW -> RawWsServer.start(mode, port);
            case HAL9 -> Hal9WsServer.start(mode, port);
        };
    }

    /** The port the server listens on. */
    int port();

    /** Open WebSocket sessions (handshake completed, not yet closed). */
    long connections();

    /** A one-line human-readable description of the configuration, printed with every result. */
    String describeConfig();

    /** The server's own counters in one line, printed when it stops; empty when it has none. */
    default String describeStats() {
        return "";
    }

    /** Stops accepting, closes every session and releases the event loops; idempotent. */
    @Override
    void close();
}

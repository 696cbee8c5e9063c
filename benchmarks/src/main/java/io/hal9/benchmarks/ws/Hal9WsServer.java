package io.hal9.benchmarks.ws;

/** Placeholder until hal9-ws publishes its API. */
final class Hal9WsServer {
    private Hal9WsServer() {}

    static BenchWsServer start(BenchWsServer.Mode mode, int port) {
        throw new UnsupportedOperationException("hal9-ws is not available yet (mode " + mode + ", port " + port + ")");
    }
}

package io.hal9.ws;

/**
 * The validated options of one server; built by {@code WsServer.Builder}. Times in nanoseconds.
 *
 * <p>Not part of the API. Thread safety: immutable.
 */
record WsConfig(
        String name,
        String component,
        String host,
        int port,
        String path,
        int maxConnections,
        int maxConnectionsPerIp,
        int maxFrameSize,
        int maxMessageSize,
        int sendQueueMessages,
        long sendQueueBytes,
        OverflowPolicy overflowPolicy,
        long heartbeatIntervalNanos,
        long heartbeatTimeoutNanos,
        int inboundRate,
        int inboundBurst,
        int maxRateLimitedInRow,
        int maxDecodeErrors,
        boolean compression,
        int compressionThreshold,
        long resumeGraceNanos,
        int replayBufferMessages,
        String instanceId,
        int eventLoopThreads,
        long handshakeTimeoutNanos,
        long closeTimeoutNanos) {

    /** Whether sessions are kept for resumption after their connection drops. */
    boolean resumable() {
        return resumeGraceNanos > 0;
    }
}

package io.hal9.ws;

/**
 * The WebSocket close codes HAL9 sends and counts (RFC 6455 section 7.4 and HAL9's own 4000 range).
 *
 * <p>Thread safety: constants only.
 */
public final class WsCloseCodes {
    private WsCloseCodes() {}

    /** 1000: normal closure (client or host closed on purpose); the session is not kept for resumption. */
    public static final int NORMAL = 1000;
    /** 1001: going away: server shutdown, or heartbeat timeout (the client did not answer pings). */
    public static final int GOING_AWAY = 1001;
    /** 1002: protocol error (malformed frames). */
    public static final int PROTOCOL_ERROR = 1002;
    /** 1003: unsupported data: {@code maxDecodeErrors} undecodable messages in a row. */
    public static final int UNSUPPORTED_DATA = 1003;
    /** 1006: abnormal closure, never sent on the wire: counted when a connection dropped without a close frame. */
    public static final int ABNORMAL = 1006;
    /** 1007: invalid payload data: a text frame that is not valid UTF-8. */
    public static final int INVALID_PAYLOAD = 1007;
    /** 1008: policy violation: slow consumer (overflow policy DISCONNECT) or persistent rate-limit abuse. */
    public static final int POLICY_VIOLATION = 1008;
    /** 1009: message too big: a frame over {@code maxFrameSize} or a message over {@code maxMessageSize}. */
    public static final int MESSAGE_TOO_BIG = 1009;
    /** 1011: internal error on the server. */
    public static final int INTERNAL_ERROR = 1011;
    /** 1013: try again later: the connection limit was reached after the handshake (rare; see limits). */
    public static final int TRY_AGAIN_LATER = 1013;
}

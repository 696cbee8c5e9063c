package io.hal9.ws;

import java.util.Map;

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
public record WsServerStats(
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
    public WsServerStats {
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

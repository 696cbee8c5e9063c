/**
 * Backpressured WebSocket sessions on Netty for game servers: bounded send queues with a non-blocking
 * {@link io.hal9.ws.Session#trySend try-send}, connection limits checked before the handshake, per-turn
 * batching, rooms with encode-once broadcast, and a {@link io.hal9.ws.RoomBus} that carries broadcasts to the
 * other instances of the host.
 *
 * <p>Start with {@link io.hal9.ws.WsServer#builder}; implement a {@link io.hal9.ws.WsHandler}; pick a {@link
 * io.hal9.ws.Codecs codec}; optionally a {@link io.hal9.ws.HandshakeAuthenticator}.
 *
 * <h2>Limits, and what happens at each</h2>
 *
 * <table>
 *   <caption>Limits of a WsServer</caption>
 *   <tr><th>limit (builder option, default)</th><th>checked</th><th>what happens</th><th>counted as</th></tr>
 *   <tr><td>{@code maxConnections} (1000)</td><td>when the TCP connection becomes active, before the
 *       handshake</td><td>the upgrade request is answered {@code 503} with {@code Retry-After: 1} and the
 *       connection closed; nothing else is allocated. A connection over a limit has 1 s to send its request, and
 *       at most 1,024 of them wait at once: beyond, one is closed at accept without an answer, so a flood from
 *       one address cannot take the process's file descriptors</td><td>{@code handshakeRejections["connection-limit"]}</td></tr>
 *   <tr><td>{@code maxConnectionsPerIp} (256)</td><td>same</td><td>same</td>
 *       <td>{@code handshakeRejections["per-ip-limit"]}</td></tr>
 *   <tr><td>{@code handshakeTimeout} (10 s)</td><td>from accept to a completed handshake, authentication
 *       included</td><td>connection closed</td><td>{@code handshakeRejections["timeout"]}</td></tr>
 *   <tr><td>authenticator</td><td>on the upgrade request</td><td>the status and reason it chose (e.g. 401);
 *       a failed stage: 503</td><td>{@code handshakeRejections["auth-<status>"]}, {@code ["auth-error"]}</td></tr>
 *   <tr><td>path, upgrade headers</td><td>on the request</td><td>404 / 400</td>
 *       <td>{@code handshakeRejections["path"]}, {@code ["not-websocket"]}</td></tr>
 *   <tr><td>{@code maxFrameSize} (64 KiB)</td><td>frame header, before the payload is read</td><td>close
 *       1009</td><td>{@code closedByCode[1009]}</td></tr>
 *   <tr><td>{@code maxMessageSize} (256 KiB)</td><td>while joining fragments</td><td>close 1009</td>
 *       <td>{@code closedByCode[1009]}</td></tr>
 *   <tr><td>UTF-8 of text frames</td><td>every text frame</td><td>close 1007</td>
 *       <td>{@code closedByCode[1007]}</td></tr>
 *   <tr><td>codec</td><td>every message</td><td>a refusal to the client (an {@code error} control message
 *       with {@code reason "decode"}, or the host's own message: {@link io.hal9.ws.WsHandler#refusal}), the
 *       session goes on; {@code maxDecodeErrors} (10) in a row: close 1003</td>
 *       <td>{@code decodeErrors}, {@code closedByCode[1003]}</td></tr>
 *   <tr><td>{@code inboundRate} / {@code inboundBurst} (200/s, 400)</td><td>token bucket per session, every
 *       message and every control frame (ping, pong)</td><td>the message or frame is discarded (not queued,
 *       not given to the handler; a ping is not answered); the first refusal of a run is answered (an {@code
 *       error} control message with {@code reason "rate-limited"}, or the host's own message); {@code
 *       maxRateLimitedInRow} (1000) refusals in one run (a run ends after a second without a refusal): close
 *       1008</td><td>{@code rateLimited}, {@code rateLimitDisconnects}, {@code closedByCode[1008]}</td></tr>
 *   <tr><td>pongs</td><td>every ping admitted by the rate limit</td><td>at most one pong is pending per
 *       session: it carries the payload of the latest ping (RFC 6455 lets an endpoint answer only the most
 *       recent one) and is written when the channel is writable, like the send queue; a ping arriving while
 *       it waits replaces its payload. A client that pings and never reads costs one payload of at most 125
 *       bytes, not a pong per ping</td><td>{@code controlFramesIn}, {@code pongsCoalesced}</td></tr>
 *   <tr><td>{@code sendQueueMessages} / {@code sendQueueBytes} (4096, 1 MiB)</td><td>every send, on the
 *       sender's thread</td><td>the {@link io.hal9.ws.OverflowPolicy}: {@code DROP_NEWEST} (default; {@code
 *       trySend} answers {@code FULL}), {@code DROP_OLDEST}, or {@code DISCONNECT} (close 1008 "slow
 *       consumer")</td><td>{@code droppedByPolicy}, {@code slowConsumerDisconnects}</td></tr>
 *   <tr><td>socket write buffer (Netty water marks 32/64 KiB)</td><td>while draining</td><td>draining pauses
 *       until the channel is writable again; messages wait in the send queue</td><td>{@code queuedMessages},
 *       {@code queuedBytes}</td></tr>
 *   <tr><td>{@code heartbeatInterval} / {@code heartbeatTimeout} (15 s, 10 s)</td><td>one sweep per event loop,
 *       every quarter of the shorter</td><td>a silent client is pinged; one that sends nothing (no pong) within
 *       the timeout is closed with 1001 "heartbeat timeout"</td><td>{@code closedByCode[1001]}</td></tr>
 *   <tr><td>file descriptors</td><td>accept on the listening socket</td><td>the failure is counted, logged at
 *       most once per 10 s, accepting pauses 50 ms and resumes</td><td>{@code acceptErrors}</td></tr>
 *   <tr><td>{@code closeTimeout} (5 s)</td><td>{@link io.hal9.ws.WsServer#close()} and {@link
 *       io.hal9.ws.Session#close(int, String)}</td><td>queued messages and the close frame get this long; then the
 *       connection is closed</td><td>{@code closedByCode}</td></tr>
 *   <tr><td>the room bus ({@link io.hal9.ws.RedisRoomBus}: at most once, {@code maxInFlight} 10,000
 *       publications waiting for Redis)</td><td>every broadcast to a room that other instances share</td><td>a
 *       publication beyond the bound is dropped, one Redis refuses fails; a receiver that sees a gap in an
 *       instance's numbered broadcasts, or takes a lost subscription up again, tells the host through {@link
 *       io.hal9.ws.WsHandler#onBroadcastsMissed}, which may send again what its members need</td><td>the bus's
 *       {@code dropped}, {@code failed}, {@code missed}, {@code subscriptionsLost}</td></tr>
 * </table>
 *
 * <p>A client that stops reading costs at most {@code sendQueueBytes} in the send queue plus the socket's
 * write buffer (64 KiB high water mark) plus one pending pong plus the kernel's socket buffers, whatever the
 * server keeps sending and whatever the client sends (pings included).
 * With the defaults a client receiving 5,000 messages/s of 64 bytes that pauses 200 ms has about 1,000
 * messages queued: nothing is lost.
 *
 * <h2>Memory after a flood (RSS)</h2>
 *
 * <p>Direct memory is <em>capped</em> by the limits above, not trimmed: whatever clients send or fail to read,
 * a session holds at most {@code sendQueueBytes} of queued messages, the socket's 64 KiB write buffer, one
 * pending pong and the frame being read ({@code maxMessageSize}). Messages are encoded with Netty's {@code
 * PooledByteBufAllocator.DEFAULT}; the channels read with Netty's default allocator (adaptive in Netty 4.2).
 * When the queues empty, the pool frees its chunks by itself: no trimming is needed, or offered. What keeps the
 * process's RSS up afterwards is below the JVM: glibc keeps freed chunks in its malloc arenas (its mmap
 * threshold rises after the first large free), and G1 keeps the heap it grew committed. Measured on a 2-core
 * machine: 250 clients that never read, each send queue filled to 1 MiB (231 MiB queued, 252 MiB in the pool),
 * then disconnected, {@code -Xmx256m}: RSS 86 MiB before, 499 MiB at the peak, 499 MiB 30 s after (the pool
 * back at 8 MiB). With {@code MALLOC_MMAP_THRESHOLD_=131072} in the environment (a fixed threshold: chunks are
 * mmapped and given back when freed): 285 MiB 30 s after; with {@code -XX:G1PeriodicGCInterval=5000} too (G1
 * gives back the heap it does not use): 143 MiB 1 s after and 118 MiB 30 s after. Hosts that must return to
 * their baseline RSS after a flood should run with both settings; the cap above bounds the peak either way.
 *
 * <h2>Batching</h2>
 *
 * <p>Everything queued for a session during one event-loop turn leaves in one flush. A client that asks for it
 * (subprotocol {@code hal9.batch} in {@code Sec-WebSocket-Protocol}, or query parameter {@code batch=1}) gets
 * <em>every</em> data frame as a batch of one or more messages, up to 16 KiB: a text frame holds a JSON array
 * of the messages ({@code [m1,m2]}); a binary frame holds the messages one after another, each preceded by its
 * length as a 4-byte big-endian unsigned integer. Control messages are never batched.
 *
 * <h2>Control messages</h2>
 *
 * <p>The server sends these as text frames, whatever the codec: JSON objects whose key {@code "hal9"} names
 * the kind; the key {@code "hal9"} is reserved in the host's JSON messages.
 *
 * <ul>
 *   <li>{@code {"hal9":"error","reason":"decode"|"rate-limited","detail":"..."}}: a message was refused
 *       (unless the host encodes its refusals itself: {@link io.hal9.ws.WsHandler#refusal}).
 *   <li>{@code {"hal9":"session","resumeToken":"..."}}: first message of a session when resumption is on.
 *   <li>{@code {"hal9":"resumed","seq":n,"replayed":k}}: the session was resumed; the next {@code k} data
 *       messages are the ones numbered {@code n+1 ... n+k}, replayed.
 *   <li>{@code {"hal9":"resync","reason":"...","seq":n}}: the client cannot be brought up to date by replay
 *       (reason {@code gap}: it missed more than the replay buffer holds; {@code unknown or expired resume
 *       token}: a new session was opened instead); it must fetch the game state again. The next data message
 *       is numbered {@code n+1}.
 * </ul>
 *
 * <h2>Session resumption</h2>
 *
 * <p>Off by default; on with {@code resumeGrace} &gt; 0. Every data message a session writes is numbered
 * 1, 2, 3... (control messages are not; a batch frame of k messages counts k): the client counts the data
 * messages it has processed. When a connection drops without a close frame, or stops answering pings, the
 * session is <em>detached</em>, not closed: it keeps its rooms and attributes, and messages sent to it are
 * queued (within the send-queue bounds and policy). A client that reconnects within {@code resumeGrace} with
 * {@code ?resume=<token>&lastSeq=<last number it processed>} gets the same session: {@code resumed}, then the
 * messages numbered after {@code lastSeq} that the server had already written (kept in a per-session replay
 * buffer of {@code replayBufferMessages}, retained buffers, no copy), in order and without duplicates, then
 * what was queued while it was away. If the old connection still looks alive, it is closed and the new one
 * takes the session over. A close frame from either side (any code) or {@link
 * io.hal9.ws.Session#close(int, String)} ends the session for good; so does the end of the grace
 * ({@code onClose} with 1006, or 1001 after a heartbeat timeout). The authenticator runs for a resuming
 * request as for any other; the batching choice of the first connection is kept.
 *
 * <p>Thread safety: see each type; everything a host holds is safe to use from any thread.
 */
@NullMarked
package io.hal9.ws;

import org.jspecify.annotations.NullMarked;

package io.hal9.metrics.ws;

import io.hal9.metrics.internal.BinderBuilder;
import io.hal9.metrics.internal.ComponentBinder;
import io.hal9.metrics.internal.MeterSupport;
import io.hal9.ws.OverflowPolicy;
import io.hal9.ws.WsCloseCodes;
import io.hal9.ws.WsServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Binds a {@link WsServer} to a {@link MeterRegistry}, from {@link WsServer#stats()} alone (the send and
 * receive paths get no extra callback, so binding costs them nothing).
 *
 * <pre>{@code
 * WsServerMetrics.monitor(registry, server); // or WsServerMetrics.builder(server).build().bindTo(registry)
 * }</pre>
 *
 * <p>Meters (tag {@code name} = the server's name, plus the builder's tags):
 *
 * <ul>
 *   <li>gauges: {@code hal9.ws.connections} (open), {@code hal9.ws.connections.pending} (in handshake),
 *       {@code hal9.ws.sessions.detached} (waiting for a resume), {@code hal9.ws.rooms} (open rooms), {@code
 *       hal9.ws.send.queue.messages} and {@code hal9.ws.send.queue.bytes} (queued for sending, all sessions
 *       together: the send-queue depth)
 *   <li>function counters: {@code hal9.ws.connections.opened}, {@code hal9.ws.connections.closed} (tag
 *       {@code code}: each close code of {@link WsCloseCodes}, or {@code other}), {@code
 *       hal9.ws.sessions.resumed}, {@code hal9.ws.messages} and {@code hal9.ws.bytes} (tag {@code
 *       direction} = {@code in}, {@code out}), {@code hal9.ws.messages.dropped} (tag {@code policy} =
 *       {@code drop_newest}, {@code drop_oldest}, {@code disconnect}), {@code
 *       hal9.ws.slow.consumer.disconnects}, {@code hal9.ws.rate.limit.disconnects}, {@code
 *       hal9.ws.handshake.rejections}, {@code hal9.ws.decode.errors}, {@code hal9.ws.rate.limited} (messages
 *       and control frames), {@code hal9.ws.control.frames} (tag {@code direction} = {@code in}: pings and
 *       pongs from clients), {@code hal9.ws.pongs.coalesced}, {@code hal9.ws.accept.errors}, {@code
 *       hal9.ws.handler.errors}
 * </ul>
 *
 * <p>Limits: handshake rejections are counted in total, not by reason: the reason is the host
 * authenticator's free text, unbounded as a tag. Close codes outside {@link WsCloseCodes} are summed
 * under {@code code="other"}.
 *
 * <p>Thread safety: may be bound from any thread.
 */
public final class WsServerMetrics extends ComponentBinder<WsServer<?>> {
    private static final int[] CODES = {
        WsCloseCodes.NORMAL,
        WsCloseCodes.GOING_AWAY,
        WsCloseCodes.PROTOCOL_ERROR,
        WsCloseCodes.UNSUPPORTED_DATA,
        WsCloseCodes.ABNORMAL,
        WsCloseCodes.INVALID_PAYLOAD,
        WsCloseCodes.POLICY_VIOLATION,
        WsCloseCodes.MESSAGE_TOO_BIG,
        WsCloseCodes.INTERNAL_ERROR,
        WsCloseCodes.TRY_AGAIN_LATER
    };

    private WsServerMetrics(Builder b) {
        super(b);
    }

    /** Starts a binder for {@code server}. */
    public static Builder builder(WsServer<?> server) {
        return new Builder(server);
    }

    /**
     * Binds every meter of the server (connections, sessions, rooms, send queues, message and error totals) with one call.
     *
     * @param tags tags added to every meter (not {@code name}: that is the server's name)
     * @return {@code server}
     */
    public static <M> WsServer<M> monitor(MeterRegistry registry, WsServer<M> server, Iterable<Tag> tags) {
        return bindOne(registry, server, WsServerMetrics::builder, tags);
    }

    /** As {@link #monitor(MeterRegistry, WsServer, Iterable)}, with tags as key-value pairs. */
    public static <M> WsServer<M> monitor(MeterRegistry registry, WsServer<M> server, String... tags) {
        return monitor(registry, server, Tags.of(tags));
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        MeterSupport<WsServer<?>> m = meters(registry)
                .gauge(
                        "hal9.ws.connections",
                        null,
                        "Open WebSocket connections",
                        s -> s.stats().openConnections())
                .gauge(
                        "hal9.ws.connections.pending",
                        null,
                        "Connections in their handshake",
                        s -> s.stats().pendingConnections())
                .gauge(
                        "hal9.ws.sessions.detached",
                        null,
                        "Sessions whose connection was lost, waiting for a resume",
                        s -> s.stats().detachedSessions())
                .gauge(
                        "hal9.ws.rooms",
                        null,
                        "Rooms open now (with a local member or a hold; the others are reclaimed)",
                        s -> s.stats().openRooms())
                .gauge(
                        "hal9.ws.send.queue.messages",
                        null,
                        "Messages queued for sending, all sessions together",
                        s -> s.stats().queuedMessages())
                .gauge(
                        "hal9.ws.send.queue.bytes",
                        "bytes",
                        "Bytes queued for sending, all sessions together",
                        s -> s.stats().queuedBytes())
                .counter(
                        "hal9.ws.connections.opened",
                        "Connections opened",
                        s -> s.stats().openedTotal())
                .counter(
                        "hal9.ws.sessions.resumed",
                        "Sessions resumed on a new connection",
                        s -> s.stats().resumedTotal())
                .counter(
                        "hal9.ws.messages",
                        "Messages, by direction",
                        s -> s.stats().messagesIn(),
                        "direction",
                        "in")
                .counter(
                        "hal9.ws.messages",
                        "Messages, by direction",
                        s -> s.stats().messagesOut(),
                        "direction",
                        "out")
                .counter(
                        "hal9.ws.bytes",
                        "bytes",
                        "Payload bytes, by direction",
                        s -> s.stats().bytesIn(),
                        "direction",
                        "in")
                .counter(
                        "hal9.ws.bytes",
                        "bytes",
                        "Payload bytes, by direction",
                        s -> s.stats().bytesOut(),
                        "direction",
                        "out")
                .counter(
                        "hal9.ws.slow.consumer.disconnects",
                        "Sessions closed because they did not keep up",
                        s -> s.stats().slowConsumerDisconnects())
                .counter(
                        "hal9.ws.handshake.rejections",
                        "Handshakes refused (any reason)",
                        s -> sum(s.stats().handshakeRejections()))
                .counter(
                        "hal9.ws.rate.limit.disconnects",
                        "Sessions closed with 1008 for staying over the inbound rate",
                        s -> s.stats().rateLimitDisconnects())
                .counter(
                        "hal9.ws.control.frames",
                        "Pings and pongs received from clients",
                        s -> s.stats().controlFramesIn(),
                        "direction",
                        "in")
                .counter(
                        "hal9.ws.pongs.coalesced",
                        "Pings answered by the pong already pending for their session",
                        s -> s.stats().pongsCoalesced())
                .counter(
                        "hal9.ws.decode.errors",
                        "Inbound messages that could not be decoded",
                        s -> s.stats().decodeErrors())
                .counter(
                        "hal9.ws.rate.limited",
                        "Inbound messages refused by the per-session rate limit",
                        s -> s.stats().rateLimited())
                .counter(
                        "hal9.ws.accept.errors",
                        "Connections that failed before their handshake",
                        s -> s.stats().acceptErrors())
                .counter(
                        "hal9.ws.handler.errors",
                        "Exceptions thrown by the host's handler",
                        s -> s.stats().handlerErrors());
        String closed = "Connections closed, by close code";
        for (int code : CODES) {
            m.counter(
                    "hal9.ws.connections.closed",
                    closed,
                    s -> s.stats().closedByCode().getOrDefault(code, 0L),
                    "code",
                    Integer.toString(code));
        }
        m.counter("hal9.ws.connections.closed", closed, s -> otherCodes(s.stats()), "code", "other");
        for (OverflowPolicy policy : OverflowPolicy.values()) {
            m.counter(
                    "hal9.ws.messages.dropped",
                    "Messages dropped by a full send queue, by overflow policy",
                    s -> s.stats().droppedByPolicy().getOrDefault(policy, 0L),
                    "policy",
                    policy.name().toLowerCase(Locale.ROOT));
        }
    }

    private static double sum(Map<?, Long> counts) {
        long total = 0;
        for (Long v : counts.values()) {
            total += v;
        }
        return total;
    }

    private static double otherCodes(WsServer.Stats stats) {
        long other = 0;
        for (Map.Entry<Integer, Long> e : stats.closedByCode().entrySet()) {
            boolean known = false;
            for (int code : CODES) {
                if (code == e.getKey()) {
                    known = true;
                    break;
                }
            }
            if (!known) {
                other += e.getValue();
            }
        }
        return other;
    }

    /**
     * Configures a {@link WsServerMetrics}. Each option may be set once.
     *
     * <p>Thread safety: not thread-safe; use from one thread.
     */
    public static final class Builder extends BinderBuilder<WsServer<?>, Builder> {
        private Builder(WsServer<?> server) {
            super(server, Objects.requireNonNull(server, "server").name(), "ws metrics");
        }

        /** Builds the binder; registers nothing until {@link WsServerMetrics#bindTo}. */
        @Override
        public WsServerMetrics build() {
            return new WsServerMetrics(this);
        }
    }
}

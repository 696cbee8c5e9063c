package io.hal9.metrics.ws;

import io.hal9.core.internal.Checks;
import io.hal9.metrics.internal.BinderBuilder;
import io.hal9.metrics.internal.ComponentBinder;
import io.hal9.ws.RedisRoomBus;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import java.util.Objects;

/**
 * Binds a {@link RedisRoomBus} to a {@link MeterRegistry}.
 *
 * <pre>{@code
 * RedisRoomBusMetrics.monitor(registry, bus, "rooms");
 * // or: RedisRoomBusMetrics.builder(bus, "rooms").build().bindTo(registry)
 * }</pre>
 *
 * <p>Meters (tag {@code name} = the name given, plus the builder's tags), all function counters: {@code
 * hal9.ws.roombus.broadcasts} with tag {@code result} = {@code published}, {@code received}, {@code
 * dropped} (too many publications waiting for Redis), {@code failed} (Redis unreachable, a shard failing
 * over) and {@code missed} (other instances' broadcasts never received, from gaps in their per-room
 * sequence numbers); {@code hal9.ws.roombus.subscriptions.lost} (room channel subscriptions lost to a
 * disconnect or failover).
 *
 * <p>Limits: {@code missed} is counted when the next broadcast of the same origin to the same room
 * arrives; broadcasts lost at the end of a room are not counted.
 *
 * <p>Thread safety: may be bound from any thread.
 */
public final class RedisRoomBusMetrics extends ComponentBinder<RedisRoomBus> {
    private RedisRoomBusMetrics(Builder b) {
        super(b);
    }

    /** Starts a binder for {@code bus}, named {@code name} in the meters' {@code name} tag. */
    public static Builder builder(RedisRoomBus bus, String name) {
        return new Builder(bus, name);
    }

    /**
     * Binds the bus's meters in one call: {@code RedisRoomBusMetrics.builder(bus, name).tags(tags).build()
     * .bindTo(registry)}.
     *
     * @param name the bus's name in the meters' {@code name} tag (a bus has no name of its own)
     * @param tags tags added to every meter (not {@code name})
     * @return {@code bus}
     */
    public static RedisRoomBus monitor(MeterRegistry registry, RedisRoomBus bus, String name, Iterable<Tag> tags) {
        return bindOne(registry, bus, b -> builder(b, name), tags);
    }

    /** As {@link #monitor(MeterRegistry, RedisRoomBus, String, Iterable)}, with tags as key-value pairs. */
    public static RedisRoomBus monitor(MeterRegistry registry, RedisRoomBus bus, String name, String... tags) {
        return monitor(registry, bus, name, Tags.of(tags));
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        String broadcasts = "Room broadcasts through Redis, by result";
        meters(registry)
                .counter("hal9.ws.roombus.broadcasts", broadcasts, RedisRoomBus::published, "result", "published")
                .counter("hal9.ws.roombus.broadcasts", broadcasts, RedisRoomBus::received, "result", "received")
                .counter("hal9.ws.roombus.broadcasts", broadcasts, RedisRoomBus::dropped, "result", "dropped")
                .counter("hal9.ws.roombus.broadcasts", broadcasts, RedisRoomBus::failed, "result", "failed")
                .counter("hal9.ws.roombus.broadcasts", broadcasts, RedisRoomBus::missed, "result", "missed")
                .counter(
                        "hal9.ws.roombus.subscriptions.lost",
                        "Room channel subscriptions lost to a disconnect or a failover",
                        RedisRoomBus::subscriptionsLost);
    }

    /**
     * Configures a {@link RedisRoomBusMetrics}. Each option may be set once.
     *
     * <p>Thread safety: not thread-safe; use from one thread.
     */
    public static final class Builder extends BinderBuilder<RedisRoomBus, Builder> {
        private Builder(RedisRoomBus bus, String name) {
            super(Objects.requireNonNull(bus, "bus"), Checks.name("room bus metrics", name), "room bus metrics");
        }

        /** Builds the binder; registers nothing until {@link RedisRoomBusMetrics#bindTo}. */
        @Override
        public RedisRoomBusMetrics build() {
            return new RedisRoomBusMetrics(this);
        }
    }
}

package io.hal9.metrics.core;

import io.hal9.core.BoundedChannel;
import io.hal9.metrics.internal.BinderBuilder;
import io.hal9.metrics.internal.ComponentBinder;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import java.util.Objects;

/**
 * Binds a {@link BoundedChannel} to a {@link MeterRegistry}, from {@link BoundedChannel#stats()} alone
 * (the channel's send path has no callbacks, so binding costs it nothing).
 *
 * <pre>{@code
 * BoundedChannelMetrics.monitor(registry, channel);
 * // or: BoundedChannelMetrics.builder(channel).build().bindTo(registry)
 * }</pre>
 *
 * <p>Meters (tag {@code name} = the channel's name, plus the builder's tags):
 *
 * <ul>
 *   <li>{@code hal9.channel.size} (queue depth), {@code hal9.channel.capacity}, {@code
 *       hal9.channel.waiting.senders}: gauges
 *   <li>{@code hal9.channel.sends} (tag {@code result} = {@code accepted}, {@code full}, {@code
 *       closed}): function counter
 *   <li>{@code hal9.channel.received}: function counter of messages taken by the consumer
 * </ul>
 *
 * <p>Thread safety: may be bound from any thread; meters read the channel's thread-safe {@code stats()}.
 */
public final class BoundedChannelMetrics extends ComponentBinder<BoundedChannel<?>> {
    private BoundedChannelMetrics(Builder b) {
        super(b);
    }

    /** Starts a binder for {@code channel}. */
    public static Builder builder(BoundedChannel<?> channel) {
        return new Builder(channel);
    }

    /**
     * Binds the channel's queue depth, capacity, waiting senders and send results in one call.
     *
     * @param tags tags added to every meter (not {@code name}: that is the channel's name)
     * @return {@code channel}
     */
    public static <T> BoundedChannel<T> monitor(MeterRegistry registry, BoundedChannel<T> channel, Iterable<Tag> tags) {
        return bindOne(registry, channel, BoundedChannelMetrics::builder, tags);
    }

    /** As {@link #monitor(MeterRegistry, BoundedChannel, Iterable)}, with tags as key-value pairs. */
    public static <T> BoundedChannel<T> monitor(MeterRegistry registry, BoundedChannel<T> channel, String... tags) {
        return monitor(registry, channel, Tags.of(tags));
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        String sends = "Messages offered to the channel, by result";
        meters(registry)
                .gauge("hal9.channel.size", null, "Accepted messages not yet taken (queue depth)", BoundedChannel::size)
                .gauge("hal9.channel.capacity", null, "Most messages the channel holds", BoundedChannel::capacity)
                .gauge(
                        "hal9.channel.waiting.senders",
                        null,
                        "Threads waiting in send for space",
                        c -> c.stats().waitingSenders())
                .counter("hal9.channel.sends", sends, c -> c.stats().accepted(), "result", "accepted")
                .counter("hal9.channel.sends", sends, c -> c.stats().refusedFull(), "result", "full")
                .counter("hal9.channel.sends", sends, c -> c.stats().refusedClosed(), "result", "closed")
                .counter(
                        "hal9.channel.received",
                        "Messages taken by the consumer",
                        c -> c.stats().received());
    }

    /**
     * Configures a {@link BoundedChannelMetrics}. Each option may be set once.
     *
     * <p>Thread safety: not thread-safe; use from one thread.
     */
    public static final class Builder extends BinderBuilder<BoundedChannel<?>, Builder> {
        private Builder(BoundedChannel<?> channel) {
            super(channel, Objects.requireNonNull(channel, "channel").name(), "channel metrics");
        }

        /** Builds the binder; registers nothing until {@link BoundedChannelMetrics#bindTo}. */
        @Override
        public BoundedChannelMetrics build() {
            return new BoundedChannelMetrics(this);
        }
    }
}

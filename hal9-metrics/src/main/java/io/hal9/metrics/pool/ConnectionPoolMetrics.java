package io.hal9.metrics.pool;

import io.hal9.metrics.internal.Buckets;
import io.hal9.metrics.internal.MeterRecorder;
import io.hal9.metrics.internal.RecorderBuilder;
import io.hal9.metrics.internal.Recorders;
import io.hal9.metrics.internal.RecordingBinder;
import io.hal9.pool.ConnectionPool;
import io.hal9.pool.ConnectionPoolListener;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Binds a {@link ConnectionPool} to a {@link MeterRegistry}: levels and totals from {@link
 * ConnectionPool#stats()}, and, through a {@link Recorder} that is the pool's listener, the acquire time.
 *
 * <p>One call builds the pool with its recorder as listener and binds both:
 *
 * <pre>{@code
 * ConnectionPool<Conn> pool = ConnectionPoolMetrics.monitor(registry, ConnectionPool.builder("game-db", factory));
 * }</pre>
 *
 * <p>The two-step form still works, and cannot be half-wired: a binder given a recorder that is not the pool's
 * listener refuses to build, and a binder given none finds the recorder the pool was built with.
 *
 * <pre>{@code
 * ConnectionPoolMetrics.Recorder recorder = ConnectionPoolMetrics.recorder(); // or recorder(myListener)
 * ConnectionPool<Conn> pool =
 *         ConnectionPool.builder("game-db", factory).listener(recorder).build();
 * ConnectionPoolMetrics.monitor(registry, pool); // binds the recorder too
 * }</pre>
 *
 * <p>Meters (tag {@code name} = the pool's name, plus the builder's tags):
 *
 * <ul>
 *   <li>{@code hal9.connection.pool.active} (on loan), {@code hal9.connection.pool.idle}, {@code
 *       hal9.connection.pool.pending} (callers waiting), {@code hal9.connection.pool.creating}, {@code
 *       hal9.connection.pool.max}: gauges
 *   <li>{@code hal9.connection.pool.acquired}, {@code hal9.connection.pool.timeouts}, {@code
 *       hal9.connection.pool.creations}, {@code hal9.connection.pool.destroyed}, {@code
 *       hal9.connection.pool.creation.failures}: function counters
 *   <li>with a recorder: {@code hal9.connection.pool.acquire} (timer of the wait for a lease, 0 when
 *       one was free at once; histogram buckets from 100 µs to 10 s)
 * </ul>
 *
 * <p>Thread safety: may be bound from any thread; the recorder is thread-safe.
 */
public final class ConnectionPoolMetrics extends RecordingBinder<ConnectionPool<?>, ConnectionPoolMetrics.Recorder> {
    private ConnectionPoolMetrics(Builder b) {
        super(
                b,
                "pool",
                ConnectionPool::listener,
                Recorder.class,
                "ConnectionPoolMetrics.monitor(registry, builder, tags)");
    }

    /** Starts a binder for {@code pool}. */
    public static Builder builder(ConnectionPool<?> pool) {
        return new Builder(pool);
    }

    /**
     * Builds the pool with a new {@link Recorder} as its listener and binds its meters, the recorder's included:
     * the one call that wires everything. The builder must have no listener of its own (give it {@link
     * #recorder(ConnectionPoolListener)} and call {@link #monitor(MeterRegistry, ConnectionPool, Iterable)} to
     * keep one).
     *
     * @param tags tags added to every meter (not {@code name}: that is the pool's name)
     * @return the pool, built and bound
     * @throws IllegalStateException if the builder already has a listener
     */
    public static <C> ConnectionPool<C> monitor(
            MeterRegistry registry, ConnectionPool.Builder<C> builder, Iterable<Tag> tags) {
        return Recorders.buildAndBind(
                registry,
                builder,
                tags,
                recorder(),
                "ConnectionPoolMetrics",
                "pool",
                builder::listener,
                builder::build,
                ConnectionPoolMetrics::builder,
                ConnectionPool::close);
    }

    /** As {@link #monitor(MeterRegistry, ConnectionPool.Builder, Iterable)}, with tags as key-value pairs. */
    public static <C> ConnectionPool<C> monitor(
            MeterRegistry registry, ConnectionPool.Builder<C> builder, String... tags) {
        return monitor(registry, builder, Tags.of(tags));
    }

    /**
     * Binds a built pool's meters, and its recorder's when its listener is a {@link Recorder}: the one call for a
     * pool built elsewhere.
     *
     * @param tags tags added to every meter (not {@code name}: that is the pool's name)
     * @return {@code pool}
     */
    public static <C> ConnectionPool<C> monitor(MeterRegistry registry, ConnectionPool<C> pool, Iterable<Tag> tags) {
        return bindOne(registry, pool, ConnectionPoolMetrics::builder, tags);
    }

    /** As {@link #monitor(MeterRegistry, ConnectionPool, Iterable)}, with tags as key-value pairs. */
    public static <C> ConnectionPool<C> monitor(MeterRegistry registry, ConnectionPool<C> pool, String... tags) {
        return monitor(registry, pool, Tags.of(tags));
    }

    /** A listener that times acquires once its binder is bound; give it to the pool's builder. */
    public static Recorder recorder() {
        return new Recorder(null);
    }

    /** As {@link #recorder()}, and passes every event on to {@code delegate} as well. */
    public static Recorder recorder(ConnectionPoolListener delegate) {
        return new Recorder(Objects.requireNonNull(delegate, "delegate"));
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        meters(registry)
                .gauge(
                        "hal9.connection.pool.active",
                        null,
                        "Connections on loan now",
                        p -> p.stats().inUse())
                .gauge(
                        "hal9.connection.pool.idle",
                        null,
                        "Connections ready to be handed out",
                        p -> p.stats().idle())
                .gauge(
                        "hal9.connection.pool.pending",
                        null,
                        "Callers waiting in acquire",
                        p -> p.stats().pending())
                .gauge(
                        "hal9.connection.pool.creating",
                        null,
                        "Connections being opened",
                        p -> p.stats().creating())
                .gauge(
                        "hal9.connection.pool.max",
                        null,
                        "Configured limit of connections",
                        p -> p.stats().maxConnections())
                .counter(
                        "hal9.connection.pool.acquired",
                        "Leases handed out",
                        p -> p.stats().acquired())
                .counter(
                        "hal9.connection.pool.timeouts",
                        "Timed acquires that gave up",
                        p -> p.stats().timeouts())
                .counter(
                        "hal9.connection.pool.creations",
                        "Connections opened",
                        p -> p.stats().created())
                .counter(
                        "hal9.connection.pool.destroyed",
                        "Connections destroyed",
                        p -> p.stats().destroyed())
                .counter(
                        "hal9.connection.pool.creation.failures",
                        "Failed attempts to open a connection",
                        p -> p.stats().creationFailures());
        Recorder r = recorder;
        if (r != null) {
            Timer acquire = Timer.builder("hal9.connection.pool.acquire")
                    .description("Time callers waited for a connection")
                    .tags(tags)
                    .serviceLevelObjectives(Buckets.fast())
                    .register(registry);
            bindRecorder(registry, r, acquire);
        }
    }

    /**
     * Configures a {@link ConnectionPoolMetrics}: {@link #tags} and {@link #recorder}, each at most once.
     *
     * <p>Thread safety: not thread-safe; use from one thread.
     */
    public static final class Builder extends RecorderBuilder<ConnectionPool<?>, Recorder, Builder> {
        private Builder(ConnectionPool<?> pool) {
            super(pool, Objects.requireNonNull(pool, "pool").name(), "connection pool metrics");
        }

        /**
         * Builds the binder; registers nothing until {@link ConnectionPoolMetrics#bindTo}.
         *
         * @throws IllegalArgumentException if the recorder given is not the pool's listener
         */
        @Override
        public ConnectionPoolMetrics build() {
            return new ConnectionPoolMetrics(this);
        }
    }

    /**
     * A {@link ConnectionPoolListener} that times acquires into {@code hal9.connection.pool.acquire}
     * once the {@link ConnectionPoolMetrics} of its pool is bound; before that it records nothing. It
     * serves one pool in one registry and does not allocate.
     *
     * <p>Thread safety: safe for any number of threads.
     */
    public static final class Recorder extends MeterRecorder<Timer, ConnectionPoolListener>
            implements ConnectionPoolListener {
        private Recorder(@Nullable ConnectionPoolListener delegate) {
            super("connection pool recorder", delegate);
        }

        @Override
        public void onAcquired(long waitNanos) {
            Timer t = meters();
            if (t != null) {
                t.record(waitNanos, TimeUnit.NANOSECONDS);
            }
            ConnectionPoolListener d = delegate;
            if (d != null) {
                d.onAcquired(waitNanos);
            }
        }

        @Override
        public void onCreated() {
            ConnectionPoolListener d = delegate;
            if (d != null) {
                d.onCreated();
            }
        }

        @Override
        public void onCreationFailed(Throwable failure) {
            ConnectionPoolListener d = delegate;
            if (d != null) {
                d.onCreationFailed(failure);
            }
        }

        @Override
        public void onDestroyed(ConnectionPool.DestroyReason reason) {
            ConnectionPoolListener d = delegate;
            if (d != null) {
                d.onDestroyed(reason);
            }
        }

        @Override
        public void onTimeout() {
            ConnectionPoolListener d = delegate;
            if (d != null) {
                d.onTimeout();
            }
        }
    }
}

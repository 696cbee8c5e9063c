package io.hal9.metrics.pool;

import io.hal9.core.internal.Checks;
import io.hal9.metrics.internal.Buckets;
import io.hal9.metrics.internal.MeterSupport;
import io.hal9.metrics.internal.Recorders;
import io.hal9.pool.ConnectionPool;
import io.hal9.pool.ConnectionPoolListener;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Binds a {@link ConnectionPool} to a {@link MeterRegistry}: levels and totals from {@link
 * ConnectionPool#stats()}, and, through a {@link Recorder} given to the pool's builder, the acquire time.
 *
 * <pre>{@code
 * ConnectionPoolMetrics.Recorder recorder = ConnectionPoolMetrics.recorder();
 * ConnectionPool<Conn> pool = ConnectionPool.builder("game-db", factory).listener(recorder).build();
 * ConnectionPoolMetrics.builder(pool).recorder(recorder).build().bindTo(registry);
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
public final class ConnectionPoolMetrics implements MeterBinder {
    private final ConnectionPool<?> pool;
    private final Tags tags;
    private final @Nullable Recorder recorder;

    private ConnectionPoolMetrics(Builder b) {
        this.pool = b.pool;
        this.tags = MeterSupport.instanceTags(pool.name(), b.tags);
        this.recorder = b.recorder;
    }

    /** Starts a binder for {@code pool}. */
    public static Builder builder(ConnectionPool<?> pool) {
        return new Builder(pool);
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
        new MeterSupport<ConnectionPool<?>>(registry, pool, tags)
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
            r.slot.bind(registry, pool.name(), acquire);
        }
    }

    /**
     * Configures a {@link ConnectionPoolMetrics}. Each option may be set once.
     *
     * <p>Thread safety: not thread-safe; use from one thread.
     */
    public static final class Builder {
        private final ConnectionPool<?> pool;
        private final String component;
        private Iterable<Tag> tags = Tags.empty();
        private boolean tagsSet;
        private @Nullable Recorder recorder;

        private Builder(ConnectionPool<?> pool) {
            this.pool = Objects.requireNonNull(pool, "pool");
            this.component = "connection pool metrics '" + pool.name() + "'";
        }

        /** Tags added to every meter; default none. A {@code name} tag is replaced by the pool's name. */
        public Builder tags(Iterable<Tag> tags) {
            Checks.notSet(component, "tags", tagsSet);
            this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
            this.tagsSet = true;
            return this;
        }

        /** The recorder given to the pool's builder; default none (no acquire timer). */
        public Builder recorder(Recorder recorder) {
            Checks.notSet(component, "recorder", this.recorder != null);
            this.recorder = Objects.requireNonNull(recorder, "recorder");
            return this;
        }

        /** Builds the binder; registers nothing until {@link ConnectionPoolMetrics#bindTo}. */
        public ConnectionPoolMetrics build() {
            return new ConnectionPoolMetrics(this);
        }
    }

    /**
     * A {@link ConnectionPoolListener} that times acquires into {@code hal9.connection.pool.acquire}
     * once the {@link ConnectionPoolMetrics} it was given to is bound; before that it records nothing. It
     * serves one pool in one registry and does not allocate.
     *
     * <p>Thread safety: safe for any number of threads.
     */
    public static final class Recorder implements ConnectionPoolListener {
        final Recorders<Timer> slot = new Recorders<>("connection pool recorder");
        private final @Nullable ConnectionPoolListener delegate;

        private Recorder(@Nullable ConnectionPoolListener delegate) {
            this.delegate = delegate;
        }

        @Override
        public void onAcquired(long waitNanos) {
            Timer t = slot.meters();
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

package io.hal9.metrics;

import io.hal9.cache.LocalCache;
import io.hal9.core.ActionBatcher;
import io.hal9.core.BoundedChannel;
import io.hal9.core.Coalescer;
import io.hal9.core.TaskLimiter;
import io.hal9.metrics.cache.LocalCacheMetrics;
import io.hal9.metrics.core.ActionBatcherMetrics;
import io.hal9.metrics.core.BoundedChannelMetrics;
import io.hal9.metrics.core.CoalescerMetrics;
import io.hal9.metrics.core.TaskLimiterMetrics;
import io.hal9.metrics.pool.ConnectionPoolMetrics;
import io.hal9.metrics.pool.ObjectPoolMetrics;
import io.hal9.pool.ConnectionFactory;
import io.hal9.pool.ConnectionPool;
import io.hal9.pool.ObjectPool;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A registry with every binder that needs no outside service, bound to real components, plus the
 * seed's metrics and Micrometer's JVM and process binders. Closing it closes the components.
 */
public final class Hal9Fixture implements AutoCloseable {
    public final PrometheusMeterRegistry registry = Scrapes.registry();
    public final HttpMetrics http;
    public final ActiveGames games = ActiveGames.create();
    public final StandardMetrics standard = StandardMetrics.create();
    public final ActionBatcher<Integer> batcher;
    public final TaskLimiter limiter;
    public final BoundedChannel<String> channel;
    public final Coalescer<String, String> coalescer = Coalescer.create("profiles");
    public final ObjectPool<StringBuilder> objects;
    public final ConnectionPool<Object> connections;
    public final LocalCache<String, String> cache;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    public Hal9Fixture() {
        registry.config().meterFilter(StandardMetrics.lintFilter());
        standard.bindTo(registry);
        http = HttpMetrics.builder(registry).build();
        games.bindTo(registry);
        // one call per component: recorders are wired by the same call
        batcher = ActionBatcherMetrics.monitor(
                registry, ActionBatcher.<Integer>builder("moves", batch -> {}).maxLinger(Duration.ofMillis(1)));
        limiter = TaskLimiterMetrics.monitor(registry, TaskLimiter.builder("players"));
        channel = BoundedChannelMetrics.monitor(
                registry, BoundedChannel.<String>builder("chat").build());
        CoalescerMetrics.monitor(registry, coalescer);
        objects = ObjectPoolMetrics.monitor(
                registry, ObjectPool.builder("states", StringBuilder::new).build());
        connections = ConnectionPoolMetrics.monitor(
                registry,
                ConnectionPool.builder("sockets", new ConnectionFactory<Object>() {
                            @Override
                            public Object create() {
                                return new Object();
                            }

                            @Override
                            public void destroy(Object connection) {}
                        })
                        .minConnections(0));
        cache = LocalCacheMetrics.monitor(
                registry,
                LocalCache.<String, String>builder("games").maximumSize(100).build());
        closeables.addAll(List.of(standard, batcher, limiter, channel, objects, connections, cache));
    }

    /** Some traffic through every component. */
    public void traffic(int rounds) {
        for (int i = 0; i < rounds; i++) {
            batcher.trySubmit(i);
            limiter.tryExecute(() -> {});
            channel.trySend("m" + i);
            channel.poll();
            coalescer.get("k" + (i % 3), k -> CompletableFuture.completedFuture(k));
            try (var lease = objects.claim()) {
                lease.get().setLength(0);
            }
            try (var lease = connections.tryAcquire()) {
                if (lease != null) {
                    lease.get();
                }
            }
            cache.get("g" + (i % 5), k -> "v");
        }
    }

    @Override
    public void close() {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            try {
                closeables.get(i).close();
            } catch (Exception e) {
                throw new IllegalStateException("closing " + closeables.get(i), e);
            }
        }
    }
}

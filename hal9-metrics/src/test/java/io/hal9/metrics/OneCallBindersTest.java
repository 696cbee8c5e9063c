package io.hal9.metrics;

import static io.hal9.metrics.Scrapes.require;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.hal9.cache.LocalCache;
import io.hal9.core.ActionBatcher;
import io.hal9.core.BatcherListener;
import io.hal9.core.BoundedChannel;
import io.hal9.core.Coalescer;
import io.hal9.core.TaskLimiter;
import io.hal9.core.TaskLimiterListener;
import io.hal9.metrics.cache.LocalCacheMetrics;
import io.hal9.metrics.core.ActionBatcherMetrics;
import io.hal9.metrics.core.BoundedChannelMetrics;
import io.hal9.metrics.core.CoalescerMetrics;
import io.hal9.metrics.core.TaskLimiterMetrics;
import io.hal9.metrics.pool.ConnectionPoolMetrics;
import io.hal9.metrics.pool.ObjectPoolMetrics;
import io.hal9.metrics.ws.WsServerMetrics;
import io.hal9.pool.ConnectionFactory;
import io.hal9.pool.ConnectionLease;
import io.hal9.pool.ConnectionPool;
import io.hal9.pool.ObjectPool;
import io.hal9.ws.Codecs;
import io.hal9.ws.WsServer;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The one-call {@code monitor(registry, ...)} of every binder, and recorders that cannot be half-wired: a binder
 * refuses a recorder its component was not built with, and finds the one it was built with.
 */
@Timeout(30)
class OneCallBindersTest {
    private final PrometheusMeterRegistry registry = Scrapes.registry();

    private static ConnectionFactory<Integer> ints() {
        AtomicInteger ids = new AtomicInteger();
        return new ConnectionFactory<>() {
            @Override
            public Integer create() {
                return ids.incrementAndGet();
            }

            @Override
            public void destroy(Integer connection) {}
        };
    }

    @Test
    void monitorBuildsABatcherWithItsRecorderAndBindsBothInOneCall() {
        try (ActionBatcher<Integer> moves = ActionBatcherMetrics.monitor(
                registry,
                ActionBatcher.<Integer>builder("moves", batch -> {}).maxLinger(Duration.ofMillis(1)),
                Tags.of("region", "eu"))) {
            assertThat(moves.listener()).isInstanceOf(ActionBatcherMetrics.Recorder.class);
            moves.trySubmit(1);
            await().until(() -> moves.stats().written() == 1);
            String scrape = registry.scrape();
            assertThat(require(scrape, "hal9_batcher_actions_written_total", "name", "moves", "region", "eu"))
                    .isEqualTo(1.0);
            assertThat(require(scrape, "hal9_batcher_batch_size_count", "name", "moves", "region", "eu"))
                    .as("the recorder records")
                    .isEqualTo(1.0);
        }
    }

    @Test
    void monitorOfABatcherBuiltWithARecorderBindsThatRecorder() {
        ActionBatcherMetrics.Recorder recorder = ActionBatcherMetrics.recorder(new BatcherListener() {});
        try (ActionBatcher<Integer> moves = ActionBatcher.<Integer>builder("moves", batch -> {})
                .maxLinger(Duration.ofMillis(1))
                .listener(recorder)
                .build()) {
            assertThat(ActionBatcherMetrics.monitor(registry, moves)).isSameAs(moves);
            moves.trySubmit(1);
            await().until(() -> moves.stats().written() == 1);
            assertThat(require(registry.scrape(), "hal9_batcher_batch_size_count", "name", "moves"))
                    .as("found without being named to the binder")
                    .isEqualTo(1.0);
        }
    }

    @Test
    void aRecorderTheBatcherWasNotBuiltWithIsRefused() {
        ActionBatcherMetrics.Recorder recorder = ActionBatcherMetrics.recorder();
        try (ActionBatcher<Integer> moves =
                ActionBatcher.<Integer>builder("moves", batch -> {}).build()) {
            ActionBatcherMetrics.Builder binder =
                    ActionBatcherMetrics.builder(moves).recorder(recorder);
            assertThatThrownBy(binder::build)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("batcher metrics 'moves': recorder must be the batcher's listener, or it"
                            + " never records anything; the batcher was built with another listener (")
                    .hasMessageEndingWith("give the recorder to the batcher's builder (listener(recorder)), or build"
                            + " and bind in one call with ActionBatcherMetrics.monitor(registry, builder, tags)");
        }
    }

    @Test
    void monitorRefusesABuilderThatHasAListenerAndSaysHowToKeepIt() {
        ActionBatcher.Builder<Integer> builder =
                ActionBatcher.<Integer>builder("moves", batch -> {}).listener(new BatcherListener() {});
        assertThatThrownBy(() -> ActionBatcherMetrics.monitor(registry, builder))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("listener was already set")
                .hasMessageContaining("ActionBatcherMetrics.recorder(yourListener)");
    }

    @Test
    void monitorBuildsATaskLimiterWithItsRecorder() throws Exception {
        try (TaskLimiter players = TaskLimiterMetrics.monitor(registry, TaskLimiter.builder("players"))) {
            players.trySubmit(() -> 1).future().get();
            assertThat(require(
                            registry.scrape(),
                            "hal9_limiter_task_duration_seconds_count",
                            "name",
                            "players",
                            "outcome",
                            "success"))
                    .isEqualTo(1.0);
        }
    }

    @Test
    void aLimiterRecorderIsFoundOrRefused() throws Exception {
        TaskLimiterMetrics.Recorder recorder = TaskLimiterMetrics.recorder(new TaskLimiterListener() {});
        try (TaskLimiter wired = TaskLimiter.builder("wired").listener(recorder).build();
                TaskLimiter bare = TaskLimiter.builder("bare").build()) {
            TaskLimiterMetrics.monitor(registry, wired);
            wired.trySubmit(() -> 1).future().get();
            assertThat(require(
                            registry.scrape(),
                            "hal9_limiter_task_duration_seconds_count",
                            "name",
                            "wired",
                            "outcome",
                            "success"))
                    .isEqualTo(1.0);
            assertThatThrownBy(() -> TaskLimiterMetrics.builder(bare)
                            .recorder(TaskLimiterMetrics.recorder())
                            .build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("limiter metrics 'bare': recorder must be the limiter's listener")
                    .hasMessageContaining("the limiter was built with no listener");
        }
    }

    @Test
    void monitorBuildsAConnectionPoolWithItsRecorderAndRefusesAStrangeRecorder() {
        try (ConnectionPool<Integer> pool = ConnectionPoolMetrics.monitor(
                        registry, ConnectionPool.builder("sockets", ints()).minConnections(0));
                ConnectionPool<Integer> bare =
                        ConnectionPool.builder("bare", ints()).minConnections(0).build()) {
            try (ConnectionLease<Integer> lease = pool.acquire()) {
                assertThat(lease.get()).isPositive();
            }
            assertThat(require(registry.scrape(), "hal9_connection_pool_acquire_seconds_count", "name", "sockets"))
                    .isEqualTo(1.0);
            assertThatThrownBy(() -> ConnectionPoolMetrics.builder(bare)
                            .recorder(ConnectionPoolMetrics.recorder())
                            .build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("recorder must be the pool's listener");
        }
    }

    @Test
    void everyStatsBinderHasAOneCallMonitorThatReturnsItsComponent() {
        BoundedChannel<String> channel = BoundedChannel.<String>builder("chat").build();
        Coalescer<String, String> coalescer = Coalescer.create("profiles");
        try (LocalCache<String, String> cache = LocalCache.<String, String>builder("games")
                        .maximumSize(10)
                        .build();
                ObjectPool<StringBuilder> states =
                        ObjectPool.builder("states", StringBuilder::new).build();
                WsServer<String> ws = WsServer.builder("ws", Codecs.json(String.class), (s, m) -> {})
                        .build()) {
            assertThat(BoundedChannelMetrics.monitor(registry, channel, "region", "eu"))
                    .isSameAs(channel);
            assertThat(CoalescerMetrics.monitor(registry, coalescer, "region", "eu"))
                    .isSameAs(coalescer);
            assertThat(LocalCacheMetrics.monitor(registry, cache, "region", "eu"))
                    .isSameAs(cache);
            assertThat(ObjectPoolMetrics.monitor(registry, states, "region", "eu"))
                    .isSameAs(states);
            assertThat(WsServerMetrics.monitor(registry, ws, "region", "eu")).isSameAs(ws);
            coalescer.get("k", k -> CompletableFuture.completedFuture("v")).join();

            String scrape = registry.scrape();
            assertThat(require(scrape, "hal9_channel_capacity", "name", "chat", "region", "eu"))
                    .isEqualTo(1000.0);
            assertThat(require(
                            scrape,
                            "hal9_coalescer_calls_total",
                            "name",
                            "profiles",
                            "region",
                            "eu",
                            "result",
                            "computed"))
                    .isEqualTo(1.0);
            assertThat(require(scrape, "hal9_cache_size", "name", "games", "region", "eu"))
                    .isEqualTo(0.0);
            assertThat(require(scrape, "hal9_object_pool_idle", "name", "states", "region", "eu"))
                    .isEqualTo(0.0);
            assertThat(require(scrape, "hal9_ws_rooms", "name", "ws", "region", "eu"))
                    .isEqualTo(0.0);
        } finally {
            channel.close();
        }
    }
}

package io.hal9.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.hal9.cache.LocalCache;
import io.hal9.cache.near.NearCache;
import io.hal9.cache.redis.RedisCache;
import io.hal9.core.ActionBatcher;
import io.hal9.core.BatchSink;
import io.hal9.core.BatcherListener;
import io.hal9.core.BoundedChannel;
import io.hal9.core.Coalescer;
import io.hal9.core.TaskLimiter;
import io.hal9.metrics.cache.LocalCacheMetrics;
import io.hal9.metrics.cache.NearCacheMetrics;
import io.hal9.metrics.cache.RedisCacheMetrics;
import io.hal9.metrics.core.ActionBatcherMetrics;
import io.hal9.metrics.core.BoundedChannelMetrics;
import io.hal9.metrics.core.CoalescerMetrics;
import io.hal9.metrics.core.TaskLimiterMetrics;
import io.hal9.metrics.pool.ConnectionPoolMetrics;
import io.hal9.metrics.pool.JdbcPoolMetrics;
import io.hal9.metrics.pool.ObjectPoolMetrics;
import io.hal9.metrics.pool.ReadWriteRouterMetrics;
import io.hal9.metrics.ws.RedisRoomBusMetrics;
import io.hal9.metrics.ws.WsServerMetrics;
import io.hal9.pool.ConnectionFactory;
import io.hal9.pool.ConnectionPool;
import io.hal9.pool.ObjectPool;
import io.hal9.pool.jdbc.JdbcPool;
import io.hal9.pool.jdbc.ReadWriteRouter;
import io.hal9.testkit.JavadocExamples;
import io.hal9.ws.RedisRoomBus;
import io.hal9.ws.WsServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.util.Collection;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every Javadoc example of hal9-metrics, word for word between its markers, in a method that declares what
 * the example assumes, so that the compiler checks it as pasted. Compiled only: the binders' own tests run
 * them against real components.
 */
@Timeout(10)
@SuppressWarnings("unused") // the example methods are compiled, never called
class JavadocExamplesTest {
    record Move(long id) {}

    record Conn() {}

    /** The host's registry of games, read by the gauge at scrape time. */
    interface GameRegistry {
        int activeCount();
    }

    /** The request of some other HTTP server. */
    interface Request {
        @Nullable
        String header(String name);
    }

    @Test
    void everyJavadocExampleOfTheModuleIsHeldWordForWord() {
        assertThat(JavadocExamples.checkModule(Path.of(""))).isPositive();
    }

    private static void respond(int status, String contentType, byte[] body) {}

    void activeGames(MeterRegistry registry, Collection<?> rooms, GameRegistry gameRegistry) {
        // javadoc-example: ActiveGames#1 begins
        // the host sets the level
        ActiveGames games = ActiveGames.create();
        games.bindTo(registry);
        games.increment(); // a game started
        games.decrement(); // a game ended
        games.set(rooms.size()); // or set it outright

        // the gauge reads the host's own state at scrape time
        ActiveGames.of(gameRegistry, GameRegistry::activeCount).bindTo(registry);
        // javadoc-example: ActiveGames#1 ends
    }

    void httpMetrics(MeterRegistry registry) {
        // javadoc-example: HttpMetrics#1 begins
        HttpMetrics http = HttpMetrics.builder(registry).build();
        long start = System.nanoTime();
        // ... handle GET /api/games/42 ...
        http.record("GET", "/api/games/{id}", 200, System.nanoTime() - start);
        // javadoc-example: HttpMetrics#1 ends
    }

    void prometheusScrape(HttpServer httpServer, Request request) {
        // javadoc-example: PrometheusScrape#1 begins
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        PrometheusScrape.mount(httpServer, "/metrics", registry);
        // any other server (Netty, Undertow, a servlet ...):
        PrometheusScrape.Response r = PrometheusScrape.of(registry).scrape(request.header("Accept"));
        respond(200, r.contentType(), r.body());
        // javadoc-example: PrometheusScrape#1 ends
    }

    void standardMetrics(MeterRegistry registry) {
        // javadoc-example: StandardMetrics#1 begins
        StandardMetrics jvm = StandardMetrics.create();
        jvm.bindTo(registry);
        // ... the server runs ...
        jvm.close(); // stops listening to GC notifications
        // javadoc-example: StandardMetrics#1 ends
    }

    void localCache(MeterRegistry registry, LocalCache<Long, String> games) {
        // javadoc-example: LocalCacheMetrics#1 begins
        LocalCacheMetrics.monitor(registry, games); // or LocalCacheMetrics.builder(games).build().bindTo(registry)
        // javadoc-example: LocalCacheMetrics#1 ends
    }

    void nearCache(MeterRegistry registry, NearCache<Long, String> profiles) {
        // javadoc-example: NearCacheMetrics#1 begins
        NearCacheMetrics.monitor(registry, profiles); // or NearCacheMetrics.builder(profiles).build().bindTo(registry)
        // javadoc-example: NearCacheMetrics#1 ends
    }

    void redisCache(MeterRegistry registry, RedisCache<Long, String> profiles) {
        // javadoc-example: RedisCacheMetrics#1 begins
        RedisCacheMetrics.monitor(registry, profiles);
        // or: RedisCacheMetrics.builder(profiles).build().bindTo(registry)
        // javadoc-example: RedisCacheMetrics#1 ends
    }

    void actionBatcherInOneCall(MeterRegistry registry, BatchSink<Move> sink) {
        // javadoc-example: ActionBatcherMetrics#1 begins
        ActionBatcher<Move> moves = ActionBatcherMetrics.monitor(
                registry, ActionBatcher.<Move>builder("moves", sink).maxBatchSize(500), Tags.of("region", "eu"));
        // javadoc-example: ActionBatcherMetrics#1 ends
    }

    void actionBatcherWithARecorder(MeterRegistry registry, BatchSink<Move> sink, BatcherListener myListener) {
        // javadoc-example: ActionBatcherMetrics#2 begins
        ActionBatcherMetrics.Recorder recorder = ActionBatcherMetrics.recorder(myListener); // or recorder()
        ActionBatcher<Move> moves =
                ActionBatcher.<Move>builder("moves", sink).listener(recorder).build();
        ActionBatcherMetrics.monitor(registry, moves); // binds the recorder too
        // javadoc-example: ActionBatcherMetrics#2 ends
    }

    void boundedChannel(MeterRegistry registry, BoundedChannel<Move> channel) {
        // javadoc-example: BoundedChannelMetrics#1 begins
        BoundedChannelMetrics.monitor(registry, channel);
        // or: BoundedChannelMetrics.builder(channel).build().bindTo(registry)
        // javadoc-example: BoundedChannelMetrics#1 ends
    }

    void coalescer(MeterRegistry registry, Coalescer<Long, String> profiles) {
        // javadoc-example: CoalescerMetrics#1 begins
        CoalescerMetrics.monitor(registry, profiles); // or CoalescerMetrics.builder(profiles).build().bindTo(registry)
        // javadoc-example: CoalescerMetrics#1 ends
    }

    void taskLimiterInOneCall(MeterRegistry registry) {
        // javadoc-example: TaskLimiterMetrics#1 begins
        TaskLimiter players = TaskLimiterMetrics.monitor(
                registry, TaskLimiter.builder("players").maxConcurrent(64));
        // javadoc-example: TaskLimiterMetrics#1 ends
    }

    void taskLimiterWithARecorder(MeterRegistry registry) {
        // javadoc-example: TaskLimiterMetrics#2 begins
        TaskLimiterMetrics.Recorder recorder = TaskLimiterMetrics.recorder(); // or recorder(myListener)
        TaskLimiter players = TaskLimiter.builder("players").listener(recorder).build();
        TaskLimiterMetrics.monitor(registry, players); // binds the recorder too
        // javadoc-example: TaskLimiterMetrics#2 ends
    }

    void connectionPoolInOneCall(MeterRegistry registry, ConnectionFactory<Conn> factory) {
        // javadoc-example: ConnectionPoolMetrics#1 begins
        ConnectionPool<Conn> pool = ConnectionPoolMetrics.monitor(registry, ConnectionPool.builder("game-db", factory));
        // javadoc-example: ConnectionPoolMetrics#1 ends
    }

    void connectionPoolWithARecorder(MeterRegistry registry, ConnectionFactory<Conn> factory) {
        // javadoc-example: ConnectionPoolMetrics#2 begins
        ConnectionPoolMetrics.Recorder recorder = ConnectionPoolMetrics.recorder(); // or recorder(myListener)
        ConnectionPool<Conn> pool =
                ConnectionPool.builder("game-db", factory).listener(recorder).build();
        ConnectionPoolMetrics.monitor(registry, pool); // binds the recorder too
        // javadoc-example: ConnectionPoolMetrics#2 ends
    }

    void jdbcPool(MeterRegistry registry, JdbcPool pool, String url) {
        // javadoc-example: JdbcPoolMetrics#1 begins
        JdbcPoolMetrics.monitor(registry, pool); // or JdbcPoolMetrics.builder(pool).build().bindTo(registry)
        // or, to have HikariCP's meters from the pool's first connection on:
        JdbcPool games = JdbcPool.builder("games")
                .jdbcUrl(url)
                .metricsTrackerFactory(JdbcPoolMetrics.hikariTrackerFactory(registry))
                .build();
        JdbcPoolMetrics.monitor(registry, games); // finds HikariCP's meters in the registry and adds nothing
        // javadoc-example: JdbcPoolMetrics#1 ends
    }

    void objectPool(MeterRegistry registry, ObjectPool<StringBuilder> states) {
        // javadoc-example: ObjectPoolMetrics#1 begins
        ObjectPoolMetrics.monitor(registry, states); // or ObjectPoolMetrics.builder(states).build().bindTo(registry)
        // javadoc-example: ObjectPoolMetrics#1 ends
    }

    void router(MeterRegistry registry, ReadWriteRouter router) {
        // javadoc-example: ReadWriteRouterMetrics#1 begins
        ReadWriteRouterMetrics.monitor(registry, router); // the router and every pool it routes to
        ReadWriteRouterMetrics.builder(router).build().bindTo(registry); // the router alone
        // javadoc-example: ReadWriteRouterMetrics#1 ends
    }

    void roomBus(MeterRegistry registry, RedisRoomBus bus) {
        // javadoc-example: RedisRoomBusMetrics#1 begins
        RedisRoomBusMetrics.monitor(registry, bus, "rooms");
        // or: RedisRoomBusMetrics.builder(bus, "rooms").build().bindTo(registry)
        // javadoc-example: RedisRoomBusMetrics#1 ends
    }

    void wsServer(MeterRegistry registry, WsServer<String> server) {
        // javadoc-example: WsServerMetrics#1 begins
        WsServerMetrics.monitor(registry, server); // or WsServerMetrics.builder(server).build().bindTo(registry)
        // javadoc-example: WsServerMetrics#1 ends
    }
}

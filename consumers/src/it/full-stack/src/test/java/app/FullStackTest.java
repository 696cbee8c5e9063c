package app;

import static org.assertj.core.api.Assertions.assertThat;

import io.hal9.cache.redis.RedisCache;
import io.hal9.core.ActionBatcher;
import io.hal9.core.Admission;
import io.hal9.core.Closer;
import io.hal9.metrics.ws.WsServerMetrics;
import io.hal9.pool.jdbc.JdbcBatchSink;
import io.hal9.pool.jdbc.JdbcPool;
import io.hal9.redis.SharedRedis;
import io.hal9.ws.Codecs;
import io.hal9.ws.RedisRoomBus;
import io.hal9.ws.Session;
import io.hal9.ws.WsHandler;
import io.hal9.ws.WsServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Every module wired as a user would, through hal9-bom only, against a real PostgreSQL and Redis. */
@Timeout(120)
class FullStackTest {
    private static final String POSTGRES =
            env("HAL9_POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
    private static final String REDIS = env("HAL9_REDIS_URI", "redis://127.0.0.1:6379");

    record Move(long id, String player) {}

    @Test
    void startsBroadcastsWritesABatchAndClosesAsOne() throws Exception {
        String schema = "consumer_" + UUID.randomUUID().toString().replace("-", "");
        requireServices(schema);
        Closer app = Closer.create("game-server");
        try {
            // Metrics first: registered first, closed last.
            PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            app.register(prometheus::close, "prometheus registry");

            SharedRedis redis = app.register(SharedRedis.create(REDIS));
            JdbcPool db = app.register(JdbcPool.builder("games")
                    .jdbcUrl(POSTGRES + "&currentSchema=" + schema)
                    .maxConnections(4)
                    .minConnections(1)
                    .build());
            ActionBatcher<Move> moves = app.register(ActionBatcher.<Move>builder(
                            "moves",
                            JdbcBatchSink.<Move>builder(
                                            "moves",
                                            db.dataSource(),
                                            "INSERT INTO moves (id, player) VALUES (?, ?)",
                                            (ps, m) -> {
                                                ps.setLong(1, m.id());
                                                ps.setString(2, m.player());
                                            })
                                    .build())
                    .maxLinger(Duration.ofMillis(5))
                    .build());
            RedisCache<String, String> profiles = app.register(RedisCache.<String, String>builder(
                            "profiles", String.class)
                    .redis(redis)
                    .keyPrefix(schema + ":")
                    .build());
            RedisRoomBus bus = app.register(RedisRoomBus.create(redis));
            CountDownLatch joined = new CountDownLatch(1);
            WsServer<String> server = app.register(WsServer.builder(
                            "game", Codecs.json(String.class), new WsHandler<String>() {
                                @Override
                                public void onOpen(Session<String> session) {
                                    session.server().room("lobby").join(session);
                                    joined.countDown();
                                }

                                @Override
                                public void onMessage(Session<String> session, String message) {
                                    // this app only broadcasts
                                }
                            })
                    .host("127.0.0.1")
                    .port(0)
                    .roomBus(bus)
                    .build()
                    .start());
            WsServerMetrics.monitor(prometheus, server);

            // One WebSocket broadcast.
            CountDownLatch received = new CountDownLatch(1);
            StringBuilder got = new StringBuilder();
            WebSocket client = HttpClient.newHttpClient()
                    .newWebSocketBuilder()
                    .buildAsync(URI.create("ws://127.0.0.1:" + server.port() + "/ws"), new WebSocket.Listener() {
                        @Override
                        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                            got.append(data);
                            received.countDown();
                            return CompletableFuture.completedFuture(null);
                        }
                    })
                    .get(10, TimeUnit.SECONDS);
            assertThat(joined.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(server.room("lobby").broadcast("round 1 begins")).isEqualTo(1);
            assertThat(received.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(got.toString()).isEqualTo("\"round 1 begins\"");
            client.sendClose(WebSocket.NORMAL_CLOSURE, "bye");

            // One batched write, and the cache on the way.
            profiles.put("alice", "gold");
            assertThat(profiles.getIfPresent("alice")).isEqualTo("gold");
            for (long id = 1; id <= 100; id++) {
                assertThat(moves.trySubmit(new Move(id, "alice"))).isEqualTo(Admission.ACCEPTED);
            }
            assertThat(prometheus.scrape()).contains("hal9_ws_");
        } finally {
            app.close(); // one call: the server, the bus, the cache, the batcher (writes what it holds), the pool...
        }
        assertThat(rows(schema)).isEqualTo(100);
        dropSchema(schema);
    }

    private static void requireServices(String schema) {
        String missing = null;
        try (Connection c = DriverManager.getConnection(POSTGRES);
                Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
            s.execute("CREATE TABLE " + schema + ".moves (id BIGINT PRIMARY KEY, player TEXT NOT NULL)");
        } catch (Exception e) {
            missing = "PostgreSQL at " + POSTGRES + ": " + e;
        }
        if (missing == null) {
            try (SharedRedis probe = SharedRedis.create(REDIS)) {
                // connected: Redis answers
            } catch (RuntimeException e) {
                missing = "Redis at " + REDIS + ": " + e;
            }
        }
        if (missing != null) {
            if ("1".equals(System.getenv("HAL9_REQUIRE_SERVICES"))) {
                throw new AssertionError("HAL9_REQUIRE_SERVICES=1 and no " + missing);
            }
            Assumptions.abort("needs a real service, none answered: " + missing);
        }
    }

    private static long rows(String schema) throws Exception {
        try (Connection c = DriverManager.getConnection(POSTGRES);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM " + schema + ".moves")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void dropSchema(String schema) throws Exception {
        try (Connection c = DriverManager.getConnection(POSTGRES);
                Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA " + schema + " CASCADE");
        }
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}

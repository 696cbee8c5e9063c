package io.hal9.examples.server;

import io.hal9.redis.SharedRedis;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The {@link HealthProbe} check of Redis behind {@code /health/ready}, on the server's shared connection.
 *
 * <p>Thread safety: stateless. Limits: waits at most 1 s per node asked.
 */
final class RedisHealthCheck {
    private RedisHealthCheck() {}

    /**
     * Redis is up when a PING on the shared data connection answers within 1 s; on a cluster, when any
     * master answers one. Not every master: while one shard fails over (1-3 s) its keys miss and its rooms
     * lose broadcasts, but the instance still serves, and a check that failed then would take every
     * instance out of the load balancer at once.
     */
    static void ping(SharedRedis r) throws Exception {
        if (r.connection() instanceof StatefulRedisClusterConnection<String, byte[]> c) {
            Exception last = null;
            for (String shard : r.shards()) {
                int colon = shard.lastIndexOf(':');
                try {
                    String pong = c.getConnectionAsync(
                                    shard.substring(0, colon), Integer.parseInt(shard.substring(colon + 1)))
                            .thenCompose(n -> n.async().ping())
                            .get(1, TimeUnit.SECONDS);
                    if ("PONG".equals(pong)) {
                        return;
                    }
                } catch (ExecutionException | TimeoutException | RuntimeException e) {
                    last = e;
                }
            }
            throw new IllegalStateException(
                    "no master of the Redis Cluster answered PING within 1 s" + (last == null ? "" : ": " + last));
        }
        StatefulRedisConnection<String, byte[]> conn = Objects.requireNonNull(r.standaloneConnection());
        if (!"PONG".equals(conn.async().ping().get(1, TimeUnit.SECONDS))) {
            throw new IllegalStateException("Redis did not answer PONG");
        }
    }
}

package io.hal9.redis;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a {@link SharedRedis} comes to be, apart from the running object: the endpoint forms of {@link
 * SharedRedis.Builder} parsed into Lettuce URIs (a {@code redis-cluster://} list split into one seed per host),
 * the Lettuce client created with HAL9's options (commands rejected while disconnected, a bounded request
 * queue, and on a cluster the topology refresh {@link SharedRedis} describes), and the data connection opened
 * and warmed up, with everything created here shut down again when that fails.
 *
 * <p>Thread safety: stateless; each call works on its own arguments.
 */
final class SharedRedisBootstrap {
    private static final Logger LOG = LoggerFactory.getLogger(SharedRedis.class);
    private static final String COMPONENT = "shared redis";

    private SharedRedisBootstrap() {}

    /** {@link SharedRedis.Builder#build()}: creates the client the builder describes and connects it. */
    static SharedRedis open(SharedRedis.Builder b) {
        if (!b.options.isSet("uri") && !b.options.isSet("seeds")) {
            throw new IllegalStateException(COMPONENT + ": set uri or seeds");
        }
        List<RedisURI> clusterSeeds = null;
        RedisURI single = null;
        String endpoint;
        List<String> seeds = b.seeds;
        if (seeds != null) {
            clusterSeeds = new ArrayList<>();
            for (String s : seeds) {
                clusterSeeds.add(parse(s));
            }
            endpoint = String.join(
                    ",", seeds.stream().map(SharedRedisBootstrap::redacted).toList());
        } else {
            String u = Objects.requireNonNull(b.uri);
            endpoint = redacted(u);
            String scheme = scheme(u);
            if (scheme.endsWith("-cluster")) {
                clusterSeeds = clusterSeeds(u, scheme.startsWith("rediss"));
            } else if (b.cluster) {
                if (scheme.endsWith("-sentinel")) {
                    throw new IllegalStateException(
                            COMPONENT + ": cluster(true) does not apply to a Sentinel uri: " + endpoint);
                }
                clusterSeeds = List.of(parse(u));
            } else {
                single = parse(u);
            }
        }
        Duration connect = b.connectTimeout;
        SocketOptions socket = SocketOptions.builder().connectTimeout(connect).build();
        ClientResources owned = !b.options.isSet("resources")
                ? DefaultClientResources.builder()
                        .reconnectDelay(Delay.exponential(
                                Duration.ofMillis(10), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
                        .build()
                : null;
        ClientResources res = owned != null ? owned : Objects.requireNonNull(b.resources);
        AbstractRedisClient client;
        try {
            if (clusterSeeds != null) {
                RedisClusterClient c = RedisClusterClient.create(res, clusterSeeds);
                c.setOptions(ClusterClientOptions.builder()
                        .socketOptions(socket)
                        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                        .requestQueueSize(SharedRedis.REQUEST_QUEUE_SIZE)
                        .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                                .enablePeriodicRefresh(b.topologyRefreshPeriod)
                                // every adaptive trigger is on by default since Lettuce 7
                                .adaptiveRefreshTriggersTimeout(b.adaptiveRefreshTimeout)
                                .refreshTriggersReconnectAttempts(3)
                                .closeStaleConnections(true)
                                .dynamicRefreshSources(true)
                                .build())
                        .build());
                client = c;
            } else {
                RedisClient c = RedisClient.create(res, Objects.requireNonNull(single));
                c.setOptions(ClientOptions.builder()
                        .socketOptions(socket)
                        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                        .requestQueueSize(SharedRedis.REQUEST_QUEUE_SIZE)
                        .build());
                client = c;
            }
        } catch (RuntimeException e) {
            if (owned != null) {
                owned.shutdown(0, 2, TimeUnit.SECONDS);
            }
            throw e;
        }
        return connect(endpoint, client, true, owned);
    }

    /**
     * Opens the data connection through {@code client} and warms it up (every cluster master, at most 10 s).
     *
     * @param ownsClient whether the client was created here: shut down when the connection cannot be opened
     * @param owned resources created here, shut down when the connection cannot be opened, or null
     * @throws SharedRedisException naming the endpoint if the data connection cannot be opened
     */
    static SharedRedis connect(
            String endpoint, AbstractRedisClient client, boolean ownsClient, @Nullable ClientResources owned) {
        try {
            StatefulConnection<String, byte[]> data = client instanceof RedisClusterClient c
                    ? c.connect(SharedRedis.CODEC)
                    : ((RedisClient) client).connect(SharedRedis.CODEC);
            SharedRedis redis = new SharedRedis(endpoint, client, ownsClient, owned, data);
            try {
                redis.warmUp().get(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                LOG.warn("shared redis {}: not every cluster master answered at start: {}", endpoint, e.toString());
            }
            return redis;
        } catch (RuntimeException e) {
            if (ownsClient) {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
            if (owned != null) {
                owned.shutdown(0, 2, TimeUnit.SECONDS);
            }
            throw new SharedRedisException("shared redis: cannot connect to " + endpoint + ": " + e.getMessage(), e);
        }
    }

    /** Removes the password from a URI for messages. */
    static String redacted(String uri) {
        int at = uri.lastIndexOf('@');
        int scheme = uri.indexOf("://");
        return at > 0 && scheme > 0 && at > scheme ? uri.substring(0, scheme + 3) + "***" + uri.substring(at) : uri;
    }

    static RedisURI parse(String uri) {
        try {
            return RedisURI.create(uri);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    COMPONENT + ": cannot parse uri '" + redacted(uri) + "': " + e.getMessage(), e);
        }
    }

    /** {@code redis-cluster://[cred@]h1:p1,h2:p2[/...][?...]} as one {@code redis://} seed per host. */
    static List<RedisURI> clusterSeeds(String uri, boolean tls) {
        String rest = uri.substring(uri.indexOf("://") + 3);
        int at = rest.lastIndexOf('@');
        String credentials = at >= 0 ? rest.substring(0, at + 1) : "";
        rest = rest.substring(at + 1);
        int end = rest.length();
        for (char c : new char[] {'/', '?', '#'}) {
            int i = rest.indexOf(c);
            if (i >= 0 && i < end) {
                end = i;
            }
        }
        String tail = rest.substring(end);
        List<RedisURI> out = new ArrayList<>();
        for (String host : rest.substring(0, end).split(",", -1)) {
            if (host.isBlank()) {
                throw new IllegalArgumentException(
                        COMPONENT + ": uri '" + redacted(uri) + "' has an empty host in its seed list");
            }
            out.add(parse((tls ? "rediss://" : "redis://") + credentials + host.trim() + tail));
        }
        return out;
    }

    static String scheme(String uri) {
        if (uri.isBlank()) {
            throw new IllegalArgumentException(COMPONENT + ": uri must not be blank");
        }
        int i = uri.indexOf("://");
        if (i <= 0) {
            throw new IllegalArgumentException(COMPONENT + ": '" + redacted(uri)
                    + "' is not a URI; expected e.g. redis://host:6379 or redis-cluster://h1:7000,h2:7000");
        }
        return uri.substring(0, i).toLowerCase(Locale.ROOT);
    }
}

package io.hal9.cache.internal;

import io.hal9.cache.CacheException;
import io.hal9.redis.SharedRedis;
import io.lettuce.core.RedisConnectionStateListener;
import java.net.SocketAddress;
import java.util.Objects;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The Redis bootstrap of the Redis-backed caches ({@code RedisCacheImpl}, {@code NearCacheImpl}): the
 * {@link SharedRedis} a cache uses, either the host's (never closed here) or one it built from a URI and
 * owns (closed by {@link #close()}), and the watcher of its data connection. One copy of "connect or
 * share, report the data connection's losses, unregister and close what we own".
 *
 * <p>Not part of the API. Thread safety: {@link #open} and {@link #watch} run on the building thread before
 * the cache is published; {@link #close()} is called once, by the cache's own once-only close.
 */
// "exports": SharedRedis comes from an optional module
@SuppressWarnings("exports")
public final class RedisSetup {
    private final SharedRedis redis;
    private final @Nullable SharedRedis owned;
    private @Nullable ConnectionWatcher watcher;

    private RedisSetup(SharedRedis redis, @Nullable SharedRedis owned) {
        this.redis = redis;
        this.owned = owned;
    }

    /**
     * The host's {@code shared} setup if given, else a new one built from {@code uri} (and owned).
     *
     * @param component how errors name the cache, e.g. {@code redis cache 'profiles'}
     * @param cluster whether {@code uri} names a cluster seed (besides a {@code redis-cluster://} URI)
     * @param nameUri whether a connect failure names the URI (with its password hidden) or just "Redis"
     * @throws CacheException {@code <component>: cannot connect to <uri or Redis>: <cause>} if it cannot
     *     connect
     */
    public static RedisSetup open(
            String component, @Nullable SharedRedis shared, @Nullable String uri, boolean cluster, boolean nameUri) {
        if (shared != null) {
            return new RedisSetup(shared, null);
        }
        String u = Objects.requireNonNull(uri, "uri");
        try {
            SharedRedis.Builder rb = SharedRedis.builder().uri(u);
            if (cluster) {
                rb.cluster(true);
            }
            SharedRedis built = rb.build();
            return new RedisSetup(built, built);
        } catch (RuntimeException e) {
            throw new CacheException(
                    component + ": cannot connect to " + (nameUri ? redactedUri(u) : "Redis") + ": " + e.getMessage(),
                    e);
        }
    }

    /** The setup the cache uses. */
    public SharedRedis redis() {
        return redis;
    }

    /** Whether the cache built this setup itself (and closes it). */
    public boolean owned() {
        return owned != null;
    }

    /**
     * Watches the data connection from now on (see {@link ConnectionWatcher}); at most once, undone by
     * {@link #close()}.
     *
     * @param only the connection to watch, or {@code null} for every connection of the client
     */
    public void watch(@Nullable Object only, Runnable onDisconnected, Consumer<SocketAddress> onReconnected) {
        if (watcher != null) {
            throw new IllegalStateException("already watching");
        }
        ConnectionWatcher w = new ConnectionWatcher(only, onDisconnected, onReconnected);
        watcher = w;
        redis.addConnectionListener(w);
    }

    /** Stops watching, then closes the setup if the cache owns it (never the host's). */
    public void close() {
        try {
            RedisConnectionStateListener w = watcher;
            if (w != null) {
                redis.removeConnectionListener(w);
            }
        } finally {
            SharedRedis o = owned;
            if (o != null) {
                o.close();
            }
        }
    }

    /** {@code uri} with the password part between {@code ://} and {@code @} replaced by {@code ***}. */
    public static String redactedUri(String uri) {
        int at = uri.indexOf('@');
        int scheme = uri.indexOf("://");
        return at > 0 && scheme > 0 && at > scheme ? uri.substring(0, scheme + 3) + "***" + uri.substring(at) : uri;
    }
}

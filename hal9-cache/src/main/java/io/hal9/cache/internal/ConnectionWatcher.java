package io.hal9.cache.internal;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import java.net.SocketAddress;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Tells a Redis-backed cache that its data connection was lost or came back. Registered after the first
 * connect (by {@link RedisSetup#watch}), so every connect it sees is a reconnect.
 *
 * <p>Not part of the API. Thread safety: called on Lettuce I/O threads; holds only final fields, and the
 * callbacks must be safe to run there (they touch atomics and notify listeners).
 */
final class ConnectionWatcher implements RedisConnectionStateListener {
    /** The connection to watch, or {@code null} for every connection of the client (a cluster). */
    private final @Nullable Object only;

    private final Runnable onDisconnected;
    private final Consumer<SocketAddress> onReconnected;

    ConnectionWatcher(@Nullable Object only, Runnable onDisconnected, Consumer<SocketAddress> onReconnected) {
        this.only = only;
        this.onDisconnected = onDisconnected;
        this.onReconnected = onReconnected;
    }

    @Override
    public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress address) {
        if (watches(connection)) {
            onReconnected.accept(address);
        }
    }

    @Override
    public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
        if (watches(connection)) {
            onDisconnected.run();
        }
    }

    boolean watches(@Nullable Object connection) {
        return only == null || connection == only;
    }
}

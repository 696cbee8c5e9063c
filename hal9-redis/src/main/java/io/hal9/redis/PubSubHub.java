package io.hal9.redis;

import io.hal9.redis.SharedRedis.MessageListener;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.net.SocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared pub/sub connection of a {@link SharedRedis}: one Redis subscription per channel, however
 * many listeners it has, and the bookkeeping that tells listeners when it is lost and back.
 *
 * <p>Design: {@link #channels} maps a channel to its listeners and state; a {@link Channel} is created
 * with its first listener and removed with its last, and (S)SUBSCRIBE / (S)UNSUBSCRIBE are dispatched
 * inside that same {@code compute}, so the commands for a channel leave in the order of the map's
 * changes. A channel is "down" until Redis confirms it and again from a lost connection until it is
 * confirmed again. Re-subscription is this class's job, not only Lettuce's: on a reconnect, on a
 * cluster topology change (a failover moves a shard channel's slot to another node, where nothing is
 * subscribed yet) and, while any channel is down, every 500 ms; re-sending SUBSCRIBE for a channel
 * that is subscribed already is harmless.
 *
 * <p>Concurrency: listeners are called on Lettuce I/O threads. Channel state flips with a CAS, so each
 * loss and each return is reported once. {@link #closed} is volatile and set once.
 *
 * <p>On a cluster any disconnect of the client's connections marks every channel down (the node of a
 * connection is not known from the event); the next confirmation brings them back.
 */
final class PubSubHub {
    private static final Logger LOG = LoggerFactory.getLogger(SharedRedis.class);
    private static final long RETRY_MILLIS = 500;

    private final String endpoint;
    private final AbstractRedisClient client;
    private final boolean sharded;
    private final StatefulRedisPubSubConnection<String, byte[]> conn;
    private final ConcurrentHashMap<String, Channel> channels = new ConcurrentHashMap<>();
    private final AtomicBoolean retryScheduled = new AtomicBoolean();
    /** Cluster node pub/sub connections this hub subscribed on, to their {@code host:port}. */
    private final Map<Object, String> nodeConnections = new ConcurrentHashMap<>();

    private final StateListener stateListener = new StateListener();
    private volatile boolean closed;

    private PubSubHub(String endpoint, AbstractRedisClient client, StatefulRedisPubSubConnection<String, byte[]> conn) {
        this.endpoint = endpoint;
        this.client = client;
        this.sharded = client instanceof RedisClusterClient;
        this.conn = conn;
    }

    static PubSubHub open(String endpoint, AbstractRedisClient client) {
        StatefulRedisPubSubConnection<String, byte[]> conn = client instanceof RedisClusterClient c
                ? c.connectPubSub(SharedRedis.CODEC)
                : ((RedisClient) client).connectPubSub(SharedRedis.CODEC);
        PubSubHub hub = new PubSubHub(endpoint, client, conn);
        hub.start();
        return hub;
    }

    private void start() {
        if (conn instanceof StatefulRedisClusterPubSubConnection<String, byte[]> cc) {
            // Shard channels are subscribed on the owning master's node connection; with propagation on,
            // its messages reach the listener below (once).
            cc.setNodeMessagePropagation(true);
        }
        conn.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, byte[] message) {
                deliver(channel, message);
            }

            @Override
            public void smessage(String channel, byte[] message) {
                deliver(channel, message);
            }
        });
        client.addListener(stateListener);
    }

    SharedRedis.Subscription subscribe(String name, MessageListener listener) {
        if (closed) {
            throw new IllegalStateException("shared redis " + endpoint + " is closed");
        }
        Channel ch = channels.compute(name, (k, current) -> {
            Channel c = current;
            if (c == null) {
                c = new Channel(k);
                send(c);
            }
            c.listeners.add(listener);
            return c;
        });
        return new Sub(name, listener, ch.confirmed.copy());
    }

    private void unsubscribe(String name, MessageListener listener) {
        channels.computeIfPresent(name, (k, c) -> {
            c.listeners.remove(listener);
            if (!c.listeners.isEmpty()) {
                return c;
            }
            c.removed = true;
            if (!closed) {
                try {
                    CompletableFuture<Void> f = sharded
                            ? nodeConnection(c.node)
                                    .thenCompose(
                                            nc -> nc.async().sunsubscribe(k).toCompletableFuture())
                            : conn.async().unsubscribe(k).toCompletableFuture();
                    f.exceptionally(e -> {
                        LOG.debug("shared redis {}: unsubscribe from {} failed", endpoint, k, e);
                        return null;
                    });
                } catch (RuntimeException e) {
                    LOG.debug("shared redis {}: unsubscribe from {} failed", endpoint, k, e);
                }
            }
            return null;
        });
    }

    /**
     * Dispatches SUBSCRIBE for {@code c}, or on a cluster SSUBSCRIBE on the connection to the master
     * that owns its slot now, without blocking; the answer flips its state.
     */
    private void send(Channel c) {
        CompletableFuture<Void> f;
        try {
            if (conn instanceof StatefulRedisClusterPubSubConnection<String, byte[]> cc) {
                String node = masterOf(cc, c.name);
                c.node = node;
                f = nodeConnection(node)
                        .thenCompose(nc -> nc.async().ssubscribe(c.name).toCompletableFuture());
            } else {
                f = conn.async().subscribe(c.name).toCompletableFuture();
            }
        } catch (RuntimeException e) {
            failed(c, e);
            return;
        }
        f.whenComplete((v, e) -> {
            if (e != null) {
                failed(c, e);
            } else {
                up(c);
            }
        });
    }

    /** {@code host:port} of the master serving {@code channel}'s slot now. */
    private static String masterOf(StatefulRedisClusterPubSubConnection<String, byte[]> cc, String channel) {
        RedisClusterNode master = cc.getPartitions().getMasterBySlot(SlotHash.getSlot(channel));
        if (master == null || master.getUri() == null) {
            throw new IllegalStateException("no master serves the slot of " + channel);
        }
        return master.getUri().getHost() + ":" + master.getUri().getPort();
    }

    /** The pub/sub connection to one cluster node ({@code host:port}), opened on first use. */
    private CompletableFuture<StatefulRedisPubSubConnection<String, byte[]>> nodeConnection(@Nullable String node) {
        if (node == null || !(conn instanceof StatefulRedisClusterPubSubConnection<String, byte[]> cc)) {
            return CompletableFuture.failedFuture(new IllegalStateException("no node for a shard channel"));
        }
        int colon = node.lastIndexOf(':');
        return cc.getConnectionAsync(node.substring(0, colon), Integer.parseInt(node.substring(colon + 1)))
                .thenApply(nc -> {
                    nodeConnections.put(nc, node);
                    return nc;
                });
    }

    /**
     * After a topology change: a channel whose slot moved to another master (a failover) is subscribed
     * there, and counted lost until that is confirmed; channels down for another reason are retried.
     */
    void followTopology() {
        if (closed || !(conn instanceof StatefulRedisClusterPubSubConnection<String, byte[]> cc)) {
            return;
        }
        for (Channel c : channels.values()) {
            String now;
            try {
                now = masterOf(cc, c.name);
            } catch (RuntimeException e) {
                continue; // uncovered slot: the next refresh will tell
            }
            if (!now.equals(c.node)) {
                LOG.info("shared redis {}: shard channel {} moved from {} to {}", endpoint, c.name, c.node, now);
                lostOne(c);
                send(c);
            } else if (c.down.get()) {
                send(c);
            }
        }
    }

    private void up(Channel c) {
        // not the map: the answer may arrive before the compute that created the channel has returned
        if (closed || c.removed) {
            return;
        }
        if (c.down.compareAndSet(true, false)) {
            if (!c.confirmed.complete(null)) {
                LOG.info("shared redis {}: subscribed to {} again", endpoint, c.name);
                for (MessageListener l : c.listeners) {
                    call(() -> l.onResubscribed(c.name));
                }
            }
        }
    }

    private void failed(Channel c, Throwable e) {
        if (closed) {
            return;
        }
        if (!c.confirmed.isDone()) {
            LOG.warn("shared redis {}: cannot subscribe to {}: {}", endpoint, c.name, e.toString());
            c.confirmed.completeExceptionally(new SharedRedisException(
                    "shared redis: cannot subscribe to " + c.name + " on " + endpoint + ": " + e, e));
        } else {
            LOG.debug("shared redis {}: subscribing to {} again failed", endpoint, c.name, e);
        }
        c.down.set(true);
        scheduleRetry();
    }

    /** The connection carrying the channels of {@code node} (all channels when null) was lost. */
    private void lost(@Nullable String node) {
        for (Channel c : channels.values()) {
            if (node == null || node.equals(c.node)) {
                lostOne(c);
            }
        }
    }

    private void lostOne(Channel c) {
        if (c.down.compareAndSet(false, true)) {
            for (MessageListener l : c.listeners) {
                call(() -> l.onSubscriptionLost(c.name));
            }
        }
    }

    /** Sends SUBSCRIBE again for the channels that are down, or for all of them. */
    private void resubscribe(boolean all) {
        if (closed) {
            return;
        }
        for (Channel c : channels.values()) {
            if (all || c.down.get()) {
                send(c);
            }
        }
    }

    private void scheduleRetry() {
        if (closed || !retryScheduled.compareAndSet(false, true)) {
            return;
        }
        try {
            client.getResources()
                    .eventExecutorGroup()
                    .schedule(
                            () -> {
                                retryScheduled.set(false);
                                resubscribe(false);
                            },
                            RETRY_MILLIS,
                            TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            retryScheduled.set(false); // resources shutting down
        }
    }

    private void deliver(String name, byte[] message) {
        Channel c = channels.get(name);
        if (c == null || closed) {
            return;
        }
        for (MessageListener l : c.listeners) {
            call(() -> l.onMessage(name, message));
        }
    }

    int channelCount() {
        return channels.size();
    }

    int downCount() {
        int n = 0;
        for (Channel c : channels.values()) {
            if (c.down.get()) {
                n++;
            }
        }
        return n;
    }

    void close() {
        closed = true;
        client.removeListener(stateListener);
        for (Channel c : channels.values()) {
            c.confirmed.completeExceptionally(
                    new SharedRedisException("shared redis: closed before Redis confirmed " + c.name, null));
        }
        channels.clear();
        conn.close();
    }

    private void call(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.warn("shared redis {}: a pub/sub listener threw; ignored", endpoint, e);
        }
    }

    /** One subscribed channel. Thread safety: listeners copy-on-write, state atomic. */
    private static final class Channel {
        final String name;
        final List<MessageListener> listeners = new CopyOnWriteArrayList<>();
        final CompletableFuture<Void> confirmed = new CompletableFuture<>();
        final AtomicBoolean down = new AtomicBoolean(true);
        /** On a cluster, the master ({@code host:port}) it was last subscribed on. */
        volatile @Nullable String node;
        /** Set when its last listener left: a late answer must not report it up. */
        volatile boolean removed;

        Channel(String name) {
            this.name = name;
        }
    }

    /** A listener's handle. Thread safety: the closed flag is atomic. */
    private final class Sub implements SharedRedis.Subscription {
        private final String name;
        private final MessageListener listener;
        private final CompletableFuture<Void> confirmed;
        private final AtomicBoolean done = new AtomicBoolean();

        Sub(String name, MessageListener listener, CompletableFuture<Void> confirmed) {
            this.name = name;
            this.listener = listener;
            this.confirmed = confirmed;
        }

        @Override
        public CompletableFuture<Void> confirmed() {
            return confirmed.copy();
        }

        @Override
        public void close() {
            if (done.compareAndSet(false, true)) {
                unsubscribe(name, listener);
            }
        }
    }

    /**
     * Watches the client's connections: the pub/sub one on a standalone setup, all of them on a
     * cluster (where a node's connection cannot be told apart). Thread safety: I/O threads, atomics.
     */
    private final class StateListener implements RedisConnectionStateListener {
        @Override
        public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress address) {
            if (!closed && (connection == (Object) conn || nodeConnections.containsKey(connection))) {
                resubscribe(false);
            }
        }

        @Override
        public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
            if (closed) {
                return;
            }
            String node = nodeConnections.get(connection);
            if (connection == (Object) conn && !sharded) {
                LOG.warn("shared redis {}: the pub/sub connection was lost; messages may be missed", endpoint);
                lost(null);
            } else if (node != null) {
                LOG.warn(
                        "shared redis {}: the pub/sub connection to {} was lost; messages may be missed",
                        endpoint,
                        node);
                lost(node);
            }
        }
    }
}

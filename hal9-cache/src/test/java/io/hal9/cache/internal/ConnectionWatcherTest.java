package io.hal9.cache.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConnectionWatcherTest {
    private final List<String> events = new ArrayList<>();
    private final SocketAddress address = InetSocketAddress.createUnresolved("redis", 6379);

    private ConnectionWatcher watcher(Object only) {
        return new ConnectionWatcher(only, () -> events.add("down"), a -> events.add("back " + a));
    }

    @Test
    void withoutAConnectionToWatchEveryConnectionIsReported() {
        ConnectionWatcher w = watcher(null);
        w.onRedisDisconnected(null);
        w.onRedisConnected(null, address);
        assertThat(events).containsExactly("down", "back " + address);
    }

    @Test
    void anotherConnectionThanTheWatchedOneIsIgnored() {
        ConnectionWatcher w = watcher(new Object());
        w.onRedisDisconnected(null);
        w.onRedisConnected(null, address);
        assertThat(events).isEmpty();
    }

    @Test
    void theWatchedConnectionIsRecognisedByIdentity() {
        Object data = new Object();
        ConnectionWatcher w = watcher(data);
        assertThat(w.watches(data)).isTrue();
        assertThat(w.watches(new Object())).isFalse();
    }
}

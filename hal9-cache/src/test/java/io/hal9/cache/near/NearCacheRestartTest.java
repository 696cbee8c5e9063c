package io.hal9.cache.near;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two near caches (two instances) on a private redis-server on a free loopback port (never the shared
 * one), killed and restarted without persistence: the restarted server is empty and every message
 * published while it was down is lost.
 */
@Timeout(60)
class NearCacheRestartTest {
    private int port;
    private @Nullable Process server;
    private @Nullable String binary;
    private final List<NearCache<String, String>> caches = new ArrayList<>();

    @BeforeEach
    void startServer() throws Exception {
        binary = findRedisServer();
        if (binary == null) {
            String reason = "redis-server binary not found on PATH: cannot run restart tests";
            String require = System.getenv("HAL9_REQUIRE_SERVICES");
            if ("1".equals(require) || "true".equals(require)) {
                throw new IllegalStateException(reason);
            }
            Assumptions.abort(reason);
        }
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        start();
    }

    @AfterEach
    void stopServer() {
        caches.forEach(NearCache::close);
        kill();
    }

    private NearCache<String, String> instance() {
        NearCache<String, String> c = NearCache.<String, String>builder("restart", String.class)
                .uri("redis://127.0.0.1:" + port)
                .commandTimeout(Duration.ofMillis(100))
                .l1Ttl(Duration.ofSeconds(30))
                .build();
        caches.add(c);
        return c;
    }

    @Test
    void afterARedisRestartTheOtherInstanceNeverServesTheValueItCachedBefore() throws Exception {
        NearCache<String, String> a = instance();
        NearCache<String, String> b = instance();
        a.put("k", "v1");
        // Let A's message reach B first, so that it does not remove what B is about to cache.
        await().atMost(Duration.ofSeconds(1)).until(() -> b.nearStats().invalidationsReceived() == 1);
        assertThat(b.getIfPresent("k")).isEqualTo("v1");
        assertThat(b.getIfPresent("k")).isEqualTo("v1");
        assertThat(b.nearStats().l1Hits()).isEqualTo(1);

        kill();
        await().atMost(Duration.ofSeconds(5)).until(() -> !b.nearStats().pubSubConnected());
        // Redis is down: A's write and its message are lost; nothing is thrown.
        a.put("k", "v2");
        await().atMost(Duration.ofSeconds(2)).until(() -> a.nearStats().publishFailures() >= 1);
        // B falls back to its L1 within l1Ttl (the documented outage bound), without an exception.
        assertThat(b.getIfPresent("k")).isEqualTo("v1");
        // A never serves its own old value after its own write, even while Redis is down.
        assertThat(a.getIfPresent("k")).isNotEqualTo("v1");
        // While the subscription is down B does not fill its L1.
        long l1Before = b.nearStats().l1Size();
        assertThat(b.getIfPresent("other")).isNull();
        assertThat(b.get("other", k -> "loaded")).isEqualTo("loaded"); // the loader answers, no exception
        assertThat(b.nearStats().l1Size()).isEqualTo(l1Before);

        start(); // empty: no persistence
        // B resynchronises (clears L1) once re-subscribed, before serving from L1 again.
        await().atMost(Duration.ofSeconds(10)).until(() -> b.nearStats().pubSubConnected());
        assertThat(b.nearStats().resyncs()).isGreaterThanOrEqualTo(1);
        assertThat(b.getIfPresent("k")).isNotEqualTo("v1");

        // Lettuce re-subscribed B: a write on A reaches B's L1 again within the delivery bound.
        await().atMost(Duration.ofSeconds(10)).until(() -> a.nearStats().pubSubConnected());
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            a.put("k", "v3");
            assertThat(b.getIfPresent("k")).isEqualTo("v3");
        });
        assertThat(b.getIfPresent("k")).isEqualTo("v3"); // now from B's L1
        long received = b.nearStats().invalidationsReceived();
        a.put("k", "v4");
        await().atMost(Duration.ofSeconds(1))
                .untilAsserted(() -> assertThat(b.getIfPresent("k")).isEqualTo("v4"));
        assertThat(b.nearStats().invalidationsReceived()).isGreaterThan(received);
    }

    // ---------------------------------------------------------------- private server

    private void start() throws IOException {
        server = new ProcessBuilder(
                        String.valueOf(binary),
                        "--port",
                        Integer.toString(port),
                        "--bind",
                        "127.0.0.1",
                        "--save",
                        "",
                        "--appendonly",
                        "no")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(20))
                .until(this::accepting);
    }

    private void kill() {
        Process p = server;
        if (p != null) {
            p.destroyForcibly();
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            server = null;
        }
    }

    private boolean accepting() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static @Nullable String findRedisServer() {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            File f = new File(dir, "redis-server");
            if (f.canExecute()) {
                return f.getAbsolutePath();
            }
        }
        return null;
    }
}

package io.hal9.benchmarks.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.hal9.ws.WsServer;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The benchmark's setup without JMH: both benchmark methods deliver over a real loopback socket, metrics
 * are bound only for {@code hal9-metrics}, and teardown leaves no server or client event loop running.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WsSendMetricsBenchmarkTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final int SENDS = 2_000;

    @ParameterizedTest
    @ValueSource(strings = {"no-metrics", "hal9-metrics"})
    void everySendAndBroadcastReachesTheClientAndTeardownStopsEverything(String impl) throws Exception {
        WsSendMetricsBenchmark bench = new WsSendMetricsBenchmark();
        bench.impl = impl;
        bench.setUp();
        WsServer<byte[]> server = Objects.requireNonNull(bench.server);
        WsSendMetricsBenchmark.DiscardingClient client = Objects.requireNonNull(bench.client);
        PrometheusMeterRegistry registry = Objects.requireNonNull(bench.registry);
        try {
            for (int i = 0; i < SENDS; i++) {
                bench.trySend();
                bench.roomBroadcast();
            }
            await().atMost(WAIT).until(() -> client.received() == 2L * SENDS);
            assertThat(server.stats().messagesOut()).isEqualTo(2L * SENDS);
            FunctionCounter out =
                    registry.find("hal9.ws.messages").tag("direction", "out").functionCounter();
            if (impl.equals("hal9-metrics")) {
                assertThat(out).isNotNull();
                assertThat(Objects.requireNonNull(out).count()).isEqualTo(2.0 * SENDS);
            } else {
                assertThat(out).isNull();
                assertThat(registry.getMeters()).isEmpty();
            }
        } finally {
            bench.tearDown();
        }
        assertThat(server.isClosed()).isTrue();
        assertThat(client.terminated()).isTrue();
        assertThat(bench.server).isNull();
        bench.tearDown(); // idempotent
    }

    @Test
    void anUnknownImplIsRefusedBeforeAnythingStarts() {
        WsSendMetricsBenchmark bench = new WsSendMetricsBenchmark();
        bench.impl = "dropwizard";
        assertThatThrownBy(bench::setUp).hasMessage("unknown impl dropwizard");
        assertThat(bench.server).isNull();
        assertThat(bench.client).isNull();
    }
}

package io.hal9.benchmarks.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Both benchmark servers, in this JVM at tiny scale, driven by the real load client over loopback: the
 * benchmark is only worth its numbers if every broadcast reaches every other member of its room.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WsBenchServersTest {
    private static final Duration WAIT = Duration.ofSeconds(15);

    @ParameterizedTest
    @EnumSource(BenchWsServer.Impl.class)
    void everyBroadcastReachesTheOtherSevenMembersOfItsRoomAndNobodyElse(BenchWsServer.Impl impl) {
        try (BenchWsServer server = BenchWsServer.start(impl, BenchWsServer.Mode.BROADCAST, 0);
                LoadClient client = new LoadClient("127.0.0.1", server.port(), 2)) {
            LoadClient.ConnectResult connect = client.connect(16, 8);
            assertThat(connect.opened())
                    .as("connected, first failure: %s", connect.firstFailure())
                    .isEqualTo(16);
            await().atMost(WAIT).until(() -> server.connections() == 16);
            client.joinRooms(8, WAIT);

            client.beginWindow();
            client.startSending(400);
            await().atMost(WAIT).until(() -> client.totals().sent() >= 400);
            client.stopSending();
            LoadClient.Window window = client.endWindow();

            assertThat(client.awaitDelivered(WAIT))
                    .as("all delivered: %s", client.totals())
                    .isTrue();
            LoadClient.Totals totals = client.totals();
            assertThat(totals.expected()).isEqualTo(totals.sent() * 7);
            assertThat(totals.received()).isEqualTo(totals.expected());
            assertThat(totals.misrouted()).isZero();
            assertThat(totals.closedUnexpectedly()).isZero();
            assertThat(window.sent()).isEqualTo(totals.sent());
            assertThat(window.p50Nanos()).isPositive().isLessThanOrEqualTo(window.p99Nanos());
            assertThat(window.p99Nanos()).isLessThanOrEqualTo(window.maxNanos());
        }
    }

    @ParameterizedTest
    @EnumSource(BenchWsServer.Impl.class)
    void readersStillReceiveEverythingWhileASpectatorStopsReading(BenchWsServer.Impl impl) {
        try (BenchWsServer server = BenchWsServer.start(impl, BenchWsServer.Mode.SLOW, 0);
                LoadClient client = new LoadClient("127.0.0.1", server.port(), 2)) {
            assertThat(client.connect(16, 8).opened()).isEqualTo(16);
            client.joinRooms(8, WAIT);
            client.addSpectator(WAIT);
            await().atMost(WAIT).until(() -> server.connections() == 17);

            client.startSending(800);
            await().atMost(WAIT).until(() -> client.totals().sent() >= 800);
            client.stopSending();

            assertThat(client.spectatorConnected())
                    .as("a few KiB unread do not cost the spectator its connection")
                    .isTrue();
            assertThat(client.awaitDelivered(WAIT))
                    .as("all delivered: %s", client.totals())
                    .isTrue();
            LoadClient.Totals totals = client.totals();
            // The spectator is not counted as a recipient: 7 readers per message either way.
            assertThat(totals.received()).isEqualTo(totals.sent() * 7);
            assertThat(totals.misrouted()).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(BenchWsServer.Impl.class)
    void idleConnectionsAreCountedWhileHeldAndForgottenWhenClosed(BenchWsServer.Impl impl) {
        try (BenchWsServer server = BenchWsServer.start(impl, BenchWsServer.Mode.IDLE, 0)) {
            try (LoadClient client = new LoadClient("127.0.0.1", server.port(), 2)) {
                LoadClient.ConnectResult connect = client.connect(200, 50);
                assertThat(connect.opened()).isEqualTo(200);
                assertThat(connect.firstFailure()).isNull();
                await().atMost(WAIT).until(() -> server.connections() == 200);
            }
            await().atMost(WAIT).until(() -> server.connections() == 0);
        }
    }
}

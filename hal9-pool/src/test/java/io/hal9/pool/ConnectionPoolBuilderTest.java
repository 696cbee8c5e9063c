package io.hal9.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hal9.pool.ConnectionPoolFixtures.FakeFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ConnectionPoolBuilderTest {
    private final FakeFactory factory = new FakeFactory();

    @Test
    void defaultsAreTheSeedValues() {
        ConnectionPool.Builder<?> b = ConnectionPool.builder("matchmaking", factory);

        assertThat(b.maxConnections).isEqualTo(100);
        assertThat(b.minConnections).isEqualTo(10);
        assertThat(b.connectionTimeout).isEqualTo(Duration.ofSeconds(30));
        assertThat(b.idleTimeout).isEqualTo(Duration.ofSeconds(600));
        assertThat(b.maxLifetime).isEqualTo(Duration.ofMinutes(30));
        assertThat(b.validateAfterIdle).isEqualTo(Duration.ofMillis(500));
        assertThat(b.creationBackoffInitial).isEqualTo(Duration.ofMillis(100));
        assertThat(b.creationBackoffMax).isEqualTo(Duration.ofSeconds(10));
        assertThat(b.maxConcurrentCreations).isEqualTo(4);
        assertThat(b.housekeepingInterval).isEqualTo(Duration.ofSeconds(30));
        assertThat(b.closeTimeout).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void defaultPoolOpensTenWarmConnectionsAndAllowsOneHundred() {
        try (ConnectionPool<?> pool = ConnectionPool.builder("defaults", factory)
                .executor(Runnable::run)
                .build()) {
            assertThat(pool.stats().maxConnections()).isEqualTo(100);
            assertThat(pool.stats().idle()).isEqualTo(10);
            assertThat(factory.live.get()).isEqualTo(10);
        }
        assertThat(factory.live.get()).isZero();
    }

    @Test
    void minConnectionsAboveMaxConnectionsIsRefusedNamingBoth() {
        ConnectionPool.Builder<?> b = ConnectionPool.builder("matchmaking", factory)
                .minConnections(10)
                .maxConnections(4);

        assertThatThrownBy(b::build)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("pool 'matchmaking': maxConnections must be >= minConnections (10), was 4");
    }

    @Test
    void minConnectionsAboveTheDefaultMaximumIsRefused() {
        ConnectionPool.Builder<?> b =
                ConnectionPool.builder("matchmaking", factory).minConnections(200);

        assertThatThrownBy(b::build)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("pool 'matchmaking': minConnections must be <= maxConnections (100), was 200");
    }

    @Test
    void aSmallMaximumLowersTheDefaultMinimum() {
        try (ConnectionPool<?> pool = ConnectionPool.builder("small", factory)
                .maxConnections(4)
                .executor(Runnable::run)
                .build()) {
            assertThat(pool.stats().idle()).isEqualTo(4);
        }
    }

    @Test
    void outOfRangeValuesAreRefusedWithTheRange() {
        ConnectionPool.Builder<?> b = ConnectionPool.builder("matchmaking", factory);

        assertThatThrownBy(() -> b.maxConnections(0))
                .hasMessage("pool 'matchmaking': maxConnections must be in [1, 65536], was 0");
        assertThatThrownBy(() -> b.minConnections(-1))
                .hasMessage("pool 'matchmaking': minConnections must be in [0, 65536], was -1");
        assertThatThrownBy(() -> b.connectionTimeout(Duration.ofMillis(-1)))
                .hasMessage("pool 'matchmaking': connectionTimeout must be in [PT0S, PT24H], was PT-0.001S");
        assertThatThrownBy(() -> b.maxLifetime(Duration.ofDays(8)))
                .hasMessage("pool 'matchmaking': maxLifetime must be in [PT0S, PT168H], was PT192H");
        assertThatThrownBy(() -> b.creationBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .hasMessage("pool 'matchmaking': creationBackoff max must be in [PT2S, PT1H], was PT1S");
        assertThatThrownBy(() -> b.creationBackoff(Duration.ZERO, Duration.ofSeconds(1)))
                .hasMessage("pool 'matchmaking': creationBackoff initial must be in [PT0.001S, PT1H], was PT0S");
        assertThatThrownBy(() -> b.maxConcurrentCreations(0))
                .hasMessage("pool 'matchmaking': maxConcurrentCreations must be in [1, 1024], was 0");
        assertThatThrownBy(() -> b.housekeepingInterval(Duration.ofMillis(1)))
                .hasMessage("pool 'matchmaking': housekeepingInterval must be in [PT0.01S, PT1H], was PT0.001S");
    }

    @Test
    void everyOptionCanBeSetOnlyOnce() {
        ConnectionPool.Builder<?> b = ConnectionPool.builder("matchmaking", factory)
                .maxConnections(5)
                .idleTimeout(Duration.ZERO)
                .listener(new ConnectionPoolListener() {});

        assertThatThrownBy(() -> b.maxConnections(6))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("pool 'matchmaking': maxConnections was already set");
        assertThatThrownBy(() -> b.idleTimeout(Duration.ofSeconds(1)))
                .hasMessage("pool 'matchmaking': idleTimeout was already set");
        assertThatThrownBy(() -> b.listener(new ConnectionPoolListener() {}))
                .hasMessage("pool 'matchmaking': listener was already set");
    }

    @Test
    void nameAndFactoryAreChecked() {
        assertThatThrownBy(() -> ConnectionPool.builder(" ", factory))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pool name must be 1 to 128 characters");
        assertThatThrownBy(() -> ConnectionPool.builder("x", null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("factory");
    }
}

package io.hal9.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.hal9.pool.ConnectionPool.DestroyReason;
import io.hal9.pool.ConnectionPoolFixtures.Conn;
import io.hal9.pool.ConnectionPoolFixtures.FakeFactory;
import io.hal9.pool.ConnectionPoolFixtures.QueueExecutor;
import io.hal9.pool.ConnectionPoolFixtures.RecordingListener;
import io.hal9.testkit.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ConnectionHousekeepingTest {
    private final FakeFactory factory = new FakeFactory();
    private final RecordingListener listener = new RecordingListener();
    private final QueueExecutor executor = new QueueExecutor();
    private final ManualClock clock = new ManualClock();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final ConnectionPoolImpl<Conn> pool = (ConnectionPoolImpl<Conn>) ConnectionPool.builder("house", factory)
            .maxConnections(4)
            .minConnections(1)
            .idleTimeout(Duration.ofMinutes(10))
            .maxLifetime(Duration.ZERO)
            .executor(executor)
            .housekeeper(scheduler)
            .ticker(clock::read)
            .listener(listener)
            .housekeepingInterval(Duration.ofHours(1))
            .closeTimeout(Duration.ZERO)
            .build();
    private final ConnectionHousekeeping<?> housekeeping = new ConnectionHousekeeping<>(
            pool,
            ConnectionPool.builder("house", factory)
                    .minConnections(1)
                    .idleTimeout(Duration.ofMinutes(10))
                    .executor(executor));

    @AfterEach
    void close() {
        pool.close();
        scheduler.shutdownNow();
    }

    /** Opens {@code n} connections (claimed, then all returned), with the creations run here. */
    private void openAndReturn(int n) {
        executor.runAll(); // the minimum fill
        List<ConnectionLease<Conn>> held = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ConnectionLease<Conn> lease = pool.tryAcquire();
            if (lease == null) {
                executor.runAll();
                lease = Objects.requireNonNull(pool.tryAcquire(), "opened on demand");
            }
            held.add(lease);
        }
        held.forEach(ConnectionLease::close);
    }

    @Test
    void nothingIsDueWhileConnectionsAreFreshAndTheMinimumIsMet() {
        openAndReturn(3);
        assertThat(housekeeping.due(clock.read())).isFalse();
        housekeeping.trigger();
        assertThat(executor.tasks).as("no run handed to the executor").isEmpty();
    }

    @Test
    void idleConnectionsAboveTheMinimumAreDueAndEvictedByOneRun() {
        openAndReturn(3);
        clock.advance(Duration.ofMinutes(11));
        assertThat(housekeeping.due(clock.read())).isTrue();
        housekeeping.trigger();
        housekeeping.trigger(); // a second trigger while one run is queued adds none
        assertThat(executor.tasks).hasSize(1);
        executor.runAll();
        assertThat(pool.live.get()).isEqualTo(1);
        assertThat(listener.destroyed).containsExactly(DestroyReason.IDLE, DestroyReason.IDLE);
        assertThat(housekeeping.due(clock.read())).isFalse();
    }

    @Test
    void aPoolBelowItsMinimumIsDue() {
        executor.runAll(); // the pool's own minimum: one connection
        assertThat(pool.live.get()).isEqualTo(1);
        ConnectionHousekeeping<?> wantsThree = new ConnectionHousekeeping<>(
                pool, ConnectionPool.builder("house", factory).minConnections(3).executor(executor));
        assertThat(wantsThree.due(clock.read())).isTrue();
        assertThat(housekeeping.due(clock.read())).isFalse();
    }

    @Test
    void aClosedPoolIsNeverKept() {
        openAndReturn(2);
        clock.advance(Duration.ofMinutes(11));
        pool.close();
        executor.runAll();
        housekeeping.trigger();
        assertThat(executor.tasks).isEmpty();
    }
}

package io.hal9.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.hal9.pool.ConnectionPoolFixtures.FakeFactory;
import io.hal9.pool.ConnectionPoolFixtures.QueueExecutor;
import io.hal9.testkit.ManualClock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ConnectionCreatorTest {
    private final FakeFactory factory = new FakeFactory();
    private final QueueExecutor executor = new QueueExecutor();
    private final ManualClock clock = new ManualClock();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private ConnectionPoolImpl<?> pool;

    @AfterEach
    void close() {
        if (pool != null) {
            pool.close();
        }
        scheduler.shutdownNow();
    }

    private ConnectionPoolImpl<?> pool(int min, int maxConcurrentCreations) {
        pool = (ConnectionPoolImpl<?>) ConnectionPool.builder("creator", factory)
                .maxConnections(16)
                .minConnections(min)
                .maxConcurrentCreations(maxConcurrentCreations)
                .creationBackoff(Duration.ofMillis(100), Duration.ofMillis(1_000))
                .executor(executor)
                .housekeeper(scheduler)
                .ticker(clock::read)
                .housekeepingInterval(Duration.ofHours(1))
                .closeTimeout(Duration.ZERO)
                .build();
        return pool;
    }

    @Test
    void theBackoffDoublesFromItsInitialDelayUpToItsMaximum() {
        ConnectionCreator<?> creator = pool(0, 1).creator;
        assertThat(creator.backoffNanos(1)).isEqualTo(Duration.ofMillis(100).toNanos());
        assertThat(creator.backoffNanos(2)).isEqualTo(Duration.ofMillis(200).toNanos());
        assertThat(creator.backoffNanos(4)).isEqualTo(Duration.ofMillis(800).toNanos());
        assertThat(creator.backoffNanos(5)).isEqualTo(Duration.ofMillis(1_000).toNanos());
        assertThat(creator.backoffNanos(Integer.MAX_VALUE))
                .isEqualTo(Duration.ofMillis(1_000).toNanos());
    }

    @Test
    void theMinimumFillOpensAtMostMaxConcurrentCreationsAtATime() {
        ConnectionPoolImpl<?> p = pool(5, 2);
        assertThat(executor.tasks).hasSize(2);
        assertThat(p.creating.get()).isEqualTo(2);
        executor.runAll(); // each success fills again, up to the limit
        assertThat(p.live.get()).isEqualTo(5);
        assertThat(p.creating.get()).isZero();
        assertThat(factory.createCalls.get()).isEqualTo(5);
    }

    @Test
    void whileCreationFailsOneProbeRunsAndTheFailureIsKeptUntilASuccess() {
        factory.failing = true;
        ConnectionPoolImpl<?> p = pool(4, 4);
        assertThat(executor.tasks).hasSize(4);
        executor.runAll(); // four failures; the streak allows no new creation before the backoff expired
        assertThat(executor.tasks).isEmpty();
        p.lock.lock();
        try {
            assertThat(p.creator.failureLocked()).hasMessageContaining("backend down");
        } finally {
            p.lock.unlock();
        }
        clock.advance(Duration.ofSeconds(1));
        p.creator.fill();
        assertThat(executor.tasks).as("one probe, not four").hasSize(1);
        factory.failing = false;
        executor.runAll();
        assertThat(p.live.get()).isEqualTo(4);
        p.lock.lock();
        try {
            assertThat(p.creator.failureLocked()).isNull();
        } finally {
            p.lock.unlock();
        }
    }

    @Test
    void aRefusedTryAcquireAsksForOneConnection() {
        ConnectionPoolImpl<?> p = pool(0, 4);
        assertThat(executor.tasks).isEmpty();
        assertThat(p.tryAcquire()).isNull();
        assertThat(p.creator.tryDemand).isTrue();
        assertThat(executor.tasks).hasSize(1);
        assertThat(p.tryAcquire()).as("one is on its way: no second request").isNull();
        assertThat(executor.tasks).hasSize(1);
        executor.runAll();
        assertThat(p.creator.tryDemand).isFalse();
        assertThat(p.live.get()).isEqualTo(1);
    }
}

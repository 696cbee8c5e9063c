package io.hal9.pool;

import static io.hal9.pool.ConnectionPoolFixtures.inlineBuilder;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hal9.pool.ConnectionPool.DestroyReason;
import io.hal9.pool.ConnectionPoolFixtures.Conn;
import io.hal9.pool.ConnectionPoolFixtures.FakeFactory;
import io.hal9.pool.ConnectionPoolFixtures.RecordingListener;
import java.time.Duration;
import java.util.Objects;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ConnectionLeaseImplTest {
    private final FakeFactory factory = new FakeFactory();
    private final RecordingListener listener = new RecordingListener();
    private final ConnectionPool<Conn> pool = inlineBuilder("lease", factory)
            .maxConnections(1)
            .minConnections(1)
            .listener(listener)
            .closeTimeout(Duration.ZERO)
            .build();

    @AfterEach
    void close() {
        pool.close();
    }

    private ConnectionLease<Conn> claim() {
        return Objects.requireNonNull(pool.tryAcquire(), "the one connection is idle");
    }

    @Test
    void aStaleLeaseCannotReadOrReturnTheSlotsNextClaim() {
        ConnectionLease<Conn> first = claim();
        Conn c = first.get();
        first.close();
        ConnectionLease<Conn> second = claim();
        assertThat(second.get()).isSameAs(c);
        assertThatThrownBy(first::get).isInstanceOf(IllegalStateException.class).hasMessageContaining("already closed");
        assertThatThrownBy(first::close).isInstanceOf(IllegalStateException.class);
        assertThat(second.get())
                .as("the stale close did not take the slot back")
                .isSameAs(c);
        second.close();
    }

    @Test
    void closeBrokenDestroysTheConnectionOnceAndALaterCloseIsANoOp() {
        ConnectionLease<Conn> lease = claim();
        Conn c = lease.get();
        lease.closeBroken();
        assertThat(c.destroyCount.get()).isEqualTo(1);
        assertThat(listener.destroyed).containsExactly(DestroyReason.BROKEN);
        lease.close(); // no-op
        assertThatThrownBy(lease::closeBroken).isInstanceOf(IllegalStateException.class);
        assertThat(c.destroyCount.get()).isEqualTo(1);
        assertThat(factory.doubleDestroys.get()).isZero();
    }

    @Test
    void namesItsPool() {
        try (ConnectionLease<Conn> lease = claim()) {
            assertThat(lease).hasToString("ConnectionLease[pool 'lease']");
        }
    }
}

package io.hal9.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ObjectPoolSlotTest {
    private final ObjectPool<Object> pool =
            ObjectPool.builder("slots", Object::new).build();

    @Test
    void aSlotIsTheLeaseOfOneObjectForItsWholeLife() {
        Lease<Object> lease = pool.claim();
        assertThat(lease).isInstanceOf(ObjectPoolSlot.class);
        Object value = lease.get();
        assertThat(lease).hasToString("object pool 'slots' lease (on loan)");
        lease.close();
        assertThat(lease).hasToString("object pool 'slots' lease (released)");
        assertThatThrownBy(lease::get).hasMessage("object pool 'slots': lease already released");
        Lease<Object> again = pool.claim();
        assertThat(again).as("the same slot, reused").isSameAs(lease);
        assertThat(again.get()).isSameAs(value);
        again.close();
    }

    @Test
    void aSecondCloseIsRefusedOnTheClaimingThreadAndOnAnother() throws Exception {
        Lease<Object> lease = pool.claim();
        lease.close();
        assertThatThrownBy(lease::close).hasMessage("object pool 'slots': lease released twice");
        Lease<Object> other = pool.claim();
        other.close();
        CompletableFuture<Throwable> elsewhere = new CompletableFuture<>();
        Thread.ofPlatform()
                .start(() -> {
                    try {
                        other.close();
                        elsewhere.complete(null);
                    } catch (Throwable t) {
                        elsewhere.complete(t);
                    }
                })
                .join();
        assertThat(elsewhere.get()).hasMessage("object pool 'slots': lease released twice");
    }
}

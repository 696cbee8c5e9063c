package io.hal9.pool;

import static io.hal9.pool.ObjectPoolPartsFixture.pool;
import static io.hal9.pool.ObjectPoolPartsFixture.slot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class LeakDetectorTest {
    private final ObjectPoolImpl<Object> pool = pool("leaks");

    @Test
    void aSlotDroppedWhileTrackedIsReportedOnceWithItsClaimSite() {
        LeakDetector detector = new LeakDetector();
        trackAndDrop(detector);
        assertThat(detector.watched()).isEqualTo(1);
        AtomicReference<Throwable> site = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            System.gc();
            Throwable t = detector.pollLeak();
            site.set(t);
            return t != null;
        });
        assertThat(site.get())
                .hasMessageStartingWith("object pool 'leaks': lease claimed here, by thread '"
                        + Thread.currentThread().getName() + "'")
                .hasMessageEndingWith("and never released");
        assertThat(detector.pollLeak()).as("once").isNull();
        assertThat(detector.watched()).isZero();
    }

    @Test
    void anUntrackedSlotIsNeverReported() {
        LeakDetector detector = new LeakDetector();
        ObjectPoolSlot<Object> s = slot(pool);
        LeakDetector.Tracker t = detector.track(s, Thread.currentThread(), pool.component);
        detector.untrack(t);
        assertThat(detector.watched()).isZero();
        s = null;
        System.gc();
        assertThat(detector.pollLeak()).isNull();
    }

    private void trackAndDrop(LeakDetector detector) {
        detector.track(slot(pool), Thread.currentThread(), pool.component);
    }
}

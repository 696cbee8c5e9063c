package io.hal9.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class CacheCountersTest {

    @Test
    void countsEachEventApart() {
        CacheCounters c = new CacheCounters();
        for (int i = 0; i < 5; i++) {
            c.hit();
        }
        c.miss();
        c.release();
        c.release();
        assertThat(c.hits()).isEqualTo(5);
        assertThat(c.misses()).isEqualTo(1);
        assertThat(c.releases()).isEqualTo(2);
    }

    @Test
    void anotherThreadReadsTheOwnersCountsOnceHandedOver() throws Exception {
        CacheCounters c = new CacheCounters();
        Thread owner = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < 100_000; i++) {
                c.hit();
                c.release();
            }
        });
        AtomicLong seen = new AtomicLong();
        while (owner.isAlive()) {
            long h = c.hits();
            assertThat(h).as("never goes back").isGreaterThanOrEqualTo(seen.get());
            seen.set(h);
        }
        owner.join(); // the happens-before edge: exact from here on
        assertThat(c.hits()).isEqualTo(100_000);
        assertThat(c.releases()).isEqualTo(100_000);
    }
}

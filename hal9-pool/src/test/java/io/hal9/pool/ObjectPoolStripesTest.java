package io.hal9.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The shared idle set: exactly bounded, and a thread whose stripe is empty or full walks the others. */
@Timeout(5)
class ObjectPoolStripesTest {

    @Test
    void holdsExactlyItsCapacityWhicheverStripeThreadsStartAt() {
        ObjectPoolStripes<Integer> stripes = new ObjectPoolStripes<>(64, 8);
        assertThat(stripes.stripeCount()).isEqualTo(4); // 64 / 16: no stripe smaller than 16
        for (int i = 0; i < 64; i++) {
            assertThat(stripes.offer(i, 1)).as("offer %d", i).isTrue(); // home 1 fills, then the others
        }
        assertThat(stripes.offer(64, 2)).isFalse();
        assertThat(stripes.size()).isEqualTo(64);

        Set<Integer> taken = new HashSet<>();
        for (Integer e; (e = stripes.poll(3)) != null; ) {
            taken.add(e);
        }
        assertThat(taken).hasSize(64);
        assertThat(stripes.isEmpty()).isTrue();
    }

    @Test
    void theStripeCountFollowsTheLimitAndTheCapacity() {
        assertThat(new ObjectPoolStripes<>(512, 8).stripeCount()).isEqualTo(8);
        assertThat(new ObjectPoolStripes<>(512, 6).stripeCount()).isEqualTo(8); // rounded up to a power of 2
        assertThat(new ObjectPoolStripes<>(512, 1).stripeCount()).isEqualTo(1);
        assertThat(new ObjectPoolStripes<>(2, 64).stripeCount()).isEqualTo(1);
        assertThat(new ObjectPoolStripes<>(2, 64).capacity()).isEqualTo(2);
    }

    @Test
    void homesStayWithinTheStripes() {
        ObjectPoolStripes<Integer> stripes = new ObjectPoolStripes<>(512, 8);
        Set<Integer> homes = new HashSet<>();
        for (int i = 0; i < 64; i++) {
            homes.add(stripes.home(Thread.ofVirtual().unstarted(() -> {})));
        }
        assertThat(homes).allSatisfy(h -> assertThat(h).isBetween(0, 7));
        assertThat(homes).hasSizeGreaterThan(4); // sequential ids spread over the stripes
    }

    @Test
    void aCapacityThatIsNotAPowerOfTwoIsRefused() {
        assertThatThrownBy(() -> new ObjectPoolStripes<Integer>(100, 4))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("capacity must be a power of two >= 2, was 100");
    }
}

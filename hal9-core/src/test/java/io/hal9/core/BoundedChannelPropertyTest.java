package io.hal9.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Any single-threaded sequence of channel operations behaves like a plain {@link ArrayDeque} limited to
 * the same capacity, with a closed flag. Every operation here is non-blocking, so a property cannot hang
 * (jqwik does not honour JUnit's {@code @Timeout}).
 */
class BoundedChannelPropertyTest {

    @Property(tries = 300)
    void behavesLikeABoundedDequeWithAClosedFlag(
            @ForAll @IntRange(min = 2, max = 9) int capacity,
            @ForAll @Size(max = 200) List<@IntRange(min = 0, max = 19) Integer> operations) {
        BoundedChannel<Integer> channel =
                BoundedChannel.<Integer>builder("model").capacity(capacity).build();
        ArrayDeque<Integer> model = new ArrayDeque<>();
        boolean closed = false;
        long accepted = 0;
        long refusedFull = 0;
        long refusedClosed = 0;
        long received = 0;
        int next = 0;

        for (int op : operations) {
            if (op < 10) { // trySend
                Admission expected =
                        closed ? Admission.CLOSED : model.size() == capacity ? Admission.FULL : Admission.ACCEPTED;
                assertThat(channel.trySend(next)).isEqualTo(expected);
                switch (expected) {
                    case ACCEPTED -> {
                        model.add(next);
                        accepted++;
                    }
                    case FULL -> refusedFull++;
                    default -> refusedClosed++;
                }
                next++;
            } else if (op < 13) { // poll
                Integer expected = model.poll();
                assertThat(channel.poll()).isEqualTo(expected);
                received += expected == null ? 0 : 1;
            } else if (op < 15) { // drain
                int max = op - 12;
                List<Integer> expected = take(model, max);
                List<Integer> actual = new ArrayList<>();
                assertThat(channel.drain(actual::add, max)).isEqualTo(expected.size());
                assertThat(actual).isEqualTo(expected);
                received += expected.size();
            } else if (op < 17) { // drainTo
                int max = 2 * (op - 14);
                List<Integer> expected = take(model, max);
                List<Integer> actual = new ArrayList<>();
                assertThat(channel.drainTo(actual, max)).isEqualTo(expected.size());
                assertThat(actual).isEqualTo(expected);
                received += expected.size();
            } else if (op < 18) { // close
                channel.close();
                closed = true;
            } else { // receive without waiting
                if (closed && model.isEmpty()) {
                    assertThatThrownBy(() -> channel.receive(Duration.ZERO))
                            .isInstanceOf(RejectedException.class)
                            .extracting(e -> ((RejectedException) e).reason())
                            .isEqualTo(Admission.CLOSED);
                } else {
                    Integer expected = model.poll();
                    assertThat(channel.receive(Duration.ZERO)).isEqualTo(expected);
                    received += expected == null ? 0 : 1;
                }
            }

            assertThat(channel.size()).isEqualTo(model.size());
            assertThat(channel.isClosed()).isEqualTo(closed);
            assertThat(channel.isTerminated()).isEqualTo(closed && model.isEmpty());
            assertThat(channel.stats())
                    .isEqualTo(new BoundedChannel.Stats(
                            capacity, model.size(), accepted, refusedFull, refusedClosed, received, 0, closed));
        }
    }

    private static List<Integer> take(ArrayDeque<Integer> model, int max) {
        List<Integer> taken = new ArrayList<>();
        while (taken.size() < max && !model.isEmpty()) {
            taken.add(model.poll());
        }
        return taken;
    }
}

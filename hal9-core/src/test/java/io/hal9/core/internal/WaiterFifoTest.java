package io.hal9.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class WaiterFifoTest {

    /** A node as an owner would write one: two plain link fields. */
    static final class N implements WaiterFifo.Node<N> {
        final int id;

        @Nullable
        N prev;

        @Nullable
        N next;

        N(int id) {
            this.id = id;
        }

        @Override
        public @Nullable N fifoPrev() {
            return prev;
        }

        @Override
        public void fifoPrev(@Nullable N p) {
            prev = p;
        }

        @Override
        public @Nullable N fifoNext() {
            return next;
        }

        @Override
        public void fifoNext(@Nullable N n) {
            next = n;
        }

        @Override
        public String toString() {
            return "N" + id;
        }
    }

    @Test
    void pollsInTheOrderNodesWereAddedAndAddFirstJumpsTheLine() {
        WaiterFifo<N> fifo = new WaiterFifo<>();
        assertThat(fifo.isEmpty()).isTrue();
        assertThat(fifo.pollFirst()).isNull();
        N a = new N(1);
        N b = new N(2);
        N c = new N(3);
        fifo.addLast(a);
        fifo.addLast(b);
        fifo.addFirst(c);
        assertThat(fifo.size()).isEqualTo(3);
        assertThat(fifo.peekFirst()).isSameAs(c);
        assertThat(fifo.pollFirst()).isSameAs(c);
        assertThat(fifo.pollFirst()).isSameAs(a);
        assertThat(fifo.pollFirst()).isSameAs(b);
        assertThat(fifo.pollFirst()).isNull();
        assertThat(fifo.size()).isZero();
        assertThat(fifo.isEmpty()).isTrue();
    }

    @Test
    void removesFromTheHeadTheMiddleAndTheTailAndClearsTheLinksOfWhatLeft() {
        WaiterFifo<N> fifo = new WaiterFifo<>();
        N[] n = {new N(0), new N(1), new N(2), new N(3), new N(4)};
        for (N x : n) {
            fifo.addLast(x);
        }
        fifo.remove(n[2]);
        fifo.remove(n[0]);
        fifo.remove(n[4]);
        for (int i : new int[] {0, 2, 4}) {
            assertThat(n[i].prev).isNull();
            assertThat(n[i].next).isNull();
        }
        assertThat(drain(fifo)).containsExactly(n[1], n[3]);
        fifo.addFirst(n[2]); // a node that left may be linked again
        assertThat(drain(fifo)).containsExactly(n[2]);
    }

    @Test
    void behavesLikeADequeUnderRandomOperations() {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        WaiterFifo<N> fifo = new WaiterFifo<>();
        ArrayDeque<N> model = new ArrayDeque<>();
        for (int op = 0; op < 20_000; op++) {
            switch (random.nextInt(5)) {
                case 0 -> {
                    N x = new N(op);
                    fifo.addLast(x);
                    model.addLast(x);
                }
                case 1 -> {
                    N x = new N(op);
                    fifo.addFirst(x);
                    model.addFirst(x);
                }
                case 2 -> assertThat(fifo.pollFirst()).as("seed %d", seed).isSameAs(model.pollFirst());
                case 3 -> {
                    if (!model.isEmpty()) {
                        N x = new ArrayList<>(model).get(random.nextInt(model.size()));
                        fifo.remove(x);
                        model.remove(x);
                    }
                }
                default -> assertThat(fifo.peekFirst()).as("seed %d", seed).isSameAs(model.peekFirst());
            }
            assertThat(fifo.size()).as("seed %d", seed).isEqualTo(model.size());
            assertThat(fifo.isEmpty()).as("seed %d", seed).isEqualTo(model.isEmpty());
        }
        assertThat(drain(fifo)).as("seed %d", seed).containsExactlyElementsOf(model);
    }

    private static List<N> drain(WaiterFifo<N> fifo) {
        List<N> out = new ArrayList<>();
        for (N x = fifo.pollFirst(); x != null; x = fifo.pollFirst()) {
            out.add(x);
        }
        return out;
    }
}

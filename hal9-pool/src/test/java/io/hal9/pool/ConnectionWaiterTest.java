package io.hal9.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.hal9.core.internal.WaiterFifo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ConnectionWaiterTest {

    @Test
    void aNewWaiterWaitsAndHoldsNothing() {
        ConnectionWaiter<String> w = new ConnectionWaiter<>(Thread.currentThread());
        assertThat(w.state).isEqualTo(ConnectionWaiter.WAITING);
        assertThat(w.entry).isNull();
        assertThat(w.thread).isSameAs(Thread.currentThread());
        assertThat(w.fifoPrev()).isNull();
        assertThat(w.fifoNext()).isNull();
    }

    @Test
    void waitersLineUpInThePoolsFifoAndOneSentBackGoesFirst() {
        WaiterFifo<ConnectionWaiter<String>> line = new WaiterFifo<>();
        ConnectionWaiter<String> a = new ConnectionWaiter<>(Thread.currentThread());
        ConnectionWaiter<String> b = new ConnectionWaiter<>(Thread.currentThread());
        ConnectionWaiter<String> again = new ConnectionWaiter<>(Thread.currentThread());
        line.addLast(a);
        line.addLast(b);
        line.addFirst(again); // a waiter whose slot was stale tries again at the head
        assertThat(a.fifoPrev()).isSameAs(again);
        assertThat(a.fifoNext()).isSameAs(b);
        line.remove(a); // timed out in the middle
        assertThat(a.fifoPrev()).isNull();
        assertThat(a.fifoNext()).isNull();
        assertThat(line.pollFirst()).isSameAs(again);
        assertThat(line.pollFirst()).isSameAs(b);
        assertThat(line.isEmpty()).isTrue();
    }

    @Test
    void statesAreDistinct() {
        assertThat(ConnectionWaiter.WAITING)
                .isNotEqualTo(ConnectionWaiter.GRANTED)
                .isNotEqualTo(ConnectionWaiter.REFUSED);
        assertThat(ConnectionWaiter.GRANTED).isNotEqualTo(ConnectionWaiter.REFUSED);
    }
}

package io.hal9.pool;

import io.hal9.core.internal.WaiterFifo;
import org.jspecify.annotations.Nullable;

/**
 * A caller blocked in {@link ConnectionPoolImpl#acquire(java.time.Duration)}: a node of the pool's {@link
 * WaiterFifo}, and the mailbox through which the pool hands it a slot.
 *
 * <p>Concurrency: {@link #state} moves WAITING -> GRANTED or WAITING -> REFUSED once, under the pool's
 * lock, by a volatile write that the waiter reads without the lock; {@link #entry} is written before {@code
 * state = GRANTED} and read after the waiter saw GRANTED. The links are guarded by the pool's lock.
 *
 * <p>Thread safety: as above.
 *
 * @param <C> the connection type
 */
final class ConnectionWaiter<C> implements WaiterFifo.Node<ConnectionWaiter<C>> {
    static final int WAITING = 0;
    static final int GRANTED = 1;
    static final int REFUSED = 2;

    final Thread thread;

    /** WAITING, GRANTED or REFUSED; written under the pool's lock, read by the waiter. */
    volatile int state;

    /** The granted slot; written before state = GRANTED. */
    @Nullable
    ConnectionEntry<C> entry;

    /** Links of the pool's waiter list; guarded by the pool's lock. */
    private @Nullable ConnectionWaiter<C> prev;

    private @Nullable ConnectionWaiter<C> next;

    ConnectionWaiter(Thread thread) {
        this.thread = thread;
    }

    // The links, for the pool's WaiterFifo only (under the pool's lock): plain accesses.

    @Override
    public @Nullable ConnectionWaiter<C> fifoPrev() {
        return prev;
    }

    @Override
    public void fifoPrev(@Nullable ConnectionWaiter<C> p) {
        prev = p;
    }

    @Override
    public @Nullable ConnectionWaiter<C> fifoNext() {
        return next;
    }

    @Override
    public void fifoNext(@Nullable ConnectionWaiter<C> n) {
        next = n;
    }
}

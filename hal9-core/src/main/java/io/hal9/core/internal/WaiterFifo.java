package io.hal9.core.internal;

import org.jspecify.annotations.Nullable;

/**
 * The one waiter FIFO of HAL9: an intrusive doubly linked list, oldest first, of nodes that carry their own
 * links ({@link Node}), so that linking and unlinking allocate nothing and a node in the middle (a waiter
 * that timed out, a queued task that was cancelled) leaves in O(1). {@code TaskLimiterImpl} keeps its
 * waiting line and its blocked callers in two of these, {@code ConnectionPoolImpl} its blocked callers.
 *
 * <p>Concurrency: none of its own, on purpose. Every list and the links of every node in it are guarded by
 * one lock of the owner (the limiter's lock, the pool's lock): the owner takes that lock around every call
 * here, and reads or writes a node's links nowhere else. The list adds no lock, no volatile access and no
 * ordering: what a waiter is told (granted, refused) is published by the owner's own volatile writes, after
 * the node has left the list under the same lock.
 *
 * <p>Invariants, whenever the owner's lock is free: (1) {@link #size()} is the number of linked nodes; (2)
 * {@code head.prev == null}, {@code tail.next == null}, and following {@code next} from the head reaches the
 * tail; (3) a node is in at most one list at a time, and a node in no list has both links null.
 *
 * <p>Limits: {@link #remove} trusts that the node is in this list (the owner knows it from the node's
 * state); removing a node that is not corrupts the list. Not part of the API. Thread safety: none (see
 * above).
 *
 * @param <N> the node type
 */
public final class WaiterFifo<N extends WaiterFifo.Node<N>> {
    /**
     * A node that carries its own links. Implementations hold two plain fields, written only by {@link
     * WaiterFifo} under the owner's lock.
     *
     * @param <N> the node type itself
     */
    public interface Node<N extends Node<N>> {
        /** The previous (older) node, or null at the head or outside a list. */
        @Nullable
        N fifoPrev();

        /** Sets the previous link. */
        void fifoPrev(@Nullable N prev);

        /** The next (younger) node, or null at the tail or outside a list. */
        @Nullable
        N fifoNext();

        /** Sets the next link. */
        void fifoNext(@Nullable N next);
    }

    private @Nullable N head;
    private @Nullable N tail;
    private int size;

    /** The number of linked nodes. */
    public int size() {
        return size;
    }

    /** Whether no node is linked. */
    public boolean isEmpty() {
        return head == null;
    }

    /** The oldest node, still linked, or null. */
    public @Nullable N peekFirst() {
        return head;
    }

    /** Links {@code n} as the youngest node. */
    public void addLast(N n) {
        N t = tail;
        n.fifoPrev(t);
        n.fifoNext(null);
        if (t == null) {
            head = n;
        } else {
            t.fifoNext(n);
        }
        tail = n;
        size++;
    }

    /** Links {@code n} as the oldest node (a waiter that goes back to the head of the line). */
    public void addFirst(N n) {
        N h = head;
        n.fifoPrev(null);
        n.fifoNext(h);
        if (h == null) {
            tail = n;
        } else {
            h.fifoPrev(n);
        }
        head = n;
        size++;
    }

    /** Unlinks and returns the oldest node, or null if none. */
    public @Nullable N pollFirst() {
        N h = head;
        if (h != null) {
            remove(h);
        }
        return h;
    }

    /** Unlinks {@code n}, which must be in this list, wherever it is. */
    public void remove(N n) {
        N p = n.fifoPrev();
        N x = n.fifoNext();
        if (p == null) {
            head = x;
        } else {
            p.fifoNext(x);
        }
        if (x == null) {
            tail = p;
        } else {
            x.fifoPrev(p);
        }
        n.fifoPrev(null);
        n.fifoNext(null);
        size--;
    }
}

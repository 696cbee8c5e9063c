package io.hal9.core;

import io.hal9.core.internal.Checks;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Collection;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.jctools.queues.MpscArrayQueue;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Field layout of BoundedChannelImpl, JCTools style: HotSpot lays out a superclass's fields before its
 * subclass's, so 128 bytes of padding between the groups keep each group on cache lines of its own (two
 * lines, against the adjacent-line prefetcher). Bytes rather than longs so that no subclass field can be
 * slotted into an alignment gap of a padding class. Auxiliary classes: used only in this file.
 */

/** Padding before the producer fields (keeps them off the object header's line). */
abstract class BoundedChannelPad0 {
    byte a000, a001, a002, a003, a004, a005, a006, a007, a008, a009, a010, a011, a012, a013, a014, a015;
    byte a016, a017, a018, a019, a020, a021, a022, a023, a024, a025, a026, a027, a028, a029, a030, a031;
    byte a032, a033, a034, a035, a036, a037, a038, a039, a040, a041, a042, a043, a044, a045, a046, a047;
    byte a048, a049, a050, a051, a052, a053, a054, a055, a056, a057, a058, a059, a060, a061, a062, a063;
    byte a064, a065, a066, a067, a068, a069, a070, a071, a072, a073, a074, a075, a076, a077, a078, a079;
    byte a080, a081, a082, a083, a084, a085, a086, a087, a088, a089, a090, a091, a092, a093, a094, a095;
    byte a096, a097, a098, a099, a100, a101, a102, a103, a104, a105, a106, a107, a108, a109, a110, a111;
    byte a112, a113, a114, a115, a116, a117, a118, a119, a120, a121, a122, a123, a124, a125, a126, a127;
}

/** Written by every send: producers own this line. */
abstract class BoundedChannelProducerFields extends BoundedChannelPad0 {
    /** CLOSED bit (bit 63) | reservations (bits 0..62). Accessed through BoundedChannelImpl.STATE only. */
    long state;

    /** A lower bound of consumed + capacity; racy cache, see BoundedChannelImpl.LIMIT. */
    long limitCache;

    /** The consumer thread while it is parked in receive, else null. Written rarely, read by each send. */
    @Nullable
    Thread parkedConsumer;
}

/** Padding between the producer and consumer fields. */
abstract class BoundedChannelPad1 extends BoundedChannelProducerFields {
    byte b000, b001, b002, b003, b004, b005, b006, b007, b008, b009, b010, b011, b012, b013, b014, b015;
    byte b016, b017, b018, b019, b020, b021, b022, b023, b024, b025, b026, b027, b028, b029, b030, b031;
    byte b032, b033, b034, b035, b036, b037, b038, b039, b040, b041, b042, b043, b044, b045, b046, b047;
    byte b048, b049, b050, b051, b052, b053, b054, b055, b056, b057, b058, b059, b060, b061, b062, b063;
    byte b064, b065, b066, b067, b068, b069, b070, b071, b072, b073, b074, b075, b076, b077, b078, b079;
    byte b080, b081, b082, b083, b084, b085, b086, b087, b088, b089, b090, b091, b092, b093, b094, b095;
    byte b096, b097, b098, b099, b100, b101, b102, b103, b104, b105, b106, b107, b108, b109, b110, b111;
    byte b112, b113, b114, b115, b116, b117, b118, b119, b120, b121, b122, b123, b124, b125, b126, b127;
}

/** Written by the consumer on every take: the consumer owns this line. */
abstract class BoundedChannelConsumerFields extends BoundedChannelPad1 {
    /** Messages taken so far. Written only by the consumer. */
    long consumed;

    /** Threads waiting in send for space; changed only on that slow path, read by every take. */
    int waitingSenders;

    /** Sticky: once closed and drained was observed. */
    boolean terminated;
}

/** Padding between the consumer fields and the read-mostly fields of BoundedChannelImpl. */
abstract class BoundedChannelPad2 extends BoundedChannelConsumerFields {
    byte c000, c001, c002, c003, c004, c005, c006, c007, c008, c009, c010, c011, c012, c013, c014, c015;
    byte c016, c017, c018, c019, c020, c021, c022, c023, c024, c025, c026, c027, c028, c029, c030, c031;
    byte c032, c033, c034, c035, c036, c037, c038, c039, c040, c041, c042, c043, c044, c045, c046, c047;
    byte c048, c049, c050, c051, c052, c053, c054, c055, c056, c057, c058, c059, c060, c061, c062, c063;
    byte c064, c065, c066, c067, c068, c069, c070, c071, c072, c073, c074, c075, c076, c077, c078, c079;
    byte c080, c081, c082, c083, c084, c085, c086, c087, c088, c089, c090, c091, c092, c093, c094, c095;
    byte c096, c097, c098, c099, c100, c101, c102, c103, c104, c105, c106, c107, c108, c109, c110, c111;
    byte c112, c113, c114, c115, c116, c117, c118, c119, c120, c121, c122, c123, c124, c125, c126, c127;
}

/**
 * The {@link BoundedChannel} implementation: an exact-capacity reservation counter in front of a JCTools
 * {@link MpscArrayQueue}.
 *
 * <p>Thread safety: see {@link BoundedChannel}: any number of senders, one consumer at a time.
 */
final class BoundedChannelImpl<T> extends BoundedChannelPad2 implements BoundedChannel<T> {
    /*
     * Design
     * - state (producer line): bit 63 = CLOSED, bits 0..62 = R, the reservations. A send does ONE
     *   getAndAdd(state, 1) and judges the value r it returns: bit 63 set -> undo (add -1), CLOSED;
     *   r >= consumed + capacity -> undo, FULL; else the message has a slot of its own, the queue's offer
     *   cannot fail, ACCEPTED. That one atomic is the whole price of exact capacity and of a close that
     *   loses nothing; the accepted total is R itself (no counter per send), refusals are counted in
     *   LongAdders because they are the slow path, the listener hears only refusals.
     *   Chosen over a compare-and-set loop on state (no undo, but retries under contention on top of
     *   JCTools' own CAS loop) and over offerIfBelowThreshold (exact capacity for free, but no way to
     *   make close() race-free without a count of senders in flight, i.e. the same atomic).
     * - consumed (consumer line): messages taken, written only by the consumer, published with a
     *   release store after each take. limitCache (producer line) holds some past consumed + capacity;
     *   consumed only grows, so it is a lower bound of the true limit and r < limitCache accepts without
     *   reading the consumer's line, as JCTools' producerLimit does. Racy, see offer().
     * - closed (read-mostly line): a copy of the CLOSED bit, set once by close() after the bit, so that
     *   senders after close() answer CLOSED without writing state; keeps R settled for end of stream.
     * - The queue's own capacity is the next power of two >= capacity; the counter enforces the exact one.
     *
     * Concurrency
     * - Senders waiting for space: waiters (a ConcurrentLinkedQueue of threads, slow path only) plus
     *   waitingSenders. The consumer, after each take, reads waitingSenders and, if non-zero, unparks the
     *   first waiter; a waiter that gets in passes the signal on if space remains. The consumer's take is
     *   deliberately not fenced (release store of consumed, then a load of waitingSenders), so in a rare
     *   race both sides miss each other; senders therefore park at most SENDER_PARK_MAX_NANOS (1 ms) per
     *   round, which bounds the cost of a miss and keeps the consumer's fast path free of fences.
     * - The consumer waiting in receive: it stores parkedConsumer (volatile, so StoreLoad), then polls
     *   and re-reads state (volatile). A sender's getAndAdd(state) comes before its offer and its
     *   volatile read of parkedConsumer after it. Dekker: either the sender sees the consumer and unparks
     *   it, or the consumer sees the reservation (R > consumed) and parks only briefly (bounded back-off)
     *   until the message becomes visible. close() sets the bit with getAndBitwiseOr and then reads
     *   parkedConsumer: the same pairing, so a consumer never sleeps through close().
     * - close() sets the bit and then scans waiters; a waiter adds itself to waiters before each
     *   reservation. Both steps are full fences, so a waiter either sees the bit or is unparked.
     *
     * Invariants
     * 1. R = accepted + refused sends still backing out; accepted >= consumed. Hence R >= consumed.
     * 2. accepted - consumed <= capacity, exactly: a send is accepted only if r < c + capacity, where
     *    r >= the sends accepted before it and c <= consumed.
     * 3. Once the CLOSED bit is set no send is accepted. So closed && R == consumed means every accepted
     *    message was taken and none is between reservation and offer: end of stream, for good
     *    (terminated is then set, sticky).
     * 4. The queue's offer cannot fail. Every sender's view of consumed comes (acquire) from the
     *    consumer's release store made after the queue's consumer-index store, directly or through
     *    limitCache (release/acquire); a sender claims a queue slot (a volatile CAS) after every sender
     *    that claimed one before it, so its view of the consumer index is at least as new as theirs.
     *    With 2, fewer than capacity slots are claimed and not freed when it claims one.
     */
    private static final Logger LOG = LoggerFactory.getLogger(BoundedChannel.class);

    private static final long CLOSED_BIT = Long.MIN_VALUE;
    private static final long COUNT_MASK = Long.MAX_VALUE;

    /** First park of a sender waiting for space; doubles each round. */
    static final long SENDER_PARK_MIN_NANOS = 16_000L;
    /** Longest park of a waiting sender: bounds a missed signal and how late a manual ticker is seen. */
    static final long SENDER_PARK_MAX_NANOS = 1_000_000L;
    /** Park of a receiver that saw a reservation whose message is not visible yet; doubles each round. */
    static final long RECEIVER_PARK_MIN_NANOS = 1_000L;
    /** Longest such park. */
    static final long RECEIVER_PARK_MAX_NANOS = 1_000_000L;

    private static final VarHandle STATE;
    private static final VarHandle LIMIT;
    private static final VarHandle PARKED;
    private static final VarHandle CONSUMED;
    private static final VarHandle WAITING;
    private static final VarHandle TERMINATED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            STATE = lookup.findVarHandle(BoundedChannelProducerFields.class, "state", long.class);
            LIMIT = lookup.findVarHandle(BoundedChannelProducerFields.class, "limitCache", long.class);
            PARKED = lookup.findVarHandle(BoundedChannelProducerFields.class, "parkedConsumer", Thread.class);
            CONSUMED = lookup.findVarHandle(BoundedChannelConsumerFields.class, "consumed", long.class);
            WAITING = lookup.findVarHandle(BoundedChannelConsumerFields.class, "waitingSenders", int.class);
            TERMINATED = lookup.findVarHandle(BoundedChannelConsumerFields.class, "terminated", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String name;
    private final String component;
    private final int capacity;
    private final MpscArrayQueue<T> queue;
    private final Ticker ticker;
    private final Listener listener;
    private final ConcurrentLinkedQueue<Thread> waiters = new ConcurrentLinkedQueue<>();
    private final LongAdder refusedFull = new LongAdder();
    private final LongAdder refusedClosed = new LongAdder();

    /** Fast-path copy of the CLOSED bit; written once, by close(), after the bit. */
    private volatile boolean closed;

    BoundedChannelImpl(String name, int capacity, Ticker ticker, Listener listener) {
        this.name = name;
        this.component = "channel '" + name + "'";
        this.capacity = capacity;
        this.queue = new MpscArrayQueue<>(capacity); // rounds up to a power of two >= capacity
        this.ticker = ticker;
        this.listener = listener;
        // limitCache starts at 0: the first send reads consumed and fills it in. A thread that saw the
        // channel through an unsafe publication and reads 0 later just takes that slower path again.
    }

    // ---------------------------------------------------------------- senders

    @Override
    public Admission trySend(T message) {
        Objects.requireNonNull(message, "message");
        Admission admission = offer(message);
        if (admission != Admission.ACCEPTED) {
            refused(admission);
        }
        return admission;
    }

    /** One attempt: reserve, enqueue, wake the consumer if it is parked. Counts nothing. */
    private Admission offer(T message) {
        if (closed) {
            return Admission.CLOSED;
        }
        // Volatile RMW, the one atomic of a send. Its fence also keeps the read of parkedConsumer below
        // after it (the sender's half of the Dekker pair with awaitMessage and close).
        long r = (long) STATE.getAndAdd(this, 1L);
        if (r < 0) { // CLOSED bit: close() came first; back out
            STATE.getAndAdd(this, -1L);
            return Admission.CLOSED;
        }
        // Acquire: pairs with the release store below, carrying the consumer-index view it came from
        // (invariant 4).
        if (r >= (long) LIMIT.getAcquire(this)) {
            // Acquire: pairs with the consumer's release store of consumed after its poll.
            long limit = (long) CONSUMED.getAcquire(this) + capacity;
            if (r >= limit) {
                STATE.getAndAdd(this, -1L);
                return Admission.FULL;
            }
            // benign race: senders may overwrite each other's limit, possibly with a lower one; each was
            // consumed + capacity at some time, so each is a safe lower bound; a low one costs one more
            // read of consumed.
            LIMIT.setRelease(this, limit);
        }
        if (!queue.offer(message)) {
            // Cannot happen (invariant 4). Were it ever to, refusing keeps the contract: nothing taken.
            STATE.getAndAdd(this, -1L);
            return Admission.FULL;
        }
        // Volatile read: second half of the Dekker pair (see Design). Null on the fast path.
        Thread consumer = (Thread) PARKED.getVolatile(this);
        if (consumer != null) {
            LockSupport.unpark(consumer);
        }
        return Admission.ACCEPTED;
    }

    @Override
    public void send(T message, Duration timeout) {
        Objects.requireNonNull(message, "message");
        long timeoutNanos = timeoutNanos(timeout);
        Admission admission = offer(message);
        if (admission == Admission.ACCEPTED) {
            return;
        }
        if (admission == Admission.CLOSED) {
            throw rejectClosed();
        }
        awaitSpace(message, timeout, timeoutNanos);
    }

    private void awaitSpace(T message, Duration timeout, long timeoutNanos) {
        long start = ticker.read();
        Thread me = Thread.currentThread();
        // Register before the next reservation: close() sets the bit and then scans waiters (see Design).
        waiters.add(me);
        WAITING.getAndAdd(this, 1); // volatile RMW; read by the consumer after each take
        boolean accepted = false;
        try {
            long park = SENDER_PARK_MIN_NANOS;
            while (true) {
                Admission admission = offer(message);
                if (admission == Admission.ACCEPTED) {
                    accepted = true;
                    return;
                }
                if (admission == Admission.CLOSED) {
                    throw rejectClosed();
                }
                long elapsed = Math.max(0L, ticker.read() - start);
                if (elapsed >= timeoutNanos) {
                    throw rejectFull("full after waiting " + format(timeout));
                }
                LockSupport.parkNanos(this, Math.min(timeoutNanos - elapsed, park));
                park = Math.min(park << 1, SENDER_PARK_MAX_NANOS);
                if (Thread.interrupted()) {
                    me.interrupt();
                    throw rejectFull("interrupted while waiting for space");
                }
            }
        } finally {
            waiters.remove(me);
            WAITING.getAndAdd(this, -1);
            // Pass the signal on: the consumer may have freed more than the one slot we took.
            if (accepted && (int) WAITING.getVolatile(this) != 0 && size() < capacity) {
                wakeOneSender();
            }
        }
    }

    private void wakeOneSender() {
        Thread waiter = waiters.peek();
        if (waiter != null) {
            LockSupport.unpark(waiter);
        }
    }

    // ---------------------------------------------------------------- consumer

    @Override
    public @Nullable T poll() {
        T message = queue.poll();
        if (message != null) {
            onTaken();
        }
        return message;
    }

    /** Consumer only, after each message taken from the queue. */
    private void onTaken() {
        // consumed is the consumer's own field, so the plain read is current. The release store comes
        // after the queue's consumer-index store: a sender that sees the new count also sees the slot free.
        CONSUMED.setRelease(this, consumed + 1);
        // Acquire read, no fence before it: may miss a sender that registered an instant ago; that
        // sender's bounded park covers the miss (see Design).
        if ((int) WAITING.getAcquire(this) != 0) {
            wakeOneSender();
        }
    }

    @Override
    public @Nullable T receive(Duration timeout) {
        long timeoutNanos = timeoutNanos(timeout);
        T message = poll();
        return message != null ? message : awaitMessage(timeoutNanos);
    }

    private @Nullable T awaitMessage(long timeoutNanos) {
        long start = ticker.read();
        Thread me = Thread.currentThread();
        long backoff = RECEIVER_PARK_MIN_NANOS;
        while (true) {
            // Volatile: the CLOSED bit and R in one read; consumed is our own field.
            long s = (long) STATE.getVolatile(this);
            if (s < 0 && (s & COUNT_MASK) == consumed) {
                TERMINATED.setRelease(this, true); // sticky; read with acquire by isTerminated
                throw endOfStream();
            }
            long elapsed = Math.max(0L, ticker.read() - start);
            if (elapsed >= timeoutNanos) {
                return null;
            }
            long remaining = timeoutNanos - elapsed;
            // Volatile store: StoreLoad before the re-checks below (the consumer's half of the Dekker pair).
            PARKED.setVolatile(this, me);
            try {
                T message = queue.poll();
                if (message != null) {
                    onTaken();
                    return message;
                }
                s = (long) STATE.getVolatile(this);
                long pending = (s & COUNT_MASK) - consumed;
                if (pending == 0) {
                    if (s >= 0) {
                        // Nothing reserved: any later sender reserves after our store and will see us.
                        LockSupport.parkNanos(this, remaining);
                        backoff = RECEIVER_PARK_MIN_NANOS;
                    } // else closed and drained: the next round reports end of stream
                } else {
                    // A sender reserved but its message is not visible yet (or a refused sender is backing
                    // out). It may have read parkedConsumer before our store, so do not count on its unpark.
                    LockSupport.parkNanos(this, Math.min(remaining, backoff));
                    backoff = Math.min(backoff << 1, RECEIVER_PARK_MAX_NANOS);
                }
            } finally {
                // Opaque is enough: a sender that still reads us afterwards only causes a spurious wake-up,
                // which every park loop absorbs.
                PARKED.setOpaque(this, null);
            }
            if (Thread.interrupted()) {
                me.interrupt();
                throw new Hal9Exception(component + ": interrupted while waiting for a message (capacity=" + capacity
                        + ", size=" + size() + ")");
            }
            T message = queue.poll();
            if (message != null) {
                onTaken();
                return message;
            }
        }
    }

    @Override
    public int drain(Consumer<? super T> sink, int max) {
        Objects.requireNonNull(sink, "sink");
        checkMax(max);
        int taken = 0;
        while (taken < max) {
            T message = queue.poll();
            if (message == null) {
                break;
            }
            onTaken();
            taken++;
            sink.accept(message);
        }
        return taken;
    }

    @Override
    public int drainTo(Collection<? super T> target, int max) {
        Objects.requireNonNull(target, "target");
        checkMax(max);
        int taken = 0;
        while (taken < max) {
            T message = queue.poll();
            if (message == null) {
                break;
            }
            onTaken();
            taken++;
            target.add(message);
        }
        return taken;
    }

    // ---------------------------------------------------------------- state

    @Override
    public int size() {
        // consumed first: R read afterwards is >= every accepted count >= consumed, so never negative;
        // the upper clamp hides refused senders still backing out.
        long c = (long) CONSUMED.getAcquire(this);
        long r = (long) STATE.getVolatile(this) & COUNT_MASK;
        return (int) Math.min(capacity, r - c);
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean isClosed() {
        return (long) STATE.getVolatile(this) < 0;
    }

    @Override
    public boolean isTerminated() {
        if ((boolean) TERMINATED.getAcquire(this)) {
            return true;
        }
        // consumed first (see size()): if R read later equals it while closed, every message accepted
        // (their number is fixed once closed) was taken.
        long c = (long) CONSUMED.getAcquire(this);
        long s = (long) STATE.getVolatile(this);
        if (s < 0 && (s & COUNT_MASK) == c) {
            TERMINATED.setRelease(this, true);
            return true;
        }
        return false;
    }

    @Override
    public Stats stats() {
        long c = (long) CONSUMED.getAcquire(this);
        long s = (long) STATE.getVolatile(this);
        long accepted = s & COUNT_MASK;
        return new Stats(
                capacity,
                (int) Math.min(capacity, accepted - c),
                accepted,
                refusedFull.sum(),
                refusedClosed.sum(),
                c,
                (int) WAITING.getVolatile(this),
                s < 0);
    }

    @Override
    public void close() {
        // Volatile RMW: no reservation succeeds after it (invariant 3); its fence keeps the reads of
        // parkedConsumer and waiters below after it (see Design).
        long previous = (long) STATE.getAndBitwiseOr(this, CLOSED_BIT);
        if (previous < 0) {
            return;
        }
        closed = true;
        Thread consumer = (Thread) PARKED.getVolatile(this);
        if (consumer != null) {
            LockSupport.unpark(consumer);
        }
        for (Thread waiter : waiters) {
            LockSupport.unpark(waiter);
        }
        LOG.debug("{}: closed with {} messages left to take", component, size());
        try {
            listener.onClosed(name);
        } catch (RuntimeException e) {
            LOG.warn("{}: listener threw in onClosed", component, e);
        }
    }

    @Override
    public String toString() {
        return "BoundedChannel[" + name + ", size=" + size() + "/" + capacity + (isClosed() ? ", closed]" : "]");
    }

    // ---------------------------------------------------------------- helpers

    private void refused(Admission reason) {
        (reason == Admission.FULL ? refusedFull : refusedClosed).increment();
        try {
            listener.onRefused(name, reason);
        } catch (RuntimeException e) {
            LOG.warn("{}: listener threw in onRefused({})", component, reason, e);
        }
    }

    private RejectedException rejectFull(String what) {
        refused(Admission.FULL);
        return new RejectedException(component, Admission.FULL, component + ": " + what + state());
    }

    private RejectedException rejectClosed() {
        refused(Admission.CLOSED);
        return new RejectedException(component, Admission.CLOSED, component + ": closed, message refused" + state());
    }

    private RejectedException endOfStream() {
        return new RejectedException(
                component, Admission.CLOSED, component + ": closed and every message taken (end of stream)");
    }

    private String state() {
        return " (capacity=" + capacity + ", size=" + size() + ")";
    }

    private long timeoutNanos(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException(component + ": timeout must not be negative, was " + timeout);
        }
        return Checks.saturatedNanos(timeout);
    }

    private void checkMax(int max) {
        if (max < 0) {
            throw new IllegalArgumentException(component + ": max must not be negative, was " + max);
        }
    }

    /** "5ms", "250us" or "17ns": the largest unit that shows the timeout exactly. */
    static String format(Duration d) {
        long nanos = Checks.saturatedNanos(d);
        if (nanos % 1_000_000L == 0) {
            return nanos / 1_000_000L + "ms";
        }
        if (nanos % 1_000L == 0) {
            return nanos / 1_000L + "us";
        }
        return nanos + "ns";
    }
}

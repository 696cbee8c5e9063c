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
    /**
     * CLOSED bit (bit 63) | producer index (bits 0..62): slots reserved so far, each one an accepted message.
     * Accessed through BoundedChannelImpl.PRODUCER_INDEX only.
     */
    long producerIndex;

    /** A lower bound of consumerIndex + capacity; racy cache, see BoundedChannelImpl.offer. */
    long producerLimit;

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
    long consumerIndex;

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
 * The {@link BoundedChannel} implementation: a multi-producer, single-consumer array queue (the algorithm
 * of JCTools' {@code MpscArrayQueue}) whose producer index also carries the CLOSED bit, so that one
 * compare-and-set both reserves a slot and checks that the channel is open.
 *
 * <p>Thread safety: see {@link BoundedChannel}: any number of senders, one consumer at a time.
 */
final class BoundedChannelImpl<T> extends BoundedChannelPad2 implements BoundedChannel<T> {
    /*
     * Design
     * - buffer (read-mostly field, the array itself is shared): n slots, n the next power of two >=
     *   capacity; message number i lives in slot i & mask. A slot is null when free, and also when reserved
     *   by a send that has not stored its message yet.
     * - producerIndex (producer line): bit 63 = CLOSED, bits 0..62 = P, the slots reserved so far. A send
     *   reads the word: bit set -> CLOSED; P >= consumerIndex + capacity -> FULL; else compareAndSet(P,
     *   P + 1), retried if another send changed the word first, and on success a release store of the
     *   message into slot P. That CAS is the one atomic of a send: it reserves the slot, and because the
     *   CLOSED bit lives in the same word it fails if close() came first, so no send is accepted after
     *   close(). A reservation is never undone, so P is also the accepted count (no counter per send).
     * - producerLimit (producer line): some past consumerIndex + capacity. consumerIndex only grows, so it
     *   is a lower bound of the true limit and P < producerLimit accepts without touching the consumer's
     *   line; only when the channel seems full does a send re-read consumerIndex and refresh the cache, as
     *   JCTools does. The limit uses the configured capacity, not n: the capacity is exact.
     * - consumerIndex (consumer line): C, messages taken, written only by the consumer: it takes slot C,
     *   nulls it and publishes C + 1 with a release store. Senders read it only when they seem full.
     * - Refusals are the slow path: counted in LongAdders and told to the listener. accepted = P and
     *   received = C, so the accepting path counts nothing and calls nothing.
     * Chosen over an exact-capacity reservation counter in front of a JCTools queue (two atomics per send)
     * and over offerIfBelowThreshold (no race-free close() without a count of senders in flight).
     *
     * Concurrency
     * - A send that won its CAS but has not stored its message yet leaves a null slot below P. poll()
     *   then spins (onSpinWait, then yield) until the store lands, as JCTools' poll does: the window is a
     *   few instructions unless that sender is descheduled. drain and drainTo do not wait: they stop at
     *   such a slot, as JCTools' drain does, and a later call takes it.
     * - Senders waiting for space: waiters (a ConcurrentLinkedQueue of threads, slow path only) plus
     *   waitingSenders. The consumer, after each take, reads waitingSenders and, if non-zero, unparks the
     *   first waiter; a waiter that gets in passes the signal on if space remains. The consumer's take is
     *   deliberately not fenced (release store of consumerIndex, then a load of waitingSenders), so in a
     *   rare race both sides miss each other; senders therefore park at most SENDER_PARK_MAX_NANOS (1 ms)
     *   per round, which bounds the cost of a miss and keeps the consumer's fast path free of fences.
     * - The consumer waiting in receive: it stores parkedConsumer (volatile), then re-reads producerIndex
     *   (volatile). A send's CAS on producerIndex (volatile) comes before its volatile read of
     *   parkedConsumer. Dekker: either the sender sees the consumer and unparks it, or the consumer sees
     *   P > C and does not park (poll() waits for the store). close() sets the bit with getAndBitwiseOr
     *   and then reads parkedConsumer: the same pairing, so a consumer never sleeps through close().
     * - close() sets the bit and then scans waiters; a waiter adds itself to waiters before its next
     *   attempt. Both steps are full fences, so a waiter either sees the bit or is unparked.
     *
     * Invariants
     * 1. C <= P: the consumer takes slot C only once it holds a message, i.e. after its send reserved it.
     * 2. P - C <= capacity, exactly: a send reserves P only if P < c + capacity for some c the consumer
     *    published, directly or through producerLimit, and c <= C; the CAS proves P was the word's value
     *    at that instant, so afterwards P + 1 - C <= capacity.
     * 3. A reserved slot is free: P < c + capacity <= c + n, so message P - n, the slot's previous
     *    occupant, was taken and its slot nulled before the consumer published c (release), which the
     *    sender read (acquire, directly or through producerLimit's release/acquire) before its store.
     * 4. Once the CLOSED bit is set, P never changes (every CAS expects the bit clear). So closed && C == P
     *    means every accepted message was taken: end of stream, for good (terminated is then set, sticky).
     */
    private static final Logger LOG = LoggerFactory.getLogger(BoundedChannel.class);

    private static final long CLOSED_BIT = Long.MIN_VALUE;
    private static final long INDEX_MASK = Long.MAX_VALUE;

    /** First park of a sender waiting for space; doubles each round. */
    static final long SENDER_PARK_MIN_NANOS = 16_000L;
    /** Longest park of a waiting sender: bounds a missed signal and how late a manual ticker is seen. */
    static final long SENDER_PARK_MAX_NANOS = 1_000_000L;
    /** Busy spins of poll() on a reserved, not yet written slot before it starts to yield instead. */
    static final int SPINS_BEFORE_YIELD = 128;

    /** Spins (then yields, past {@link #SPINS_BEFORE_YIELD}) of an empty receive before it parks. */
    static final int SPINS_BEFORE_PARK = SPINS_BEFORE_YIELD + 32;

    private static final VarHandle PRODUCER_INDEX;
    private static final VarHandle PRODUCER_LIMIT;
    private static final VarHandle PARKED;
    private static final VarHandle CONSUMER_INDEX;
    private static final VarHandle WAITING;
    private static final VarHandle TERMINATED;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Object[].class);

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            PRODUCER_INDEX = lookup.findVarHandle(BoundedChannelProducerFields.class, "producerIndex", long.class);
            PRODUCER_LIMIT = lookup.findVarHandle(BoundedChannelProducerFields.class, "producerLimit", long.class);
            PARKED = lookup.findVarHandle(BoundedChannelProducerFields.class, "parkedConsumer", Thread.class);
            CONSUMER_INDEX = lookup.findVarHandle(BoundedChannelConsumerFields.class, "consumerIndex", long.class);
            WAITING = lookup.findVarHandle(BoundedChannelConsumerFields.class, "waitingSenders", int.class);
            TERMINATED = lookup.findVarHandle(BoundedChannelConsumerFields.class, "terminated", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Object[] buffer;
    private final int mask;
    private final int capacity;
    private final String name;
    private final String component;
    private final Ticker ticker;
    private final Listener listener;
    private final ConcurrentLinkedQueue<Thread> waiters = new ConcurrentLinkedQueue<>();
    private final LongAdder refusedFull = new LongAdder();
    private final LongAdder refusedClosed = new LongAdder();

    BoundedChannelImpl(BoundedChannel.Builder<T> b) {
        this.name = b.name;
        this.component = b.component;
        int capacity = b.capacity;
        this.capacity = capacity;
        // capacity is in [2, 1 << 30], so this is the next power of two >= capacity and at most 1 << 30.
        int slots = 1 << (Integer.SIZE - Integer.numberOfLeadingZeros(capacity - 1));
        this.buffer = new Object[slots];
        this.mask = slots - 1;
        this.ticker = b.ticker;
        this.listener = b.listener;
        // Plain: the true limit while nothing was taken. A thread that sees the channel through an unsafe
        // publication and reads 0 here only takes the refreshing path once more.
        this.producerLimit = capacity;
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

    /** One attempt: reserve a slot, store the message, wake the consumer if it is parked. Counts nothing. */
    private Admission offer(T message) {
        // Acquire: pairs with the release store of whoever refreshed it, carrying the consumerIndex view
        // it was computed from, and with it that the slots below it are free (invariant 3).
        long limit = (long) PRODUCER_LIMIT.getAcquire(this);
        long p;
        do {
            // Acquire: keeps the consumerIndex read below after this one, so FULL holds at that instant.
            // Staleness is harmless: the CAS fails on any word but the current one.
            p = (long) PRODUCER_INDEX.getAcquire(this);
            if (p < 0) { // CLOSED bit: close() came first
                return Admission.CLOSED;
            }
            if (p >= limit) {
                // Acquire: pairs with the consumer's release store after it nulled the slots below.
                limit = (long) CONSUMER_INDEX.getAcquire(this) + capacity;
                if (p >= limit) {
                    return Admission.FULL;
                }
                // Release, so that a sender that reads this also sees the slots free (invariant 3).
                // benign race: senders may overwrite each other's refresh, possibly with a lower limit;
                // each was consumerIndex + capacity at some time, so each is a safe lower bound and a low
                // one costs one more read of consumerIndex.
                PRODUCER_LIMIT.setRelease(this, limit);
            }
            // Volatile CAS, the one atomic of a send: reserves slot p, and fails if the CLOSED bit was set
            // meanwhile. Being a volatile write it also orders the parkedConsumer read below after it (the
            // sender's half of the Dekker pair with awaitMessage and close).
        } while (!PRODUCER_INDEX.compareAndSet(this, p, p + 1));
        // Release: the consumer's acquire read of the slot then sees the message fully built. Only we write
        // this slot until the consumer takes it (invariant 3).
        SLOT.setRelease(buffer, (int) p & mask, message);
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
        long timeoutNanos = Checks.timeoutNanos(component, timeout);
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
        // Register before the next attempt: close() sets the bit and then scans waiters (see Design).
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
                    throw rejectFull("full after waiting " + Checks.formatDuration(timeout));
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
        Object[] slots = buffer;
        long c = consumerIndex; // plain: the consumer's own field, written only by this role
        int offset = (int) c & mask;
        // Acquire: pairs with the sender's release store, so the message is seen fully built.
        Object message = SLOT.getAcquire(slots, offset);
        if (message == null) {
            // Acquire (the slot read above is one too): this read comes after it, so if no slot C was
            // reserved now, the channel was empty at this instant.
            if (((long) PRODUCER_INDEX.getAcquire(this) & INDEX_MASK) == c) {
                return null;
            }
            // Slot C is reserved: its sender is between its CAS and its store.
            message = awaitStore(slots, offset);
        }
        taken(slots, offset, c);
        return cast(message);
    }

    /** Consumer only: waits for the store of a sender that has reserved slot {@code offset}. */
    private static Object awaitStore(Object[] slots, int offset) {
        int spins = 0;
        Object message;
        // Acquire: as in poll().
        while ((message = SLOT.getAcquire(slots, offset)) == null) {
            if (spins < SPINS_BEFORE_YIELD) {
                spins++;
                Thread.onSpinWait();
            } else {
                Thread.yield(); // the sender may be descheduled; let it run (on 2 cores it may need ours)
            }
        }
        return message;
    }

    /** Consumer only, after taking the message in slot {@code offset}, number {@code c}. */
    private void taken(Object[] slots, int offset, long c) {
        // Plain: published by the release store below; no sender writes this slot before it has read a
        // consumerIndex > c (invariant 3).
        slots[offset] = null;
        // Release: a sender that reads c + 1 (acquire) also sees the slot nulled. Producers read it only
        // when they seem full, so this store rarely costs more than a store to our own line.
        CONSUMER_INDEX.setRelease(this, c + 1);
        // Acquire read, no fence before it: may miss a sender that registered an instant ago; that
        // sender's bounded park covers the miss (see Design).
        if ((int) WAITING.getAcquire(this) != 0) {
            wakeOneSender();
        }
    }

    @Override
    public @Nullable T receive(Duration timeout) {
        long timeoutNanos = Checks.timeoutNanos(component, timeout);
        T message = poll();
        return message != null ? message : awaitMessage(timeoutNanos);
    }

    private @Nullable T awaitMessage(long timeoutNanos) {
        long start = ticker.read();
        Thread me = Thread.currentThread();
        int spins = 0;
        while (true) {
            // Volatile: the CLOSED bit and P in one read; consumerIndex is our own field.
            long p = (long) PRODUCER_INDEX.getVolatile(this);
            if ((p & INDEX_MASK) != consumerIndex) {
                T message = poll(); // slot C is reserved: poll() waits for its store
                if (message != null) {
                    return message;
                }
                continue;
            }
            if (p < 0) { // closed, and every accepted message taken (invariant 4)
                TERMINATED.setRelease(this, true); // sticky; read with acquire by isTerminated
                throw endOfStream();
            }
            long elapsed = Math.max(0L, ticker.read() - start);
            if (elapsed >= timeoutNanos) {
                return null;
            }
            if (spins < SPINS_BEFORE_PARK) {
                // A busy channel refills within microseconds: look again a few times before parking, so
                // that a steady stream does not cost each send an unpark (a system call) of the consumer.
                if (spins++ < SPINS_BEFORE_YIELD) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
                continue;
            }
            // Volatile store: StoreLoad before the re-read below (the consumer's half of the Dekker pair).
            PARKED.setVolatile(this, me);
            try {
                // Volatile: a send or close() that came before our store is seen here; any later one sees
                // parkedConsumer and unparks us (see Design).
                p = (long) PRODUCER_INDEX.getVolatile(this);
                if (p >= 0 && p == consumerIndex) {
                    LockSupport.parkNanos(this, timeoutNanos - elapsed);
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
        }
    }

    @Override
    public int drain(Consumer<? super T> sink, int max) {
        Objects.requireNonNull(sink, "sink");
        checkMax(max);
        Object[] slots = buffer;
        int taken = 0;
        while (taken < max) {
            long c = consumerIndex; // plain, our own field; re-read as the sink may poll on this thread
            int offset = (int) c & mask;
            // Acquire: as in poll().
            Object message = SLOT.getAcquire(slots, offset);
            if (message == null) {
                break; // empty, or its sender has not stored yet: drain does not wait (see Design)
            }
            taken(slots, offset, c);
            taken++;
            sink.accept(cast(message));
        }
        return taken;
    }

    @Override
    public int drainTo(Collection<? super T> target, int max) {
        Objects.requireNonNull(target, "target");
        checkMax(max);
        Object[] slots = buffer;
        int taken = 0;
        while (taken < max) {
            long c = consumerIndex; // as in drain
            int offset = (int) c & mask;
            // Acquire: as in poll().
            Object message = SLOT.getAcquire(slots, offset);
            if (message == null) {
                break;
            }
            taken(slots, offset, c);
            taken++;
            target.add(cast(message));
        }
        return taken;
    }

    @SuppressWarnings("unchecked") // only offer() stores into the buffer, and it stores T
    private static <T> T cast(Object message) {
        return (T) message;
    }

    // ---------------------------------------------------------------- state

    @Override
    public int size() {
        // consumerIndex first (acquire keeps the next read after it): P read afterwards is >= every C
        // before it, so never negative; the upper clamp hides takes made between the two reads.
        long c = (long) CONSUMER_INDEX.getAcquire(this);
        long p = (long) PRODUCER_INDEX.getVolatile(this) & INDEX_MASK;
        return (int) Math.min(capacity, p - c);
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
        return (long) PRODUCER_INDEX.getVolatile(this) < 0;
    }

    @Override
    public boolean isTerminated() {
        if ((boolean) TERMINATED.getAcquire(this)) {
            return true;
        }
        // consumerIndex first (see size()): if P, read later and final once closed, equals it, every
        // accepted message was taken.
        long c = (long) CONSUMER_INDEX.getAcquire(this);
        long p = (long) PRODUCER_INDEX.getVolatile(this);
        if (p < 0 && (p & INDEX_MASK) == c) {
            TERMINATED.setRelease(this, true);
            return true;
        }
        return false;
    }

    @Override
    public Stats stats() {
        long c = (long) CONSUMER_INDEX.getAcquire(this);
        long p = (long) PRODUCER_INDEX.getVolatile(this);
        long accepted = p & INDEX_MASK;
        return new Stats(
                capacity,
                (int) Math.min(capacity, accepted - c),
                accepted,
                refusedFull.sum(),
                refusedClosed.sum(),
                c,
                (int) WAITING.getVolatile(this),
                p < 0);
    }

    @Override
    public void close() {
        // Volatile RMW: every later CAS of a send fails on the bit, so P is final from here (invariant 4);
        // its fence keeps the reads of parkedConsumer and waiters below after it (see Design).
        long previous = (long) PRODUCER_INDEX.getAndBitwiseOr(this, CLOSED_BIT);
        if (previous < 0) {
            return;
        }
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

    private void checkMax(int max) {
        if (max < 0) {
            throw new IllegalArgumentException(component + ": max must not be negative, was " + max);
        }
    }
}

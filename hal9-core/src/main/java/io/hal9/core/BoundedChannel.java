package io.hal9.core;

import io.hal9.core.internal.BuilderOptions;
import io.hal9.core.internal.Checks;
import java.time.Duration;
import java.util.Collection;
import java.util.Objects;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A bounded multi-producer, single-consumer queue of messages, 1,000 by default. Game logic on any
 * number of threads sends; one consumer thread (a flusher, a tick loop) takes.
 *
 * <pre>{@code
 * BoundedChannel<Action> actions =
 *         BoundedChannel.<Action>builder("actions").capacity(1000).build();
 * if (actions.trySend(action) == Admission.FULL) {
 *     // shed load: tell the client to back off
 * }
 * // consumer thread
 * Action next = actions.receive(Duration.ofMillis(50)); // null on timeout
 * }</pre>
 *
 * <p><b>When full.</b> The channel holds at most {@link #capacity()} messages that were accepted and not
 * yet taken (default {@value #DEFAULT_CAPACITY}), exactly, never more. {@link #trySend} then answers
 * {@link Admission#FULL} at once, without blocking or allocating; {@link #send(Object, Duration)} parks
 * (it does not spin) until the consumer frees space, and throws a {@link RejectedException} with reason
 * {@link Admission#FULL} if the timeout passes first, e.g. {@code channel 'actions': full after waiting
 * 5ms (capacity=1000, size=1000)}. Waiting senders are not served in any guaranteed order.
 *
 * <p><b>Closing.</b> {@link #close()} is idempotent. Afterwards {@link #trySend} answers {@link
 * Admission#CLOSED} and {@link #send} throws {@link RejectedException} with reason {@link
 * Admission#CLOSED}, including senders that were waiting for space when it closed. Nothing accepted is
 * lost: every message for which {@code trySend} returned {@link Admission#ACCEPTED} (or {@code send}
 * returned normally) can still be taken by the consumer, even if it raced with {@code close()}. Once
 * the channel is closed and all of them have been taken, the channel is {@linkplain #isTerminated()
 * terminated} and {@link #receive} throws {@link RejectedException} with reason {@link Admission#CLOSED}
 * (end of stream). Closing does not clear the channel: a consumer that stops taking leaves the rest in
 * it.
 *
 * <p>Thread safety: {@link #trySend}, {@link #send}, {@link #close()}, {@link #size()}, {@link
 * #stats()}, {@link #isClosed()} and {@link #isTerminated()} may be called from any number of threads.
 * The consumer methods {@link #poll()}, {@link #receive}, {@link #drain} and {@link #drainTo} must be
 * called by <b>one thread at a time</b>: the consumer role may move from one thread to another only
 * through a happens-before edge (an executor hand-off, a lock, a volatile write and read). Calling them
 * concurrently from two threads corrupts the channel's accounting.
 *
 * @param <T> the type of the messages
 */
public interface BoundedChannel<T> extends AutoCloseable {
    /** The capacity of a channel whose builder was not given one. */
    int DEFAULT_CAPACITY = 1000;

    /** The smallest capacity a channel accepts. */
    int MIN_CAPACITY = 2;

    /** The largest capacity a channel accepts ({@code 1 << 30}). */
    int MAX_CAPACITY = 1 << 30;

    /**
     * Starts building a channel.
     *
     * @param name the channel's name, used in messages, logs and metric tags (1 to 128 characters)
     * @param <T> the type of the messages
     * @throws IllegalArgumentException if the name is blank or longer than 128 characters
     */
    static <T> Builder<T> builder(String name) {
        return new Builder<>(Checks.name("channel", name));
    }

    /**
     * Offers a message without blocking and without allocating.
     *
     * @return {@link Admission#ACCEPTED} if the channel took it; {@link Admission#FULL} if {@link
     *     #capacity()} messages are waiting to be taken; {@link Admission#CLOSED} if the channel is
     *     closed. Never {@link Admission#QUEUED}.
     * @throws NullPointerException if {@code message} is null
     */
    Admission trySend(T message);

    /**
     * Sends a message, waiting up to {@code timeout} for space if the channel is full. The wait parks the
     * thread (it is woken when the consumer takes a message, or by {@link #close()}); it does not spin.
     * If there is space at once, the message is taken even if the thread is interrupted.
     *
     * @throws RejectedException with reason {@link Admission#FULL} if no space freed up within the
     *     timeout, or if the thread was interrupted while waiting (the interrupt flag is restored first);
     *     with reason {@link Admission#CLOSED} if the channel is closed or closes while waiting
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws NullPointerException if {@code message} or {@code timeout} is null
     */
    void send(T message, Duration timeout);

    /**
     * Consumer only: takes the oldest message if there is one, without blocking.
     *
     * @return the message, or {@code null} if the channel is empty right now
     */
    @Nullable
    T poll();

    /**
     * Consumer only: takes the oldest message, waiting up to {@code timeout} for one to arrive. A waiting
     * consumer is woken by the next send and by {@link #close()}.
     *
     * @return the message, or {@code null} if none arrived within the timeout
     * @throws RejectedException with reason {@link Admission#CLOSED} once the channel is closed and every
     *     accepted message has been taken (end of stream)
     * @throws Hal9Exception if the thread is interrupted while waiting (the interrupt flag is restored
     *     first)
     * @throws IllegalArgumentException if {@code timeout} is negative
     */
    @Nullable
    T receive(Duration timeout);

    /**
     * Consumer only: takes up to {@code max} messages that are in the channel now, oldest first, and
     * hands each to {@code sink}. Does not wait. A message is counted as taken before it is handed to the
     * sink: if the sink throws, the exception propagates and that message is the sink's responsibility.
     *
     * @return how many messages were taken
     * @throws IllegalArgumentException if {@code max} is negative
     */
    int drain(Consumer<? super T> sink, int max);

    /**
     * Consumer only: takes up to {@code max} messages that are in the channel now, oldest first, and adds
     * them to {@code target}. Does not wait. Same failure rule as {@link #drain}.
     *
     * @return how many messages were taken
     * @throws IllegalArgumentException if {@code max} is negative
     */
    int drainTo(Collection<? super T> target, int max);

    /**
     * How many accepted messages have not been taken yet, in {@code [0, capacity()]}. A snapshot: it
     * includes messages whose sender is still between its reservation and its enqueue.
     */
    int size();

    /** The exact number of messages the channel holds at most. */
    int capacity();

    /** The channel's name, as given to {@link #builder(String)}. */
    String name();

    /** Whether {@link #close()} has been called. */
    boolean isClosed();

    /**
     * Whether the channel is closed and every message it accepted has been taken. Once true it stays
     * true.
     */
    boolean isTerminated();

    /** A snapshot of the channel's counters. */
    Stats stats();

    /**
     * Refuses new messages from now on. Idempotent. Messages already accepted stay in the channel for the
     * consumer; senders waiting for space are woken with {@link Admission#CLOSED}; a consumer waiting in
     * {@link #receive} is woken. Does not wait for the consumer to drain.
     */
    @Override
    void close();

    /**
     * A snapshot of a channel's counters. Counters are read one after another while traffic may go on,
     * so they need not be mutually consistent; {@code accepted} may for an instant include a send that
     * is about to be refused.
     *
     * @param capacity the configured capacity
     * @param size accepted messages not yet taken
     * @param accepted messages accepted since the channel was built
     * @param refusedFull messages refused because the channel was full ({@code trySend} answering {@link
     *     Admission#FULL}, {@code send} timing out or being interrupted)
     * @param refusedClosed messages refused because the channel was closed
     * @param received messages taken by the consumer since the channel was built
     * @param waitingSenders threads now waiting in {@link BoundedChannel#send} for space
     * @param closed whether the channel is closed
     */
    record Stats(
            int capacity,
            int size,
            long accepted,
            long refusedFull,
            long refusedClosed,
            long received,
            int waitingSenders,
            boolean closed) {}

    /**
     * Told about refusals and closing, e.g. to count them in metrics or log them. Not told about accepted
     * messages: the accepting path stays free of callbacks.
     *
     * <p>Thread safety: called on the thread that sent or closed, so from many threads at once;
     * implementations must be thread-safe and fast. An exception thrown by a listener is caught and
     * logged; it never breaks the channel.
     */
    interface Listener {
        /**
         * A message was refused.
         *
         * @param channel the channel's name
         * @param reason {@link Admission#FULL} or {@link Admission#CLOSED}
         */
        default void onRefused(String channel, Admission reason) {}

        /**
         * The channel was closed (called once).
         *
         * @param channel the channel's name
         */
        default void onClosed(String channel) {}
    }

    /**
     * Builds a {@link BoundedChannel}. Each option may be set once; a bad value is refused at once with a
     * message naming the option and the allowed range.
     *
     * <p>Thread safety: not thread-safe; use from one thread.
     *
     * @param <T> the type of the messages
     */
    final class Builder<T> {
        final String name;
        final String component;
        private final BuilderOptions options;
        int capacity = DEFAULT_CAPACITY;
        Ticker ticker = Ticker.system();
        Listener listener = new Listener() {};

        private Builder(String name) {
            this.name = name;
            this.component = "channel '" + name + "'";
            this.options = new BuilderOptions(component);
        }

        /**
         * The exact number of accepted, not yet taken messages the channel holds at most. Default {@value
         * BoundedChannel#DEFAULT_CAPACITY}. Memory: the channel allocates up front an array of as many
         * references as the next power of two {@code >= capacity} (4 KiB for the default with compressed
         * references, 4 GiB or more at the maximum), so size it for the burst you mean to absorb.
         *
         * @throws IllegalArgumentException if not in {@code [2, 1 << 30]}
         * @throws IllegalStateException if already set
         */
        public Builder<T> capacity(int capacity) {
            this.capacity = options.set(
                    "capacity", Checks.inRange(component, "capacity", capacity, MIN_CAPACITY, MAX_CAPACITY));
            return this;
        }

        /**
         * The time source that measures {@link BoundedChannel#send} and {@link BoundedChannel#receive}
         * timeouts. Default {@link Ticker#system()}. With a ticker a test moves by hand, a waiting send
         * re-reads it at least once a millisecond of real time, so it notices an advance promptly; a
         * waiting receive parks for the remaining time as the ticker reports it and is woken early only
         * by a send or {@link BoundedChannel#close()}.
         *
         * @throws IllegalStateException if already set
         */
        public Builder<T> ticker(Ticker ticker) {
            Objects.requireNonNull(ticker, "ticker");
            this.ticker = options.set("ticker", ticker);
            return this;
        }

        /**
         * Who is told about refusals and closing. Default: nobody.
         *
         * @throws IllegalStateException if already set
         */
        public Builder<T> listener(Listener listener) {
            Objects.requireNonNull(listener, "listener");
            this.listener = options.set("listener", listener);
            return this;
        }

        /** Builds a new, open, empty channel. May be called again for another, independent channel. */
        public BoundedChannel<T> build() {
            return new BoundedChannelImpl<>(this);
        }
    }
}

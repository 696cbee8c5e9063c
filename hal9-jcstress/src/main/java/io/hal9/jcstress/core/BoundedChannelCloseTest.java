package io.hal9.jcstress.core;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.hal9.core.BoundedChannel;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * A send races with {@code close()} followed by a poll: no accepted message is lost, none is delivered twice,
 * and a refused one is never delivered. Checks {@code BoundedChannelImpl}'s invariant 4 (once the CLOSED bit
 * is set the producer index never changes, because the CLOSED bit and the index share the word a send
 * compare-and-sets): a send either wins before the close and its message stays takeable, or it sees the
 * bit and is refused. An accepted send is ordered before the close (the compare-and-set and the close's
 * atomic OR act on one word), and the consumer polls after its close, so that poll must find the message:
 * {@code poll()} answers null only when the producer index equals the consumer's.
 *
 * <p>Results: {@code r1} the sender's {@code Admission} ordinal (0 ACCEPTED, 3 CLOSED); {@code r2} 1 if the
 * consumer's poll (after its close) got the message; {@code r3} how many messages the arbiter still drained;
 * {@code r4} 1 if the channel reports itself terminated after that drain.
 *
 * <p>Thread safety: one consumer at a time: the consumer actor, then the arbiter (jcstress orders them).
 */
@JCStressTest
@Outcome(
        id = "0, 1, 0, 1",
        expect = ACCEPTABLE,
        desc = "Accepted before the close; the consumer polled it after closing.")
@Outcome(
        id = "0, 0, 1, 1",
        expect = FORBIDDEN,
        desc = "Accepted (so before the close), yet the poll after the close found the channel empty: poll missed"
                + " a reserved slot.")
@Outcome(
        id = "3, 0, 0, 1",
        expect = ACCEPTABLE,
        desc = "The close came first: the send was refused and nothing is delivered.")
@Outcome(id = "0, 0, 0, .*", expect = FORBIDDEN, desc = "Accepted but never delivered: a message lost at close.")
@Outcome(id = "3, 1, .*", expect = FORBIDDEN, desc = "Refused but delivered.")
@Outcome(
        expect = FORBIDDEN,
        desc = "Any other combination: delivered twice, or not terminated once closed and drained.")
@State
public class BoundedChannelCloseTest {
    private final BoundedChannel<Integer> channel =
            BoundedChannel.<Integer>builder("close").capacity(2).build();

    /** Sends one message. */
    @Actor
    public void sender(IIII_Result r) {
        r.r1 = channel.trySend(1).ordinal();
    }

    /** Closes the channel, then polls as its consumer. */
    @Actor
    public void closerAndConsumer(IIII_Result r) {
        channel.close();
        r.r2 = channel.poll() != null ? 1 : 0;
    }

    /** Drains what is left and asks whether the channel is terminated. */
    @Arbiter
    public void drain(IIII_Result r) {
        int n = 0;
        while (channel.poll() != null) {
            n++;
        }
        r.r3 = n;
        r.r4 = channel.isTerminated() ? 1 : 0;
    }
}

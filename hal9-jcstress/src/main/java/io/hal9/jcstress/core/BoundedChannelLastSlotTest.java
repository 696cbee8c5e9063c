package io.hal9.jcstress.core;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.hal9.core.BoundedChannel;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Two senders race for the last free slot of a {@link BoundedChannel}: exactly one is accepted. Checks
 * {@code BoundedChannelImpl}'s invariant 2 ({@code P - C <= capacity}, exactly): a send reserves a slot only
 * by a compare-and-set from a producer index it saw below the limit, so two sends cannot both take the one
 * slot left.
 *
 * <p>The channel's smallest capacity is 2 ({@link BoundedChannel#MIN_CAPACITY}), so the state fills one slot
 * before the actors run. Results: {@code r1}, {@code r2} the ordinal of each sender's {@code Admission}
 * (0 ACCEPTED, 2 FULL, 3 CLOSED); {@code r3} the channel's {@code size()} seen by the arbiter.
 *
 * <p>Thread safety: jcstress gives each state to its actors and then to the arbiter, with the edges it needs.
 */
@JCStressTest
@Outcome(
        id = "0, 2, 2",
        expect = ACCEPTABLE,
        desc = "The first sender took the last slot; the second found the channel full.")
@Outcome(
        id = "2, 0, 2",
        expect = ACCEPTABLE,
        desc = "The second sender took the last slot; the first found the channel full.")
@Outcome(
        id = "0, 0, 3",
        expect = FORBIDDEN,
        desc = "Both accepted: the channel holds more than its capacity (invariant 2 broken).")
@Outcome(id = "2, 2, 1", expect = FORBIDDEN, desc = "Both refused although a slot was free: a lost reservation.")
@Outcome(expect = FORBIDDEN, desc = "Any other combination: a wrong answer, or a size that contradicts the answers.")
@State
public class BoundedChannelLastSlotTest {
    private final BoundedChannel<Integer> channel =
            BoundedChannel.<Integer>builder("last-slot").capacity(2).build();

    /** Fills one of the two slots. */
    public BoundedChannelLastSlotTest() {
        channel.trySend(0);
    }

    /** The first sender. */
    @Actor
    public void sender1(III_Result r) {
        r.r1 = channel.trySend(1).ordinal();
    }

    /** The second sender. */
    @Actor
    public void sender2(III_Result r) {
        r.r2 = channel.trySend(2).ordinal();
    }

    /** Reads how many messages the channel holds once both senders are done. */
    @Arbiter
    public void count(III_Result r) {
        r.r3 = channel.size();
    }
}

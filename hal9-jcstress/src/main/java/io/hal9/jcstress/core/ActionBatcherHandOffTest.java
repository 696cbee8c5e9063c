package io.hal9.jcstress.core;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.hal9.core.ActionBatcher;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * Two producers submit to an {@link ActionBatcher} while its flusher runs (no linger: it drains as soon as
 * something arrives); the arbiter closes the batcher, which waits until everything accepted was written, and
 * counts what the sink got. Every accepted action is delivered exactly once: none lost in the hand-off from
 * the producers' channel to the flusher, none written twice. Checks {@code ActionBatcherImpl}'s invariant
 * (every element the channel accepted is, exactly once, part of a successful sink call, dead-lettered, or
 * left unwritten at close; with a sink that never fails, only the first applies) and, beneath it, the
 * channel's consumer side as the flusher uses it: a drain that meets a slot reserved but not yet written stops
 * there and a later take gets it ({@code BoundedChannelImpl}'s concurrency notes), and close wakes a flusher
 * waiting for actions, which then takes everything accepted (invariant 4).
 *
 * <p>Each state starts a flusher (a virtual thread: {@code build()} always starts one, the public API has no
 * batcher without it) and the arbiter's close ends it, so no thread outlives its state; a state costs a
 * thread start and a close, which keeps this test's sample counts about ten times below the others'. Results: {@code r1}, {@code r2} each producer's {@code Admission} ordinal (0 ACCEPTED);
 * {@code r3}, {@code r4} how many times the sink got action 1 and action 2.
 *
 * <p>Thread safety: the sink records into a concurrent queue; the arbiter reads it after close returned.
 */
@JCStressTest
@Outcome(id = "0, 0, 1, 1", expect = ACCEPTABLE, desc = "Both accepted, each delivered exactly once.")
@Outcome(id = "0, 0, 0, .*", expect = FORBIDDEN, desc = "Action 1 accepted but never delivered: lost.")
@Outcome(id = "0, 0, .*, 0", expect = FORBIDDEN, desc = "Action 2 accepted but never delivered: lost.")
@Outcome(
        expect = FORBIDDEN,
        desc = "Any other: an action delivered twice, or refused although the batcher was open and far from full.")
@State
public class ActionBatcherHandOffTest {
    private final ConcurrentLinkedQueue<Integer> written = new ConcurrentLinkedQueue<>();
    private final ActionBatcher<Integer> batcher = ActionBatcher.<Integer>builder("hand-off", written::addAll)
            .maxLinger(Duration.ZERO)
            .capacity(16)
            .maxBatchSize(16)
            .closeTimeout(Duration.ofSeconds(10))
            .threadFactory(Thread.ofVirtual().name("jcstress-flusher").factory())
            .build();

    /** Submits action 1. */
    @Actor
    public void producer1(IIII_Result r) {
        r.r1 = batcher.trySubmit(1).ordinal();
    }

    /** Submits action 2. */
    @Actor
    public void producer2(IIII_Result r) {
        r.r2 = batcher.trySubmit(2).ordinal();
    }

    /** Closes the batcher (waiting for the flusher) and counts the deliveries. */
    @Arbiter
    public void closeAndCount(IIII_Result r) {
        batcher.close();
        int ones = 0;
        int twos = 0;
        for (int action : written) {
            if (action == 1) {
                ones++;
            } else if (action == 2) {
                twos++;
            }
        }
        r.r3 = ones;
        r.r4 = twos;
    }
}

package io.hal9.jcstress.core;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.hal9.core.TaskLimiter;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * Two threads race {@link TaskLimiter#tryAcquirePermit()} on a limiter of one permit: exactly one gets it,
 * and giving it back brings {@code inFlight()} back to 0. Checks the fast path of {@code TaskLimiterImpl}
 * (one compare-and-set on the packed state word) and its invariant 4 (every permit taken is given back
 * exactly once).
 *
 * <p>Results: {@code r1}, {@code r2} 1 if that actor got a permit; {@code r3} {@code inFlight()} seen by the
 * arbiter while the permit is still held; {@code r4} {@code inFlight()} after the arbiter closed it.
 *
 * <p>Thread safety: each permit is closed by the arbiter, which jcstress orders after its actor.
 */
@JCStressTest
@Outcome(id = "1, 0, 1, 0", expect = ACCEPTABLE, desc = "The first actor got the permit; the second was refused.")
@Outcome(id = "0, 1, 1, 0", expect = ACCEPTABLE, desc = "The second actor got the permit; the first was refused.")
@Outcome(id = "1, 1, .*", expect = FORBIDDEN, desc = "Both got a permit: more than maxConcurrent in flight.")
@Outcome(id = "0, 0, .*", expect = FORBIDDEN, desc = "Both refused although the permit was free.")
@Outcome(expect = FORBIDDEN, desc = "A wrong inFlight count, or the permit not given back.")
@State
public class TaskLimiterPermitRaceTest {
    private final TaskLimiter limiter =
            TaskLimiter.builder("permit-race").maxConcurrent(1).build();
    private TaskLimiter.Permit permit1;
    private TaskLimiter.Permit permit2;

    /** Tries to take the permit. */
    @Actor
    public void actor1(IIII_Result r) {
        permit1 = limiter.tryAcquirePermit();
        r.r1 = permit1 != null ? 1 : 0;
    }

    /** Tries to take the permit. */
    @Actor
    public void actor2(IIII_Result r) {
        permit2 = limiter.tryAcquirePermit();
        r.r2 = permit2 != null ? 1 : 0;
    }

    /** Counts the permits out, gives them back and counts again. */
    @Arbiter
    public void giveBack(IIII_Result r) {
        r.r3 = limiter.inFlight();
        if (permit1 != null) {
            permit1.close();
        }
        if (permit2 != null) {
            permit2.close();
        }
        r.r4 = limiter.inFlight();
    }
}

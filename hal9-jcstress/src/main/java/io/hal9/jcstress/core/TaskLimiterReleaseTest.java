package io.hal9.jcstress.core;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.hal9.core.TaskLimiter;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * A permit closed on one thread lets another take it: on a limiter of one permit, held when the actors start,
 * one actor closes the permit while the other tries to acquire. The acquirer either came too early (refused,
 * and the permit is then free) or got the freed permit; it never gets one while the first is still out, and a
 * close never loses the permit. Checks {@code TaskLimiterImpl}'s invariant 4 (every permit taken is given
 * back exactly once) on its fast paths, where a release and an acquire are compare-and-sets on the one state
 * word, with nothing waiting (invariant 3's "a permit is freed only when nothing waits" then frees it).
 *
 * <p>Results: {@code r1} {@code inFlight()} seen by the releasing actor right after its close (0, or 1 if the
 * other already took the permit again); {@code r2} 1 if the acquirer got a permit; {@code r3} {@code
 * inFlight()} seen by the arbiter.
 *
 * <p>Thread safety: the permit taken in the constructor reaches its actor through jcstress's start edge.
 */
@JCStressTest
@Outcome(
        id = "0, 0, 0",
        expect = ACCEPTABLE,
        desc = "The acquire came before the release: refused; the permit is free at the end.")
@Outcome(
        id = "0, 1, 1",
        expect = ACCEPTABLE,
        desc = "Released, then acquired by the other actor after the releaser looked.")
@Outcome(
        id = "1, 1, 1",
        expect = ACCEPTABLE,
        desc = "Released, acquired by the other actor before the releaser looked.")
@Outcome(id = "1, 0, .*", expect = FORBIDDEN, desc = "The releaser saw a permit out that nobody holds.")
@Outcome(expect = FORBIDDEN, desc = "Any other: two permits out, or a permit lost by the close.")
@State
public class TaskLimiterReleaseTest {
    private final TaskLimiter limiter =
            TaskLimiter.builder("release").maxConcurrent(1).build();
    private final TaskLimiter.Permit held = limiter.tryAcquirePermit();

    /** Gives the held permit back and looks at the count. */
    @Actor
    public void releaser(III_Result r) {
        held.close();
        r.r1 = limiter.inFlight();
    }

    /** Tries to take a permit. */
    @Actor
    public void acquirer(III_Result r) {
        r.r2 = limiter.tryAcquirePermit() != null ? 1 : 0;
    }

    /** Counts the permits out. */
    @Arbiter
    public void count(III_Result r) {
        r.r3 = limiter.inFlight();
    }
}

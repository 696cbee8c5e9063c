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
 * {@code inFlight()} is never seen above the limit, and a holder always sees its own permit: on a limiter of
 * one permit, each actor takes a permit if it can, reads {@code inFlight()}, and gives the permit back. Checks
 * that the count {@code TaskLimiterImpl} packs into its state word stays within {@code [0, maxConcurrent]}
 * under acquire/release races (the fast paths' compare-and-sets).
 *
 * <p>Results: {@code r1}, {@code r2} for each actor {@code 10 * got + inFlight} (got: 1 if it held a permit
 * when it read); {@code r3} {@code inFlight()} seen by the arbiter.
 *
 * <p>Thread safety: each actor closes only the permit it took.
 */
@JCStressTest
@Outcome(
        id = {"11, 0, 0", "11, 1, 0", "0, 11, 0", "1, 11, 0"},
        expect = ACCEPTABLE,
        desc = "One actor held the permit and saw 1; the other was refused and saw 1 (still out) or 0 (already back).")
@Outcome(id = "11, 11, 0", expect = ACCEPTABLE, desc = "The actors took turns: each held the permit alone and saw 1.")
@Outcome(
        expect = FORBIDDEN,
        desc =
                "inFlight above 1, a holder that saw 0, both refused without ever a permit out, or a permit not given back.")
@State
public class TaskLimiterInFlightBoundTest {
    private final TaskLimiter limiter =
            TaskLimiter.builder("in-flight").maxConcurrent(1).build();

    /** Takes a permit if it can, looks, gives it back. */
    @Actor
    public void actor1(III_Result r) {
        r.r1 = holdAndLook();
    }

    /** Takes a permit if it can, looks, gives it back. */
    @Actor
    public void actor2(III_Result r) {
        r.r2 = holdAndLook();
    }

    private int holdAndLook() {
        TaskLimiter.Permit p = limiter.tryAcquirePermit();
        int seen = limiter.inFlight();
        if (p != null) {
            p.close();
            return 10 + seen;
        }
        return seen;
    }

    /** Counts the permits out. */
    @Arbiter
    public void count(III_Result r) {
        r.r3 = limiter.inFlight();
    }
}

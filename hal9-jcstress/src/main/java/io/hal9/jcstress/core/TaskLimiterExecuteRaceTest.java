package io.hal9.jcstress.core;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.hal9.core.TaskLimiter;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * Two threads race {@link TaskLimiter#tryExecute(Runnable)} on a limiter of one permit and no waiting line:
 * exactly one task is admitted, and it runs exactly once. The executor only keeps the tasks it is handed, so
 * the admitted task holds its permit until the arbiter runs it (no thread is started per state). Checks
 * {@code TaskLimiterImpl}'s fast path (one compare-and-set) and invariant 4 (the permit comes back exactly
 * once, when the task ends).
 *
 * <p>Results: {@code r1}, {@code r2} each actor's {@code Admission} ordinal (0 ACCEPTED, 2 FULL); {@code r3}
 * how many tasks the executor was handed; {@code r4} {@code inFlight()} after the arbiter ran them, times 10,
 * plus how many of the tasks ran.
 *
 * <p>Thread safety: the executor's queue is concurrent; the arbiter runs the tasks after both actors.
 */
@JCStressTest
@Outcome(
        id = "0, 2, 1, 1",
        expect = ACCEPTABLE,
        desc = "The first task was admitted and ran once; the second was refused (FULL).")
@Outcome(
        id = "2, 0, 1, 1",
        expect = ACCEPTABLE,
        desc = "The second task was admitted and ran once; the first was refused (FULL).")
@Outcome(id = "0, 0, .*", expect = FORBIDDEN, desc = "Both admitted: more than maxConcurrent in flight.")
@Outcome(id = "2, 2, .*", expect = FORBIDDEN, desc = "Both refused although the permit was free.")
@Outcome(expect = FORBIDDEN, desc = "A task lost or handed over twice, run twice, or its permit not given back.")
@State
public class TaskLimiterExecuteRaceTest {
    private final ConcurrentLinkedQueue<Runnable> handedOver = new ConcurrentLinkedQueue<>();
    private final TaskLimiter limiter = TaskLimiter.builder("execute-race")
            .maxConcurrent(1)
            .executor(handedOver::add)
            .build();
    private int ran1;
    private int ran2;

    /** Offers a task. */
    @Actor
    public void actor1(IIII_Result r) {
        r.r1 = limiter.tryExecute(() -> ran1++).ordinal();
    }

    /** Offers a task. */
    @Actor
    public void actor2(IIII_Result r) {
        r.r2 = limiter.tryExecute(() -> ran2++).ordinal();
    }

    /** Runs what the executor was handed, then counts the permits out and the runs. */
    @Arbiter
    public void runThem(IIII_Result r) {
        r.r3 = handedOver.size();
        Runnable task;
        while ((task = handedOver.poll()) != null) {
            task.run();
        }
        r.r4 = limiter.inFlight() * 10 + ran1 + ran2;
    }
}

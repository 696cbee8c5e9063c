package io.hal9.jcstress.pool;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.hal9.pool.Lease;
import io.hal9.pool.ObjectPool;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Two threads claim from a pool holding one idle object: they never both get it. Checks {@code
 * ObjectPoolImpl}'s invariant 1 (a slot is in at most one place: one cache, one stripe, or one owner's
 * hands) on the shared queue, where the two claims meet (per-thread caches off).
 *
 * <p>Results: {@code r1}, {@code r2} the number of the object each actor got (1 is the idle one, 2 and 3 are
 * made by the factory on a miss).
 *
 * <p>Thread safety: the actors hold their leases; the arbiter, ordered after both, gives them back.
 */
@JCStressTest
@Outcome(
        id = {"1, 2", "2, 1"},
        expect = ACCEPTABLE,
        desc = "One actor got the idle object; the other missed and got a new one.")
@Outcome(
        id = {"2, 3", "3, 2"},
        expect = ACCEPTABLE_INTERESTING,
        desc = "Both missed although an object was idle (allowed: a claim may always allocate, but it wastes one).")
@Outcome(
        id = "1, 1",
        expect = FORBIDDEN,
        desc = "Both got the idle object at once: a lease is not exclusive (invariant 1 broken).")
@Outcome(expect = FORBIDDEN, desc = "Any other: an object made twice or a number out of range.")
@State
public class ObjectPoolExclusiveClaimTest {
    private final ObjectPool<Item> pool = Item.pool("exclusive", 2, 0);
    private Lease<Item> lease1;
    private Lease<Item> lease2;

    /** Puts object 1 into the shared queue. */
    public ObjectPoolExclusiveClaimTest() {
        pool.claim().close();
    }

    /** Claims and keeps the lease. */
    @Actor
    public void claimer1(II_Result r) {
        lease1 = pool.claim();
        r.r1 = lease1.get().id;
    }

    /** Claims and keeps the lease. */
    @Actor
    public void claimer2(II_Result r) {
        lease2 = pool.claim();
        r.r2 = lease2.get().id;
    }

    /** Gives both leases back. */
    @Arbiter
    public void giveBack() {
        lease1.close();
        lease2.close();
    }
}

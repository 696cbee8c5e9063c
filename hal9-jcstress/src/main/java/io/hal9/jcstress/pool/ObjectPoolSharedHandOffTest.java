package io.hal9.jcstress.pool;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.hal9.pool.Lease;
import io.hal9.pool.ObjectPool;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * An object released on one thread and claimed on another arrives complete: the releaser's writes and the
 * reset hook's are both visible to the next owner. The release goes through the shared queue (per-thread
 * caches off): a compare-and-set of the lease's state, the reset, then the queue's offer, which the claimer's
 * poll pairs with. Checks {@code ObjectPool}'s documented memory effect ("everything a thread did to an
 * object before releasing it, the reset included, happens-before the next claim of that object") and {@code
 * ObjectPoolImpl}'s invariant 1.
 *
 * <p>The lease is claimed in the state's constructor and reaches the releasing actor through jcstress's start
 * edge, so the release is a release on another thread than the claim's (the slow path). Results: if the
 * claimer got the released object, its {@code stamp}, {@code dirty} and {@code resets}; {@code -1, -1, -1}
 * if it claimed before the release and got a new object.
 *
 * <p>Thread safety: the object's fields are plain; only the pool orders them.
 */
@JCStressTest
@Outcome(id = "-1, -1, -1", expect = ACCEPTABLE, desc = "Claimed before the release: a new object.")
@Outcome(
        id = "42, 0, 1",
        expect = ACCEPTABLE,
        desc = "Got the released object with the releaser's stamp and the reset's writes.")
@Outcome(
        expect = FORBIDDEN,
        desc =
                "Got the released object with a write missing: a stale stamp (0), the reset not seen (dirty 1 or resets 0).")
@State
public class ObjectPoolSharedHandOffTest {
    private final ObjectPool<Item> pool = Item.pool("shared-hand-off", 2, 0);
    private final Lease<Item> held = pool.claim();

    /** Writes the object and releases it. */
    @Actor
    public void releaser() {
        Item item = held.get();
        item.stamp = 42;
        item.dirty = 1;
        held.close();
    }

    /** Claims and reads what it got. */
    @Actor
    public void claimer(III_Result r) {
        Item item = pool.claim().get();
        if (item.id == 1) {
            r.r1 = item.stamp;
            r.r2 = item.dirty;
            r.r3 = item.resets;
        } else {
            r.r1 = -1;
            r.r2 = -1;
            r.r3 = -1;
        }
    }
}

package io.hal9.jcstress.pool;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.hal9.pool.Lease;
import io.hal9.pool.ObjectPool;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * The per-thread cache's fast path, and its overflow into the shared queue, against a claimer on another
 * thread. Pool: per-thread caches of one object. The owner claims two objects (both misses, claimed through
 * its cache), releases the second (fast path: an opaque state store, into its own cache), writes the first and
 * releases it (fast path again, but its cache is full, so the first overflows into the shared queue), then
 * claims again and must get the second back from its cache. Meanwhile the other thread claims once: it can
 * reach the first object only through the shared queue, and must then see it complete.
 *
 * <p>Checks {@code ObjectPoolImpl}'s invariants 1 (one place at a time: the owner's re-claim and the other's
 * claim never hold the same object) and 4 (a slot leaving a cache for shared forgets the cache), and that the
 * fast release needs no release ordering of its own: the queue's offer and poll carry the writes. Results:
 * {@code r1} 1 if the owner's re-claim returned its second object; {@code r2} what the other actor got (0 a
 * new object, 1 the owner's first, 2 the owner's second); {@code r3} the {@code stamp} the other actor saw and
 * {@code r4} its {@code dirty * 10 + resets}.
 *
 * <p>Thread safety: the object's fields are plain; only the pool orders them. The arbiter compares the
 * objects after both actors.
 */
@JCStressTest
@Outcome(
        id = "1, 0, 0, 0",
        expect = ACCEPTABLE,
        desc = "The other actor claimed before the first object reached the shared queue: a new object.")
@Outcome(
        id = "1, 1, 42, 1",
        expect = ACCEPTABLE,
        desc =
                "The other actor got the first object from the shared queue, stamped and reset once; the owner got its second back from its cache.")
@Outcome(
        id = "1, 2, .*",
        expect = FORBIDDEN,
        desc = "Both hold the owner's second object: the cache handed out an object another thread holds.")
@Outcome(
        id = "1, 1, .*",
        expect = FORBIDDEN,
        desc = "The first object arrived incomplete: a stale stamp or the reset not seen.")
@Outcome(expect = FORBIDDEN, desc = "The owner did not get its cached object back.")
@State
public class ObjectPoolCacheOverflowTest {
    private final ObjectPool<Item> pool = Item.pool("cache-overflow", 4, 1);
    private Item first;
    private Item second;
    private Item reclaimed;
    private Item others;

    /** Claims two, releases both (the first overflows to shared), claims again. */
    @Actor
    public void owner() {
        Lease<Item> one = pool.claim();
        Lease<Item> two = pool.claim();
        first = one.get();
        second = two.get();
        two.close();
        first.stamp = 42;
        first.dirty = 1;
        one.close();
        reclaimed = pool.claim().get();
    }

    /** Claims once and reads what it got. */
    @Actor
    public void other(IIII_Result r) {
        Item item = pool.claim().get();
        others = item;
        r.r3 = item.stamp;
        r.r4 = item.dirty * 10 + item.resets;
    }

    /** Tells which objects the two actors ended up with. */
    @Arbiter
    public void compare(IIII_Result r) {
        r.r1 = reclaimed == second ? 1 : 0;
        r.r2 = others == first ? 1 : others == second ? 2 : 0;
    }
}

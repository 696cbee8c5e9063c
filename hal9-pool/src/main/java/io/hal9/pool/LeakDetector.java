package io.hal9.pool;

import java.lang.ref.PhantomReference;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Leak detection of an {@link ObjectPoolImpl} (on when the builder asks for it): each claim registers a
 * {@link Tracker}, a phantom reference to the slot holding the claim's stack trace, in a concurrent set
 * (reference objects must stay reachable to be enqueued); a release clears and removes it. A slot dropped
 * while claimed is referenced by no cache or queue, so the collector enqueues its tracker, and {@link
 * #pollLeak()} hands out its claim site once.
 *
 * <p>Thread safety: a concurrent set and a reference queue, both thread-safe; every method may be called
 * from any thread. Costs a stack trace per claim: meant for tests and debugging, not for production.
 */
final class LeakDetector {
    private final ReferenceQueue<Object> queue = new ReferenceQueue<>();
    /** Keeps trackers reachable (a reference object that is collected is never enqueued). */
    private final Set<Tracker> live = ConcurrentHashMap.newKeySet();

    /** Starts watching a slot just claimed by {@code thread}. */
    Tracker track(ObjectPoolSlot<?> slot, Thread thread, String component) {
        Throwable site = new Throwable(component + ": lease claimed here, by thread '" + thread.getName() + "' (#"
                + thread.threadId() + "), and never released");
        Tracker tracker = new Tracker(slot, queue, site);
        live.add(tracker);
        return tracker;
    }

    /** Stops watching a slot being released (reachable: its owner is closing it). */
    void untrack(Tracker tracker) {
        tracker.clear(); // cleared before it could be enqueued: the slot is reachable (we are closing it)
        live.remove(tracker);
    }

    /** The claim site of the next slot found leaked, each reported once; null if none (now). */
    @Nullable
    Throwable pollLeak() {
        Reference<?> r;
        while ((r = queue.poll()) != null) {
            Tracker tracker = (Tracker) r;
            if (live.remove(tracker)) {
                return tracker.claimSite;
            }
        }
        return null;
    }

    /** Trackers still watched (for tests). */
    int watched() {
        return live.size();
    }

    /** A phantom reference to a claimed slot, with where it was claimed. */
    static final class Tracker extends PhantomReference<Object> {
        final Throwable claimSite;

        Tracker(Object slot, ReferenceQueue<Object> queue, Throwable claimSite) {
            super(slot, queue);
            this.claimSite = claimSite;
        }
    }
}

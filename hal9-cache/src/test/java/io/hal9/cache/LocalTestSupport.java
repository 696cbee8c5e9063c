package io.hal9.cache;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;

/** Fake ticker and hand-driven executor for the local cache tests. */
final class LocalTestSupport {
    private LocalTestSupport() {}

    /** An executor whose tasks run only when the test calls {@link #runAll()}. */
    static final class ManualExecutor implements Executor {
        private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();

        @Override
        public void execute(Runnable command) {
            tasks.add(command);
        }

        int runAll() {
            int n = 0;
            for (Runnable r; (r = tasks.poll()) != null; n++) {
                r.run();
            }
            return n;
        }
    }
}

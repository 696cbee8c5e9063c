package io.hal9.benchmarks.core;

import java.util.concurrent.locks.LockSupport;
import java.util.function.IntSupplier;

/**
 * A consumer loop for the anchors that have no consumer of their own: it calls a drain step until
 * stopped and idles the way a simple production consumer would (spin a little, then yield, then
 * park briefly), so that on a 2-core machine an idle consumer does not starve the producers.
 */
final class ConsumerThread {
    private final Thread thread;
    private volatile boolean running = true;

    ConsumerThread(String name, IntSupplier drainStep) {
        this.thread = Thread.ofPlatform().name(name).daemon(true).unstarted(() -> {
            int idle = 0;
            while (running) {
                if (drainStep.getAsInt() > 0) {
                    idle = 0;
                } else if (++idle < 100) {
                    Thread.onSpinWait();
                } else if (idle < 200) {
                    Thread.yield();
                } else {
                    LockSupport.parkNanos(50_000);
                }
            }
            while (drainStep.getAsInt() > 0) {
                // drain what is left so that close() leaves nothing behind
            }
        });
        thread.start();
    }

    void stop() {
        running = false;
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

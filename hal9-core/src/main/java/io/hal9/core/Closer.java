package io.hal9.core;

import io.hal9.core.internal.Checks;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;

/**
 * Closes the components of a process in the reverse order they were registered, with one {@link #close()}: the
 * shutdown of a game server as one object.
 *
 * <pre>{@code
 * Closer closer = Closer.create("game-server");
 * try {
 *     // each component right after it is built: a JdbcPool, a SharedRedis, a WsServer, ...
 *     ActionBatcher<Move> moves =
 *             closer.register(ActionBatcher.builder("moves", sink).build());
 *     TaskLimiter players = closer.register(TaskLimiter.builder("players").build());
 *     closer.register(() -> http.stop(1), "stop the HTTP server"); // a step of the host's own
 *     http.start();
 * } catch (RuntimeException e) {
 *     closer.close(); // what had started is closed again
 *     throw e;
 * }
 * Runtime.getRuntime().addShutdownHook(new Thread(closer::close));
 * }</pre>
 *
 * <p><b>The order a game server wants.</b> Register each component right after it is built, in the order of
 * its dependencies (a thing before what uses it), and {@code close()} stops them in the order that loses
 * nothing:
 *
 * <ol>
 *   <li>listeners and HTTP first: no new request or connection comes in (and a load balancer sees the instance
 *       go);
 *   <li>the realtime layer: the WebSocket server closes its sessions after their queued messages, task
 *       limiters finish their tasks, round timers stop;
 *   <li>batchers and the journal: every accepted action is written (or left in the journal for the next
 *       start);
 *   <li>pools, caches and Redis: nothing needs a connection any more;
 *   <li>metrics last: a scrape racing the shutdown reads the last figures of closed components.
 * </ol>
 *
 * That is the reverse of the order in which they are usually built, so registering each at its construction
 * is all it takes; a step that has to run elsewhere (stop accepting before the rest, give a lease up after
 * the last write) is registered as a lambda at the point where it should run in reverse.
 *
 * <p><b>Failures.</b> Every resource is closed, even when an earlier one throws. When some failed, {@code
 * close()} throws one {@link CloseFailedException} whose message names the closer and how many failed; the
 * first failure (in closing order) is its cause, the others are suppressed. An {@link InterruptedException}
 * from a resource counts as a failure and the thread's interrupt flag is set again when {@code close()}
 * returns or throws (not at once, so that the resources after it still close in full). A {@link
 * VirtualMachineError} (out of memory) is not wrapped: it is thrown as is once every resource had its turn,
 * with the other failures suppressed.
 *
 * <p><b>Lifecycle.</b> {@code close()} is idempotent: a second call returns at once when it comes from the
 * closing thread itself (a resource that closes the closer again), and otherwise waits until the first call
 * has finished (or the waiting thread is interrupted: it returns with its interrupt flag set), without throwing
 * the first call's failures again. A resource registered after {@code close()} began is
 * closed at once and {@link #register} throws {@link IllegalStateException}. A resource registered twice is
 * closed twice.
 *
 * <p>Thread safety: safe for concurrent use. {@link #register} takes a short lock; {@code close()} closes the
 * resources on the calling thread, outside that lock.
 */
public final class Closer implements AutoCloseable {
    /*
     * Design / Concurrency / Invariants: resources and descriptions (parallel lists, in registration order) and
     * closingThread are guarded by lock; closingThread != null means close() has begun, and from then on the
     * lists are only read by that thread (register refuses under the same lock). done counts down when the
     * closing thread has finished, so that other callers of close() can wait for it.
     */
    private final String name;
    private final Object lock = new Object();
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final List<@Nullable String> descriptions = new ArrayList<>();
    private final CountDownLatch done = new CountDownLatch(1);
    private @Nullable Thread closingThread;

    private Closer(String name) {
        this.name = name;
    }

    /**
     * Creates an empty closer.
     *
     * @param name names the closer in messages (1 to 128 characters), e.g. the server's name
     */
    public static Closer create(String name) {
        return new Closer(Checks.name("closer", name));
    }

    /** The closer's name. */
    public String name() {
        return name;
    }

    /**
     * Registers a resource to close, after every resource registered later.
     *
     * @return {@code resource}, so that a component can be built and registered in one expression
     * @throws IllegalStateException if {@link #close()} has begun; the resource was closed at once (a failure to
     *     close it is suppressed in this exception)
     */
    public <T extends AutoCloseable> T register(T resource) {
        return register0(resource, null);
    }

    /**
     * Registers a resource like {@link #register(AutoCloseable)}, with the words that name it in {@link
     * CloseFailedException}'s message (useful for a lambda, whose {@code toString()} says nothing), e.g. {@code
     * closer.register(() -> port.stopAccepting(), "stop accepting on the public port")}.
     *
     * @return {@code resource}
     * @throws IllegalStateException if {@link #close()} has begun; the resource was closed at once
     */
    public <T extends AutoCloseable> T register(T resource, String description) {
        return register0(resource, Objects.requireNonNull(description, "description"));
    }

    private <T extends AutoCloseable> T register0(T resource, @Nullable String description) {
        Objects.requireNonNull(resource, "resource");
        synchronized (lock) {
            if (closingThread == null) {
                resources.add(resource);
                descriptions.add(description);
                return resource;
            }
        }
        IllegalStateException refused = new IllegalStateException("closer '" + name + "': closed; "
                + describe(resource, description) + ", registered after close(), was closed at once");
        try {
            resource.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            refused.addSuppressed(e);
        } catch (Exception | Error e) {
            refused.addSuppressed(e);
        }
        throw refused;
    }

    /** Whether {@link #close()} has begun. */
    public boolean isClosed() {
        synchronized (lock) {
            return closingThread != null;
        }
    }

    /**
     * Closes every registered resource, the last registered first; see the class docs. Idempotent.
     *
     * @throws CloseFailedException if one or more resources failed to close (after every one was closed)
     */
    @Override
    public void close() {
        Thread closing;
        List<AutoCloseable> toClose = List.of();
        List<@Nullable String> names = List.of();
        synchronized (lock) {
            closing = closingThread;
            if (closing == null) {
                closingThread = Thread.currentThread();
                toClose = List.copyOf(resources);
                names = new ArrayList<>(descriptions);
                resources.clear();
                descriptions.clear();
            }
        }
        if (closing != null) {
            if (closing != Thread.currentThread()) {
                awaitDone(); // outside the lock: the resources being closed may register (and be refused)
            }
            return;
        }
        try {
            closeAll(toClose, names);
        } finally {
            done.countDown();
        }
    }

    private void closeAll(List<AutoCloseable> toClose, List<@Nullable String> names) {
        List<Throwable> failures = new ArrayList<>();
        @Nullable String first = null;
        boolean interrupted = false;
        for (int i = toClose.size() - 1; i >= 0; i--) {
            AutoCloseable r = toClose.get(i);
            try {
                r.close();
            } catch (InterruptedException e) {
                interrupted = true;
                failures.add(e);
            } catch (Exception | Error e) {
                failures.add(e);
            }
            if (first == null && !failures.isEmpty()) {
                first = describe(r, names.get(i));
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failures.isEmpty()) {
            return;
        }
        for (Throwable t : failures) {
            if (t instanceof VirtualMachineError fatal) {
                for (Throwable other : failures) {
                    if (other != fatal) {
                        fatal.addSuppressed(other);
                    }
                }
                throw fatal;
            }
        }
        Throwable cause = failures.get(0);
        CloseFailedException e = new CloseFailedException(
                "closer '" + name + "': " + failures.size() + " of " + toClose.size() + " resources failed to close;"
                        + " the first, " + first + ", threw " + cause,
                cause,
                failures.size());
        for (int i = 1; i < failures.size(); i++) {
            e.addSuppressed(failures.get(i));
        }
        throw e;
    }

    private void awaitDone() {
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the first close() goes on closing everything
        }
    }

    private static String describe(AutoCloseable resource, @Nullable String description) {
        return description != null ? description : String.valueOf(resource);
    }

    @Override
    public String toString() {
        synchronized (lock) {
            return "closer '" + name + "' (" + (closingThread == null ? resources.size() + " registered" : "closed")
                    + ")";
        }
    }
}

package io.hal9.ws;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The sessions of one server on one event loop, and that loop's single periodic sweep (heartbeats, resume
 * grace) over them: one scheduled task per event loop instead of one idle-state handler per connection.
 *
 * <p>Design / Concurrency / Invariants: every field is read and written only on {@code executor}'s thread.
 * A session's {@code loopIndex} is its index in {@code sessions}; removal swaps the last element into the
 * hole and updates its index, so add and remove are O(1) and the list holds no gaps. The sweep is scheduled
 * when the list becomes non-empty and cancelled when it becomes empty.
 *
 * <p>Not part of the API. Thread safety: confined to its event loop.
 */
final class LoopState {
    final EventExecutor executor;
    private final WsServerImpl<?> server;
    final ArrayList<SessionImpl<?>> sessions = new ArrayList<>();
    private @Nullable ScheduledFuture<?> sweep;

    LoopState(EventExecutor executor, WsServerImpl<?> server) {
        this.executor = executor;
        this.server = server;
    }

    void add(SessionImpl<?> session) {
        session.loopIndex = sessions.size();
        sessions.add(session);
        if (sweep == null) {
            long period = server.sweepPeriodNanos();
            sweep = executor.scheduleAtFixedRate(this::sweep, period, period, TimeUnit.NANOSECONDS);
        }
    }

    void remove(SessionImpl<?> session) {
        int i = session.loopIndex;
        if (i < 0 || i >= sessions.size() || sessions.get(i) != session) {
            return;
        }
        SessionImpl<?> last = sessions.remove(sessions.size() - 1);
        if (last != session) {
            sessions.set(i, last);
            last.loopIndex = i;
        }
        session.loopIndex = -1;
        if (sessions.isEmpty() && sweep != null) {
            sweep.cancel(false);
            sweep = null;
        }
    }

    private void sweep() {
        long now = server.ticker.read();
        // iterate backwards: a session may remove itself (and swap the last one into its slot)
        for (int i = sessions.size() - 1; i >= 0; i--) {
            if (i >= sessions.size()) {
                continue;
            }
            SessionImpl<?> s = sessions.get(i);
            if (s.loop == this) {
                s.sweep(now);
            }
        }
    }

    /** Runs on the loop: a copy of the sessions, for closing them all. */
    ArrayList<SessionImpl<?>> snapshot() {
        return new ArrayList<>(sessions);
    }
}

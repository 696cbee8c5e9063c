package io.hal9.metrics.core;

import io.hal9.core.Admission;
import io.hal9.core.TaskLimiter;
import io.hal9.core.TaskLimiterListener;
import io.hal9.metrics.internal.Buckets;
import io.hal9.metrics.internal.MeterRecorder;
import io.hal9.metrics.internal.RecorderBuilder;
import io.hal9.metrics.internal.Recorders;
import io.hal9.metrics.internal.RecordingBinder;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Binds a {@link TaskLimiter} to a {@link MeterRegistry}: its levels and task totals from {@link
 * TaskLimiter#stats()}, and, through a {@link Recorder} that is the limiter's listener, task durations.
 *
 * <p>One call builds the limiter with its recorder as listener and binds both:
 *
 * <pre>{@code
 * TaskLimiter players = TaskLimiterMetrics.monitor(
 *         registry, TaskLimiter.builder("players").maxConcurrent(64));
 * }</pre>
 *
 * <p>The two-step form still works, and cannot be half-wired: a binder given a recorder that is not the
 * limiter's listener refuses to build, and a binder given none finds the recorder the limiter was built with.
 *
 * <pre>{@code
 * TaskLimiterMetrics.Recorder recorder = TaskLimiterMetrics.recorder(); // or recorder(myListener)
 * TaskLimiter players = TaskLimiter.builder("players").listener(recorder).build();
 * TaskLimiterMetrics.monitor(registry, players); // binds the recorder too
 * }</pre>
 *
 * <p>Meters (tag {@code name} = the limiter's name, plus the builder's tags):
 *
 * <ul>
 *   <li>{@code hal9.limiter.in.flight}, {@code hal9.limiter.waiting}, {@code hal9.limiter.max.concurrent}:
 *       gauges
 *   <li>{@code hal9.limiter.tasks} (tag {@code result} = {@code completed}, {@code failed}, {@code
 *       cancelled}, {@code rejected}): function counter
 *   <li>{@code hal9.limiter.task.duration} (tag {@code outcome} = {@code success}, {@code failure},
 *       {@code cancelled}): timer with histogram buckets from 1 ms to 30 s, only with a recorder
 * </ul>
 *
 * <p>Limits: rejections are counted in total; by reason ({@code FULL}/{@code CLOSED}) they are not
 * broken down, because {@link TaskLimiter.Stats} does not keep them apart.
 *
 * <p>Thread safety: a binder may be bound from any thread; the recorder is called from the limiter's
 * threads and is thread-safe.
 */
public final class TaskLimiterMetrics extends RecordingBinder<TaskLimiter, TaskLimiterMetrics.Recorder> {
    private TaskLimiterMetrics(Builder b) {
        super(
                b,
                "limiter",
                TaskLimiter::listener,
                Recorder.class,
                "TaskLimiterMetrics.monitor(registry, builder, tags)");
    }

    /** Starts a binder for {@code limiter}. */
    public static Builder builder(TaskLimiter limiter) {
        return new Builder(limiter);
    }

    /**
     * Builds the limiter with a new {@link Recorder} as its listener and binds its meters, the recorder's
     * included: the one call that wires everything. The builder must have no listener of its own (give it {@link
     * #recorder(TaskLimiterListener)} and call {@link #monitor(MeterRegistry, TaskLimiter, Iterable)} to keep
     * one).
     *
     * @param tags tags added to every meter (not {@code name}: that is the limiter's name)
     * @return the limiter, built and bound
     * @throws IllegalStateException if the builder already has a listener
     */
    public static TaskLimiter monitor(MeterRegistry registry, TaskLimiter.Builder builder, Iterable<Tag> tags) {
        return Recorders.buildAndBind(
                registry,
                builder,
                tags,
                recorder(),
                "TaskLimiterMetrics",
                "limiter",
                builder::listener,
                builder::build,
                TaskLimiterMetrics::builder,
                TaskLimiter::close);
    }

    /** As {@link #monitor(MeterRegistry, TaskLimiter.Builder, Iterable)}, with tags as key-value pairs. */
    public static TaskLimiter monitor(MeterRegistry registry, TaskLimiter.Builder builder, String... tags) {
        return monitor(registry, builder, Tags.of(tags));
    }

    /**
     * Binds a built limiter's meters, and its recorder's when its listener is a {@link Recorder}: the one call
     * for a limiter built elsewhere.
     *
     * @param tags tags added to every meter (not {@code name}: that is the limiter's name)
     * @return {@code limiter}
     */
    public static TaskLimiter monitor(MeterRegistry registry, TaskLimiter limiter, Iterable<Tag> tags) {
        return bindOne(registry, limiter, TaskLimiterMetrics::builder, tags);
    }

    /** As {@link #monitor(MeterRegistry, TaskLimiter, Iterable)}, with tags as key-value pairs. */
    public static TaskLimiter monitor(MeterRegistry registry, TaskLimiter limiter, String... tags) {
        return monitor(registry, limiter, Tags.of(tags));
    }

    /** A listener that times tasks once its binder is bound; give it to {@link TaskLimiter.Builder#listener}. */
    public static Recorder recorder() {
        return new Recorder(null);
    }

    /** As {@link #recorder()}, and passes every event on to {@code delegate} as well. */
    public static Recorder recorder(TaskLimiterListener delegate) {
        return new Recorder(Objects.requireNonNull(delegate, "delegate"));
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        meters(registry)
                .gauge(
                        "hal9.limiter.in.flight",
                        null,
                        "Permits out: tasks dispatched or running plus bare permits",
                        TaskLimiter::inFlight)
                .gauge(
                        "hal9.limiter.waiting",
                        null,
                        "Tasks in the waiting line plus blocked timed callers",
                        TaskLimiter::waiting)
                .gauge(
                        "hal9.limiter.max.concurrent",
                        null,
                        "Configured limit of tasks in flight",
                        l -> l.stats().maxConcurrent())
                .counter(
                        "hal9.limiter.tasks",
                        "Tasks offered to the limiter, by result",
                        l -> l.stats().completed(),
                        "result",
                        "completed")
                .counter(
                        "hal9.limiter.tasks",
                        "Tasks offered to the limiter, by result",
                        l -> l.stats().failed(),
                        "result",
                        "failed")
                .counter(
                        "hal9.limiter.tasks",
                        "Tasks offered to the limiter, by result",
                        l -> l.stats().cancelled(),
                        "result",
                        "cancelled")
                .counter(
                        "hal9.limiter.tasks",
                        "Tasks offered to the limiter, by result",
                        l -> l.stats().rejected(),
                        "result",
                        "rejected");
        Recorder r = recorder;
        if (r != null) {
            TaskLimiter.Outcome[] outcomes = TaskLimiter.Outcome.values();
            Timer[] timers = new Timer[outcomes.length];
            for (TaskLimiter.Outcome o : outcomes) {
                timers[o.ordinal()] = Timer.builder("hal9.limiter.task.duration")
                        .description("Time tasks ran, by outcome")
                        .tags(tags)
                        .tag("outcome", o.name().toLowerCase(java.util.Locale.ROOT))
                        .serviceLevelObjectives(Buckets.tasks())
                        .register(registry);
            }
            bindRecorder(registry, r, List.of(timers));
        }
    }

    /**
     * Configures a {@link TaskLimiterMetrics}: {@link #tags} and {@link #recorder}, each at most once.
     *
     * <p>Thread safety: not thread-safe; use from one thread.
     */
    public static final class Builder extends RecorderBuilder<TaskLimiter, Recorder, Builder> {
        private Builder(TaskLimiter limiter) {
            super(limiter, Objects.requireNonNull(limiter, "limiter").name(), "limiter metrics");
        }

        /**
         * Builds the binder; registers nothing until {@link TaskLimiterMetrics#bindTo}.
         *
         * @throws IllegalArgumentException if the recorder given is not the limiter's listener
         */
        @Override
        public TaskLimiterMetrics build() {
            return new TaskLimiterMetrics(this);
        }
    }

    /**
     * A {@link TaskLimiterListener} that times tasks into {@code hal9.limiter.task.duration}, once the
     * {@link TaskLimiterMetrics} of its limiter is bound; before that it records nothing. It serves one
     * limiter in one registry. Recording does not allocate.
     *
     * <p>Thread safety: safe for any number of threads.
     */
    public static final class Recorder extends MeterRecorder<List<Timer>, TaskLimiterListener>
            implements TaskLimiterListener {
        private Recorder(@Nullable TaskLimiterListener delegate) {
            super("limiter recorder", delegate);
        }

        @Override
        public void onRejected(Admission reason) {
            TaskLimiterListener d = delegate;
            if (d != null) {
                d.onRejected(reason);
            }
        }

        @Override
        public void onTaskFinished(long durationNanos, TaskLimiter.Outcome outcome) {
            List<Timer> timers = meters();
            if (timers != null) {
                timers.get(outcome.ordinal()).record(durationNanos, TimeUnit.NANOSECONDS);
            }
            TaskLimiterListener d = delegate;
            if (d != null) {
                d.onTaskFinished(durationNanos, outcome);
            }
        }
    }
}

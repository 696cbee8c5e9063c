package io.hal9.metrics.core;

import io.hal9.core.ActionBatcher;
import io.hal9.core.ActionJournal;
import io.hal9.core.Admission;
import io.hal9.core.BatcherListener;
import io.hal9.metrics.internal.Buckets;
import io.hal9.metrics.internal.MeterRecorder;
import io.hal9.metrics.internal.MeterSupport;
import io.hal9.metrics.internal.RecorderBuilder;
import io.hal9.metrics.internal.Recorders;
import io.hal9.metrics.internal.RecordingBinder;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Binds an {@link ActionBatcher} to a {@link MeterRegistry}: queue depth and totals from {@link
 * ActionBatcher#stats()}, and, through a {@link Recorder} that is the batcher's listener, the batch size
 * distribution, the flush duration and the age of actions at flush.
 *
 * <p>One call builds the batcher with its recorder as listener and binds both:
 *
 * <pre>{@code
 * ActionBatcher<Move> moves = ActionBatcherMetrics.monitor(
 *         registry, ActionBatcher.<Move>builder("moves", sink).maxBatchSize(500), Tags.of("region", "eu"));
 * }</pre>
 *
 * <p>The two-step form still works, and cannot be half-wired: a binder given a recorder that is not the
 * batcher's listener refuses to build, and a binder given none finds the recorder the batcher was built with.
 *
 * <pre>{@code
 * ActionBatcherMetrics.Recorder recorder = ActionBatcherMetrics.recorder(myListener); // or recorder()
 * ActionBatcher<Move> moves =
 *         ActionBatcher.<Move>builder("moves", sink).listener(recorder).build();
 * ActionBatcherMetrics.monitor(registry, moves); // binds the recorder too
 * }</pre>
 *
 * <p>Meters (tag {@code name} = the batcher's name, plus the builder's tags):
 *
 * <ul>
 *   <li>{@code hal9.batcher.pending} (queue depth), {@code hal9.batcher.capacity}: gauges
 *   <li>{@code hal9.batcher.submissions} (tag {@code result} = {@code accepted}, {@code full}, {@code
 *       closed}): function counter
 *   <li>{@code hal9.batcher.batches}, {@code hal9.batcher.actions.written}, {@code
 *       hal9.batcher.actions.merged}, {@code hal9.batcher.retries}, {@code
 *       hal9.batcher.actions.dead.lettered}, {@code hal9.batcher.actions.replayed}, {@code
 *       hal9.batcher.actions.unwritten.at.close}: function counters
 *   <li>with a journal: {@code hal9.batcher.journal.size} (bytes on disk), {@code
 *       hal9.batcher.journal.lag} (journaled actions the sink has not committed), {@code
 *       hal9.batcher.journal.failed} (0 or 1): gauges; {@code hal9.batcher.journal.syncs}, {@code
 *       hal9.batcher.journal.refused}: function counters
 *   <li>with a recorder: {@code hal9.batcher.batch.size} (distribution summary, actions per written
 *       batch, buckets 1 to 10,000), {@code hal9.batcher.flush.duration} (timer, successful sink calls),
 *       {@code hal9.batcher.action.age} (timer, how long the oldest action of each batch waited); both
 *       timers have histogram buckets from 100 µs to 10 s (1, 2.5, 5 per decade)
 * </ul>
 *
 * <p>Limits: {@code hal9.batcher.action.age} is measured by the batcher from when its flusher first saw
 * the oldest action of the batch (not from the {@code trySubmit} call) to the start of the successful
 * write: the time spent in the submission queue before the flusher drained it is not included. The
 * submit path is untouched by binding: refusals are read from the stats, and the recorder works only on
 * the flusher thread, without allocating.
 *
 * <p>Thread safety: may be bound from any thread; the recorder is thread-safe.
 */
public final class ActionBatcherMetrics extends RecordingBinder<ActionBatcher<?>, ActionBatcherMetrics.Recorder> {
    private ActionBatcherMetrics(Builder b) {
        super(
                b,
                "batcher",
                ActionBatcher::listener,
                Recorder.class,
                "ActionBatcherMetrics.monitor(registry, builder, tags)");
    }

    /** Starts a binder for {@code batcher}. */
    public static Builder builder(ActionBatcher<?> batcher) {
        return new Builder(batcher);
    }

    /**
     * Builds the batcher with a new {@link Recorder} as its listener and binds its meters, the recorder's
     * included: the one call that wires everything. The builder must have no listener of its own (give it {@link
     * #recorder(BatcherListener)} and call {@link #monitor(MeterRegistry, ActionBatcher, Iterable)} to keep one).
     *
     * @param tags tags added to every meter (not {@code name}: that is the batcher's name)
     * @return the batcher, built and bound
     * @throws IllegalStateException if the builder already has a listener
     */
    public static <T> ActionBatcher<T> monitor(
            MeterRegistry registry, ActionBatcher.Builder<T> builder, Iterable<Tag> tags) {
        return Recorders.buildAndBind(
                registry,
                builder,
                tags,
                recorder(),
                "ActionBatcherMetrics",
                "batcher",
                builder::listener,
                builder::build,
                ActionBatcherMetrics::builder,
                ActionBatcher::close);
    }

    /** As {@link #monitor(MeterRegistry, ActionBatcher.Builder, Iterable)}, with tags as key-value pairs. */
    public static <T> ActionBatcher<T> monitor(
            MeterRegistry registry, ActionBatcher.Builder<T> builder, String... tags) {
        return monitor(registry, builder, Tags.of(tags));
    }

    /**
     * Binds a built batcher's meters, and its recorder's when its listener is a {@link Recorder}: the one call
     * for a batcher built elsewhere.
     *
     * @param tags tags added to every meter (not {@code name}: that is the batcher's name)
     * @return {@code batcher}
     */
    public static <T> ActionBatcher<T> monitor(MeterRegistry registry, ActionBatcher<T> batcher, Iterable<Tag> tags) {
        return bindOne(registry, batcher, ActionBatcherMetrics::builder, tags);
    }

    /** As {@link #monitor(MeterRegistry, ActionBatcher, Iterable)}, with tags as key-value pairs. */
    public static <T> ActionBatcher<T> monitor(MeterRegistry registry, ActionBatcher<T> batcher, String... tags) {
        return monitor(registry, batcher, Tags.of(tags));
    }

    /** A listener that records batch figures once its binder is bound; give it to the batcher's builder. */
    public static Recorder recorder() {
        return new Recorder(null);
    }

    /** As {@link #recorder()}, and passes every event on to {@code delegate} as well. */
    public static Recorder recorder(BatcherListener delegate) {
        return new Recorder(Objects.requireNonNull(delegate, "delegate"));
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        String submissions = "Actions offered to the batcher, by result";
        ActionBatcher<?> batcher = component;
        meters(registry)
                .gauge(
                        "hal9.batcher.pending",
                        null,
                        "Actions accepted and not yet written or dead-lettered",
                        ActionBatcher::pending)
                .gauge(
                        "hal9.batcher.capacity",
                        null,
                        "Most actions the batcher holds",
                        b -> b.stats().capacity())
                .counter("hal9.batcher.submissions", submissions, b -> b.stats().accepted(), "result", "accepted")
                .counter("hal9.batcher.submissions", submissions, b -> b.stats().refusedFull(), "result", "full")
                .counter("hal9.batcher.submissions", submissions, b -> b.stats().refusedClosed(), "result", "closed")
                .counter(
                        "hal9.batcher.batches",
                        "Batches written by the sink",
                        b -> b.stats().batches())
                .counter(
                        "hal9.batcher.actions.written",
                        "Actions written by successful sink calls",
                        b -> b.stats().written())
                .counter(
                        "hal9.batcher.actions.merged",
                        "Actions merged into a pending entry (aggregating mode)",
                        b -> b.stats().merged())
                .counter(
                        "hal9.batcher.retries",
                        "Failed sink calls that were retried",
                        b -> b.stats().retries())
                .counter(
                        "hal9.batcher.actions.dead.lettered",
                        "Actions handed to the dead-letter handler",
                        b -> b.stats().deadLettered())
                .counter(
                        "hal9.batcher.actions.replayed",
                        "Actions replayed from the journal at start and written",
                        b -> b.stats().replayed())
                .counter(
                        "hal9.batcher.actions.unwritten.at.close",
                        "Actions close() left in the journal or handed to the dead-letter handler, the sink failing",
                        b -> b.stats().unwrittenAtClose());
        ActionJournal<?> journal = batcher.journal();
        if (journal != null) {
            new MeterSupport<ActionJournal<?>>(registry, journal, tags)
                    .gauge(
                            "hal9.batcher.journal.size",
                            "bytes",
                            "Bytes of the journal's segment files on disk",
                            j -> j.stats().bytesOnDisk())
                    .gauge("hal9.batcher.journal.lag", null, "Journaled actions not yet committed by the sink", j -> {
                        ActionJournal.Stats st = j.stats();
                        return Math.max(0, st.lastSequence() - st.committedSequence());
                    })
                    .gauge(
                            "hal9.batcher.journal.failed",
                            null,
                            "1 when a disk error stopped the journal",
                            j -> j.stats().failed() ? 1 : 0)
                    .counter(
                            "hal9.batcher.journal.syncs",
                            "fdatasync calls of the journal",
                            j -> j.stats().syncs())
                    .counter(
                            "hal9.batcher.journal.refused",
                            "Submissions refused because the journal reached a byte limit",
                            j -> j.stats().refusedFull());
        }
        Recorder r = recorder;
        if (r != null) {
            DistributionSummary size = DistributionSummary.builder("hal9.batcher.batch.size")
                    .description("Actions per written batch")
                    .tags(tags)
                    .serviceLevelObjectives(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000)
                    .register(registry);
            Timer flush = Timer.builder("hal9.batcher.flush.duration")
                    .description("Time of successful sink calls (one per batch)")
                    .tags(tags)
                    .serviceLevelObjectives(Buckets.fast())
                    .register(registry);
            Timer age = Timer.builder("hal9.batcher.action.age")
                    .description("How long the oldest action of a batch waited before its write started")
                    .tags(tags)
                    .serviceLevelObjectives(Buckets.fast())
                    .register(registry);
            bindRecorder(registry, r, new Meters(size, flush, age));
        }
    }

    record Meters(DistributionSummary size, Timer flush, Timer age) {}

    /**
     * Configures an {@link ActionBatcherMetrics}: {@link #tags} and {@link #recorder}, each at most once.
     *
     * <p>Thread safety: not thread-safe; use from one thread.
     */
    public static final class Builder extends RecorderBuilder<ActionBatcher<?>, Recorder, Builder> {
        private Builder(ActionBatcher<?> batcher) {
            super(batcher, Objects.requireNonNull(batcher, "batcher").name(), "batcher metrics");
        }

        /**
         * Builds the binder; registers nothing until {@link ActionBatcherMetrics#bindTo}.
         *
         * @throws IllegalArgumentException if the recorder given is not the batcher's listener
         */
        @Override
        public ActionBatcherMetrics build() {
            return new ActionBatcherMetrics(this);
        }
    }

    /**
     * A {@link BatcherListener} that records each written batch's size, write time and oldest action's
     * age, once the {@link ActionBatcherMetrics} of its batcher is bound; before that it records nothing.
     * It serves one batcher in one registry. It runs on the batcher's flusher thread (never on the
     * submitting thread) and does not allocate.
     *
     * <p>Thread safety: safe for any number of threads.
     */
    public static final class Recorder extends MeterRecorder<Meters, BatcherListener> implements BatcherListener {
        private Recorder(@Nullable BatcherListener delegate) {
            super("batcher recorder", delegate);
        }

        @Override
        public void onRefused(Admission reason) {
            BatcherListener d = delegate;
            if (d != null) {
                d.onRefused(reason);
            }
        }

        @Override
        public void onBatchWritten(int size, long writeNanos, long oldestAgeNanos) {
            Meters m = meters();
            if (m != null) {
                m.size().record(size);
                m.flush().record(writeNanos, TimeUnit.NANOSECONDS);
                m.age().record(oldestAgeNanos, TimeUnit.NANOSECONDS);
            }
            BatcherListener d = delegate;
            if (d != null) {
                d.onBatchWritten(size, writeNanos, oldestAgeNanos);
            }
        }

        @Override
        public void onRetry(int attempt, int size, Throwable cause) {
            BatcherListener d = delegate;
            if (d != null) {
                d.onRetry(attempt, size, cause);
            }
        }

        @Override
        public void onDeadLetter(int count, Throwable cause) {
            BatcherListener d = delegate;
            if (d != null) {
                d.onDeadLetter(count, cause);
            }
        }
    }
}

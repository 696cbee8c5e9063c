/**
 * Bounded concurrency primitives for game servers: {@link io.hal9.core.TaskLimiter} (at most N tasks
 * at once), {@link io.hal9.core.BoundedChannel} (a bounded multi-producer queue), {@link
 * io.hal9.core.ActionBatcher} (smart batching of game actions into one transaction per batch) and
 * {@link io.hal9.core.Coalescer} (single-flight request coalescing).
 *
 * <p>Every component is bounded, offers a non-blocking {@code try…} call that returns a result and a
 * timed call that throws a {@link io.hal9.core.Hal9Exception} subtype naming the component and its
 * state, is {@link java.lang.AutoCloseable}, and reports what it does through a small stats/listener
 * interface that {@code hal9-metrics} binds to Micrometer.
 */
@NullMarked
package io.hal9.core;

import org.jspecify.annotations.NullMarked;

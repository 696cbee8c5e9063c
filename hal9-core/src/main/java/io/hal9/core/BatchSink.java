package io.hal9.core;

import java.util.List;

/**
 * Where an {@link ActionBatcher} delivers its batches: typically one database transaction per call.
 *
 * <p>The sink must be all-or-nothing: if {@link #write} throws, none of the batch may have taken
 * effect (roll the transaction back), because the batcher retries the same batch, or splits it to
 * find a poison action, and exactly-once delivery relies on a failed call having done nothing.
 *
 * <p>Thread safety: called from the batcher's single flusher thread only, one batch at a time.
 *
 * @param <T> the action type
 */
@FunctionalInterface
public interface BatchSink<T> {
    /**
     * Writes one batch, in the order given.
     *
     * @param batch the actions, never empty; a read-only view that is valid during this call only (the
     *     batcher reuses its storage for the next batch, so copy it if you keep it past the call)
     * @throws Exception to make the batcher retry (if the batcher's {@code retryOn} predicate says the
     *     failure is transient) or split and dead-letter the batch
     */
    void write(List<T> batch) throws Exception;
}

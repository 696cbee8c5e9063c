package io.hal9.core;

import java.util.List;

/**
 * Receives the actions an {@link ActionBatcher} could not deliver: a batch whose transient failures
 * outlasted the retries, or a single action that fails permanently (a poison action, found by
 * splitting its batch).
 *
 * <p>This is where "nothing accepted is lost" ends when delivery is impossible: write the actions to
 * a file or a dead-letter table, or alert. The default handler logs them at ERROR.
 *
 * <p>Thread safety: called from the batcher's flusher thread only. Exceptions it throws are logged
 * and otherwise ignored.
 *
 * @param <T> the action type
 */
@FunctionalInterface
public interface DeadLetterHandler<T> {
    /**
     * Takes actions that will not be delivered.
     *
     * @param actions the actions, in submission order, never empty; an immutable copy the handler may keep
     * @param cause the last failure of the sink
     */
    void deadLetter(List<T> actions, Throwable cause);
}

package io.hal9.pool.jdbc;

/**
 * Turns one action into one row of a {@link CopyBatchSink}'s {@code COPY}: {@code (a, row) ->
 * row.add(a.id()).add(a.gameId()).add(a.kind())}.
 *
 * <p>Thread safety: called on the thread that writes the batch, one action at a time. An exception it
 * throws fails the batch (rolled back) permanently, so the batcher isolates the action.
 *
 * @param <T> the action type
 */
@FunctionalInterface
public interface CopyRowWriter<T> {
    /**
     * Adds one value per column to {@code row}, in column order.
     *
     * @param action the action
     * @param row the row; valid during this call only
     */
    void write(T action, CopyRow row);
}

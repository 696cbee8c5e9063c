package io.hal9.pool.jdbc;

/**
 * Counters of a {@link JdbcBatchSink} or {@link CopyBatchSink}.
 *
 * <p>Thread safety: an immutable snapshot.
 *
 * @param commits batches committed, one transaction each
 * @param rows actions written by committed batches
 * @param rollbacks batches that failed and were rolled back (each retry or split of the batcher is one
 *     more call, so one more commit or rollback)
 */
public record BatchSinkStats(long commits, long rows, long rollbacks) {}

package io.hal9.pool;

/**
 * A pooled object on loan: {@link #get()} it, use it, and {@link #close()} the lease to give it back.
 * Try-with-resources is the intended use: the object goes back when the block ends, however it ends.
 *
 * <p>Thread safety: a lease belongs to one owner at a time; it may be handed to another thread (with a
 * happens-before edge, e.g. through a queue) and closed there. Closing a lease twice is a bug in the
 * caller; pools detect it and answer with an {@link IllegalStateException} instead of corrupting
 * themselves (see each pool for the exact contract).
 *
 * @param <T> the pooled type
 */
public interface Lease<T> extends AutoCloseable {
    /**
     * The pooled object. Valid until {@link #close()}; using it afterwards is a bug (another caller may
     * already hold it).
     *
     * @throws IllegalStateException if the lease was already closed
     */
    T get();

    /** Gives the object back to its pool. Declared without {@code throws}: closing never fails. */
    @Override
    void close();
}

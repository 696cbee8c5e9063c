package io.hal9.cache.near;

/**
 * Receives the coherence events of a {@link NearCache}, e.g. to count them in a metrics registry. Every
 * method has a no-op default.
 *
 * <p>Calls are made on a Lettuce I/O thread: keep them short and non-blocking. An exception thrown by a
 * listener is caught and logged at WARN; it never breaks the cache.
 *
 * <p>Thread safety: implementations must be safe to call from many threads at once.
 */
public interface NearCacheListener {

    /**
     * Messages from another instance were lost (a gap in its sequence numbers); the local level was
     * cleared.
     *
     * @param senderId the other instance's id
     * @param missed how many messages were skipped
     */
    default void onInvalidationsMissed(String senderId, long missed) {}

    /**
     * The local level was cleared to resynchronise with Redis.
     *
     * @param reason e.g. {@code "subscribed"}, {@code "data connection reconnected"}, {@code "gap"}
     */
    default void onResync(String reason) {}

    /** The invalidation subscription was lost; the local level is no longer filled until it is back. */
    default void onPubSubDisconnected() {}

    /**
     * An invalidation message could not be published.
     *
     * @param cause what Lettuce reported
     */
    default void onPublishFailed(Throwable cause) {}
}

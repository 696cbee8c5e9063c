package io.hal9.cache;

/**
 * Turns cache keys into the strings a remote cache stores them under (after the cache's prefix). The
 * default for remote caches is {@link #ofToString()}.
 *
 * <p>Two keys that are {@code equals} must encode to the same string, and two keys that are not should
 * encode to different strings (otherwise they share one entry).
 *
 * <p>Thread safety: implementations must be safe to call from many threads at once.
 *
 * @param <K> the key type
 */
@FunctionalInterface
public interface KeyCodec<K> {
    /**
     * Encodes {@code key}.
     *
     * @return the key's string, never {@code null}
     */
    String encode(K key);

    /** The codec that uses {@link Object#toString()}: right for numbers, strings, UUIDs and records. */
    static KeyCodec<Object> ofToString() {
        return Object::toString;
    }
}

package io.hal9.cache;

/**
 * Turns cache values into bytes and back, for caches that store values outside the JVM (Redis).
 * Ready-made codecs: {@link io.hal9.cache.codec.Codecs} (JSON, CBOR, raw bytes).
 *
 * <p>Errors: a value that cannot be encoded, or bytes that cannot be decoded, make the codec throw an
 * unchecked exception ({@link IllegalArgumentException} for the ready-made codecs) whose message names
 * the codec and the target type. The cache adds its own name and the key: an encoding failure reaches
 * the writer as a {@link CacheException}; a decoding failure is a corrupt entry, answered as a miss and
 * counted.
 *
 * <p>Thread safety: implementations must be safe to call from many threads at once.
 *
 * @param <V> the value type
 */
public interface ValueCodec<V> {
    /**
     * Encodes {@code value}.
     *
     * @return the bytes, never {@code null}; the caller owns them
     * @throws RuntimeException (typically {@link IllegalArgumentException}) if the value cannot be encoded
     */
    byte[] encode(V value);

    /**
     * Decodes bytes produced by {@link #encode} (possibly by another instance or version).
     *
     * @return the value, never {@code null}
     * @throws RuntimeException (typically {@link IllegalArgumentException}) if the bytes are not a valid
     *     encoding of a {@code V}
     */
    V decode(byte[] bytes);
}

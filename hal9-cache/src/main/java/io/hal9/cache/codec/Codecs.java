package io.hal9.cache.codec;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import io.hal9.cache.ValueCodec;
import java.util.Objects;

/**
 * Factories for the ready-made {@link ValueCodec}s.
 *
 * <ul>
 *   <li>{@link #json(Class)}: JSON through Jackson, the default of the Redis cache. Readable in {@code
 *       redis-cli}, tolerant of added fields (unknown properties fail by Jackson's default; configure
 *       your own {@link ObjectMapper} with {@link #json(Class, ObjectMapper)} to relax that).
 *   <li>{@link #cbor(Class)}: the compact binary codec, CBOR (RFC 8949) through Jackson. Chosen because
 *       it uses exactly the same object mapping (annotations, records, modules) as JSON, so switching a
 *       cache from JSON to CBOR needs no change to the value classes; it is typically 30-50% smaller
 *       than the same JSON (binary numbers, no quotes, length-prefixed strings) and faster to parse;
 *       and it needs no schema or code generation, unlike Protobuf or Avro. Not human readable.
 *   <li>{@link #bytes()}: raw {@code byte[]} values, stored as given (identity; no copy).
 * </ul>
 *
 * <p>Errors: the Jackson codecs throw {@link IllegalArgumentException} naming the codec and the type,
 * with Jackson's exception as the cause. Mappers are shared by default (one per format, built once);
 * Jackson mappers are thread-safe once configured: do not reconfigure a mapper you hand in.
 *
 * <p>Thread safety: all codecs returned here are immutable and thread-safe.
 */
// "exports": Jackson's types in this API come from an optional module (requires static), which a host that
// uses these codecs requires itself
@SuppressWarnings("exports")
public final class Codecs {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper CBOR = new CBORMapper();

    private Codecs() {}

    /** JSON for values of {@code type}, with a shared default {@link ObjectMapper}. */
    public static <V> ValueCodec<V> json(Class<V> type) {
        return json(type, JSON);
    }

    /** JSON for values of a generic type such as {@code new TypeReference<List<Item>>() {}}. */
    public static <V> ValueCodec<V> json(TypeReference<V> type) {
        return json(type, JSON);
    }

    /** JSON for values of {@code type} with the caller's mapper (modules, naming, features). */
    public static <V> ValueCodec<V> json(Class<V> type, ObjectMapper mapper) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(mapper, "mapper");
        return new JacksonCodec<>("json", type.getName(), mapper, mapper.constructType(type));
    }

    /** JSON for values of a generic type with the caller's mapper. */
    public static <V> ValueCodec<V> json(TypeReference<V> type, ObjectMapper mapper) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(mapper, "mapper");
        var javaType = mapper.constructType(type);
        return new JacksonCodec<>("json", javaType.toString(), mapper, javaType);
    }

    /** CBOR (compact binary) for values of {@code type}, with a shared default {@link CBORMapper}. */
    public static <V> ValueCodec<V> cbor(Class<V> type) {
        Objects.requireNonNull(type, "type");
        return new JacksonCodec<>("cbor", type.getName(), CBOR, CBOR.constructType(type));
    }

    /** CBOR for values of a generic type. */
    public static <V> ValueCodec<V> cbor(TypeReference<V> type) {
        Objects.requireNonNull(type, "type");
        var javaType = CBOR.constructType(type);
        return new JacksonCodec<>("cbor", javaType.toString(), CBOR, javaType);
    }

    /**
     * CBOR with the caller's mapper, which must be a {@link CBORMapper} (or use a {@code CBORFactory}).
     */
    public static <V> ValueCodec<V> cbor(Class<V> type, CBORMapper mapper) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(mapper, "mapper");
        return new JacksonCodec<>("cbor", type.getName(), mapper, mapper.constructType(type));
    }

    /**
     * Raw bytes: {@code encode} and {@code decode} return the array they are given, without copying. The
     * caller must not modify an array after putting it, nor one it got from the cache if it shares it.
     */
    public static ValueCodec<byte[]> bytes() {
        return BytesCodec.INSTANCE;
    }
}

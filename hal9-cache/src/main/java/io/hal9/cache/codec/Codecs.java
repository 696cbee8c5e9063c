package io.hal9.cache.codec;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import io.hal9.cache.ValueCodec;
import io.hal9.core.internal.OptionalDependency;
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
 * <p><b>Dependencies.</b> The Jackson codecs need {@code com.fasterxml.jackson.core:jackson-databind} (and,
 * for CBOR, {@code com.fasterxml.jackson.dataformat:jackson-dataformat-cbor}), which hal9-cache declares
 * optional: without them {@link #json(Class)} and {@link #cbor(Class)} throw an {@link
 * IllegalStateException} naming the artifact to add, and {@link #bytes()} works.
 *
 * <p>Thread safety: all codecs returned here are immutable and thread-safe.
 */
// "exports": Jackson's types in this API come from an optional module (requires static), which a host that
// uses these codecs requires itself
@SuppressWarnings("exports")
public final class Codecs {
    private Codecs() {}

    /** JSON for values of {@code type}, with a shared default {@link ObjectMapper}. */
    public static <V> ValueCodec<V> json(Class<V> type) {
        Objects.requireNonNull(type, "type");
        requireJson("Codecs.json");
        return JsonCodecs.json(type);
    }

    /** JSON for values of a generic type such as {@code new TypeReference<List<Item>>() {}}. */
    public static <V> ValueCodec<V> json(TypeReference<V> type) {
        Objects.requireNonNull(type, "type");
        return JsonCodecs.json(type);
    }

    /** JSON for values of {@code type} with the caller's mapper (modules, naming, features). */
    public static <V> ValueCodec<V> json(Class<V> type, ObjectMapper mapper) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(mapper, "mapper");
        return JsonCodecs.json(type, mapper);
    }

    /** JSON for values of a generic type with the caller's mapper. */
    public static <V> ValueCodec<V> json(TypeReference<V> type, ObjectMapper mapper) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(mapper, "mapper");
        return JsonCodecs.json(type, mapper);
    }

    /** CBOR (compact binary) for values of {@code type}, with a shared default {@link CBORMapper}. */
    public static <V> ValueCodec<V> cbor(Class<V> type) {
        Objects.requireNonNull(type, "type");
        requireCbor();
        return CborCodecs.cbor(type);
    }

    /** CBOR for values of a generic type. */
    public static <V> ValueCodec<V> cbor(TypeReference<V> type) {
        Objects.requireNonNull(type, "type");
        requireCbor();
        return CborCodecs.cbor(type);
    }

    /**
     * CBOR with the caller's mapper, which must be a {@link CBORMapper} (or use a {@code CBORFactory}).
     */
    public static <V> ValueCodec<V> cbor(Class<V> type, CBORMapper mapper) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(mapper, "mapper");
        return CborCodecs.cbor(type, mapper);
    }

    /**
     * Raw bytes: {@code encode} and {@code decode} return the array they are given, without copying. The
     * caller must not modify an array after putting it, nor one it got from the cache if it shares it.
     */
    public static ValueCodec<byte[]> bytes() {
        return BytesCodec.INSTANCE;
    }

    private static void requireJson(String feature) {
        OptionalDependency.require(
                feature,
                Codecs.class,
                "com.fasterxml.jackson.databind.ObjectMapper",
                "com.fasterxml.jackson.core:jackson-databind",
                "com.fasterxml.jackson.databind");
    }

    private static void requireCbor() {
        requireJson("Codecs.cbor");
        OptionalDependency.require(
                "Codecs.cbor",
                Codecs.class,
                "com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper",
                "com.fasterxml.jackson.dataformat:jackson-dataformat-cbor",
                "com.fasterxml.jackson.dataformat.cbor");
    }

    /*
     * The Jackson code lives in the two holders below, not here: the JVM's verifier loads the classes a
     * method hands on as a supertype (a CBORMapper passed as an ObjectMapper, say) when it links the
     * class that holds the method, so a Jackson-free class path would fail on Codecs.bytes() too.
     */

    /** JSON codecs and their shared mapper, built on first use. */
    private static final class JsonCodecs {
        static final ObjectMapper JSON = new ObjectMapper();

        static <V> ValueCodec<V> json(Class<V> type) {
            return json(type, JSON);
        }

        static <V> ValueCodec<V> json(TypeReference<V> type) {
            return json(type, JSON);
        }

        static <V> ValueCodec<V> json(Class<V> type, ObjectMapper mapper) {
            return new JacksonCodec<>("json", type.getName(), mapper, mapper.constructType(type));
        }

        static <V> ValueCodec<V> json(TypeReference<V> type, ObjectMapper mapper) {
            var javaType = mapper.constructType(type);
            return new JacksonCodec<>("json", javaType.toString(), mapper, javaType);
        }
    }

    /** CBOR codecs and their shared mapper, built on first use. */
    private static final class CborCodecs {
        static final CBORMapper CBOR = new CBORMapper();

        static <V> ValueCodec<V> cbor(Class<V> type) {
            return cbor(type, CBOR);
        }

        static <V> ValueCodec<V> cbor(TypeReference<V> type) {
            var javaType = CBOR.constructType(type);
            return new JacksonCodec<>("cbor", javaType.toString(), CBOR, javaType);
        }

        static <V> ValueCodec<V> cbor(Class<V> type, CBORMapper mapper) {
            return new JacksonCodec<>("cbor", type.getName(), mapper, mapper.constructType(type));
        }
    }
}

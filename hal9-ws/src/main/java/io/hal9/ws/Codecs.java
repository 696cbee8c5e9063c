package io.hal9.ws;

import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.hal9.core.internal.OptionalDependency;
import org.msgpack.jackson.dataformat.MessagePackFactory;
import org.msgpack.jackson.dataformat.MessagePackMapper;

/**
 * The message codecs HAL9 ships.
 *
 * <ul>
 *   <li>{@link #json(Class)}: Jackson JSON in text frames, the default; readable in a browser's dev tools.
 *   <li>{@link #messagePack(Class)}: MessagePack in binary frames, through Jackson as well: the <em>same</em>
 *       Jackson-mapped message classes (records, annotations, modules) go binary without a schema or generated
 *       code, and a client switches by changing its decoder only. Chosen over Protobuf for that reason: no
 *       {@code .proto} files and no second set of message classes; messages are typically 20 to 40% smaller
 *       than JSON (field names remain, numbers become compact). Protobuf would be smaller still but needs
 *       generated classes; a host that wants it implements {@link MessageCodec} itself.
 * </ul>
 *
 * <p><b>Dependencies.</b> MessagePack needs {@code org.msgpack:jackson-dataformat-msgpack}, which hal9-ws
 * declares optional: without it {@link #messagePack(Class)} throws an {@link IllegalStateException} naming
 * the artifact to add, and JSON works.
 *
 * <p>Thread safety: the codecs are immutable and safe to share.
 */
public final class Codecs {
    private Codecs() {}

    /** JSON through a default Jackson {@link JsonMapper}, in text frames. */
    public static <M> MessageCodec<M> json(Class<M> type) {
        return json(type, JsonMapper.builder().build());
    }

    /**
     * JSON through the given mapper (configured by the host), in text frames. When the mapper recycles its
     * buffers per thread (Jackson's default), the codec uses a copy of it whose buffers are shared by every
     * thread: hal9-ws encodes on the sending thread, often a short-lived virtual thread, where a per-thread pool
     * would allocate new buffers for every message. The same holds for {@link #messagePack(Class, ObjectMapper)},
     * except that a {@code MessagePackMapper} cannot be copied: give its factory a shared pool yourself
     * ({@code factory.setRecyclerPool(JsonRecyclerPools.sharedConcurrentDequePool())}).
     */
    public static <M> MessageCodec<M> json(Class<M> type, ObjectMapper mapper) {
        return new JacksonCodec<>(type, mapper, false);
    }

    /** MessagePack through a default Jackson {@link MessagePackMapper}, in binary frames. */
    public static <M> MessageCodec<M> messagePack(Class<M> type) {
        requireMessagePack();
        return MessagePack.codec(type);
    }

    /**
     * MessagePack through the given mapper, in binary frames.
     *
     * @param mapper an {@link ObjectMapper} built on a {@code MessagePackFactory} (a {@link MessagePackMapper})
     * @throws IllegalArgumentException if the mapper does not write MessagePack
     */
    public static <M> MessageCodec<M> messagePack(Class<M> type, ObjectMapper mapper) {
        requireMessagePack();
        return MessagePack.codec(type, mapper);
    }

    private static void requireMessagePack() {
        OptionalDependency.require(
                "Codecs.messagePack",
                Codecs.class,
                "org.msgpack.jackson.dataformat.MessagePackFactory",
                "org.msgpack:jackson-dataformat-msgpack",
                "jackson.dataformat.msgpack");
    }

    /**
     * The MessagePack code, apart: the JVM's verifier loads a class handed on as a supertype (a
     * MessagePackMapper passed as an ObjectMapper) when it links the class holding the method, so in
     * {@code Codecs} itself it would break {@link #json(Class)} on a class path without MessagePack.
     */
    private static final class MessagePack {
        static <M> MessageCodec<M> codec(Class<M> type) {
            MessagePackFactory factory = new MessagePackFactory();
            factory.setRecyclerPool(JsonRecyclerPools.sharedConcurrentDequePool()); // see json(Class, ObjectMapper)
            return codec(type, new MessagePackMapper(factory));
        }

        static <M> MessageCodec<M> codec(Class<M> type, ObjectMapper mapper) {
            if (!(mapper.getFactory() instanceof MessagePackFactory)) {
                throw new IllegalArgumentException(
                        "messagePack codec needs a mapper on a MessagePackFactory, was " + mapper.getFactory());
            }
            return new JacksonCodec<>(type, mapper, true);
        }
    }
}

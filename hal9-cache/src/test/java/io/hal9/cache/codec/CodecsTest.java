package io.hal9.cache.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.type.TypeReference;
import io.hal9.cache.ValueCodec;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class CodecsTest {
    record Item(String sku, int count) {}

    record Profile(long id, String name, int level, List<Item> items) {}

    private static final Profile PROFILE =
            new Profile(42L, "arthur", 17, List.of(new Item("sword-of-truth", 1), new Item("health-potion", 12)));

    @Test
    void jsonRoundTripsARecordAsReadableText() {
        ValueCodec<Profile> codec = Codecs.json(Profile.class);
        byte[] bytes = codec.encode(PROFILE);
        assertThat(new String(bytes, StandardCharsets.UTF_8)).contains("\"name\":\"arthur\"");
        assertThat(codec.decode(bytes)).isEqualTo(PROFILE);
    }

    @Test
    void jsonRoundTripsAGenericTypeThroughATypeReference() {
        ValueCodec<Map<String, List<Integer>>> codec = Codecs.json(new TypeReference<>() {});
        Map<String, List<Integer>> value = Map.of("scores", List.of(1, 2, 3));
        assertThat(codec.decode(codec.encode(value))).isEqualTo(value);
    }

    @Test
    void cborRoundTripsAndIsSmallerThanJson() {
        ValueCodec<Profile> cbor = Codecs.cbor(Profile.class);
        byte[] bytes = cbor.encode(PROFILE);
        assertThat(cbor.decode(bytes)).isEqualTo(PROFILE);
        int json = Codecs.json(Profile.class).encode(PROFILE).length;
        assertThat(bytes.length).isLessThan(json);
    }

    @Test
    void bytesCodecIsTheIdentity() {
        byte[] raw = {0, 1, 2, (byte) 255};
        assertThat(Codecs.bytes().encode(raw)).isSameAs(raw);
        assertThat(Codecs.bytes().decode(raw)).isSameAs(raw);
    }

    @Test
    void garbageFailsToDecodeWithAMessageNamingTheCodecAndType() {
        byte[] garbage = {(byte) 0xff, 0x13, 0x37, '{'};
        assertThatThrownBy(() -> Codecs.json(Profile.class).decode(garbage))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("json codec")
                .hasMessageContaining(Profile.class.getName())
                .hasMessageContaining("cannot decode 4 bytes");
        assertThatThrownBy(() -> Codecs.cbor(Profile.class).decode(garbage))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cbor codec");
    }

    @Test
    void jsonNullIsRefusedAsAValue() {
        assertThatThrownBy(() -> Codecs.json(Profile.class).decode("null".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("encode null");
    }

    static final class NotSerializable {
        @SuppressWarnings("unused") // read by Jackson, which fails on the self reference
        public NotSerializable getSelf() {
            return this;
        }
    }

    @Test
    void anUnencodableValueFailsWithAMessageNamingTheCodecAndClass() {
        ValueCodec<NotSerializable> codec = Codecs.json(NotSerializable.class);
        assertThatThrownBy(() -> codec.encode(new NotSerializable()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("json codec")
                .hasMessageContaining("cannot encode a " + NotSerializable.class.getName());
    }
}

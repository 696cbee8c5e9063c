package io.hal9.cache.near;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The near cache's invalidation wire format, without Redis. */
class InvalidationCodecTest {
    @Test
    void everyKindOfMessageReadsBackAsWritten() {
        InvalidationCodec.Decoded all =
                InvalidationCodec.decode(InvalidationCodec.frame("node-a", 7, InvalidationCodec.allTail()));
        assertThat(all).isEqualTo(new InvalidationCodec.Decoded("node-a", 7, true, List.of(), false, null));

        // a key may hold the separators of the format itself
        String odd = "user|42:x|";
        InvalidationCodec.Decoded one =
                InvalidationCodec.decode(InvalidationCodec.frame("node-a", 8, InvalidationCodec.keyTail(odd)));
        assertThat(one.keys()).containsExactly(odd);
        assertThat(one.all() || one.clearAll()).isFalse();

        List<String> keys = List.of("a", "", "b:c", "d|e", "é");
        List<String> tails = InvalidationCodec.keyTails(keys, 1_000);
        assertThat(tails).hasSize(1);
        InvalidationCodec.Decoded many = InvalidationCodec.decode(InvalidationCodec.frame("node-b", 9, tails.get(0)));
        assertThat(many.sender()).isEqualTo("node-b");
        assertThat(many.sequence()).isEqualTo(9);
        assertThat(many.keys()).containsExactlyElementsOf(keys);
    }

    @Test
    void manyKeysAreSplitIntoMessagesOfTheBoundedSizeAndNoneIsLost() {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            keys.add("player:" + i);
        }
        List<String> tails = InvalidationCodec.keyTails(keys, 200);
        assertThat(tails).hasSizeGreaterThan(1).allMatch(t -> t.length() <= 2 + 200);
        List<String> back = new ArrayList<>();
        for (String t : tails) {
            back.addAll(
                    InvalidationCodec.decode(InvalidationCodec.frame("n", 1, t)).keys());
        }
        assertThat(back).containsExactlyElementsOf(keys);
        // a key longer than the bound still goes, in a message of its own
        String huge = "k".repeat(500);
        assertThat(InvalidationCodec.keyTails(List.of("a", huge, "b"), 200)).hasSize(3);
    }

    @Test
    void theMultiKeyPayloadParserRefusesEveryMalformedShape() {
        assertThat(InvalidationCodec.parseKeys("1:a0:2:bc")).containsExactly("a", "", "bc");
        assertThat(InvalidationCodec.parseKeys("3:a:b")).containsExactly("a:b");
        for (String bad : List.of("", "3:ab", "x:abc", ":a", "-1:", "1a", "99999999999:a", "1:ab")) {
            assertThat(InvalidationCodec.parseKeys(bad)).as(bad).isNull();
        }
    }

    @Test
    void whatCannotBeReadIsIgnoredOrClearsTheLocalLevel() {
        // no sender or sequence to place it: ignored
        for (String bad : List.of("", "1|a|b", "2|node|1|a|", "1|node|x|a|", "garbage")) {
            assertThat(InvalidationCodec.decode(bad)).as(bad).isNull();
        }
        // placed in its sender's sequence, but which keys it names is unknown: clear everything
        InvalidationCodec.Decoded malformed = InvalidationCodec.decode("1|node|3|m|9:short");
        assertThat(malformed.clearAll()).isTrue();
        assertThat(malformed.problem()).isEqualTo("malformed invalidation");
        assertThat(malformed.sequence()).isEqualTo(3);
        InvalidationCodec.Decoded newer = InvalidationCodec.decode("1|node|4|z|from a newer version");
        assertThat(newer.clearAll()).isTrue();
        assertThat(newer.problem()).isEqualTo("unknown invalidation kind");
    }
}

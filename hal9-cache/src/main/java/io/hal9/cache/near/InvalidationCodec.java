package io.hal9.cache.near;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The near cache's invalidation messages on the wire: {@code <version>|<sender>|<sequence>|<kind>|<payload>},
 * UTF-8, where version is {@value #VERSION}, sender the publishing instance's id, sequence that sender's
 * message count (from 1, so that a receiver sees a gap), and kind one of {@code a} (every key: the payload is
 * empty), {@code k} (one key: the payload is the encoded key, any characters) or {@code m} (several keys: the
 * payload is {@code <length>:<key>} repeated, lengths in chars, so keys may contain any character).
 *
 * <p>A receiver that cannot read a message, or meets a kind it does not know (a newer sender), cannot tell
 * which keys it named: it must clear its local level ({@link Decoded#clearAll()}). Several keys are split
 * into as few {@code m} messages as fit {@value NearCacheImpl#MAX_MESSAGE_CHARS} characters of payload each
 * ({@link #keyTails}): 10,000 keys published as one message each took longer than the command timeout.
 *
 * <p>Not part of the API. Thread safety: stateless.
 */
final class InvalidationCodec {
    /** The wire format's version, the first field of every message. */
    static final String VERSION = "1";

    private InvalidationCodec() {}

    /** The tail ({@code <kind>|<payload>}) that invalidates every key. */
    static String allTail() {
        return "a|";
    }

    /** The tail that invalidates one encoded key. */
    static String keyTail(String key) {
        return "k|" + key;
    }

    /**
     * The tails that invalidate {@code keys}: one {@code k} tail for a single key, else {@code m} tails of at
     * most {@code maxChars} characters of payload each (a key longer than that gets a tail of its own).
     */
    static List<String> keyTails(List<String> keys, int maxChars) {
        if (keys.size() == 1) {
            return List.of(keyTail(keys.get(0)));
        }
        List<String> tails = new ArrayList<>();
        StringBuilder payload = new StringBuilder();
        for (String key : keys) {
            String length = Integer.toString(key.length());
            if (!payload.isEmpty() && payload.length() + length.length() + 1 + key.length() > maxChars) {
                tails.add("m|" + payload);
                payload.setLength(0);
            }
            payload.append(length).append(':').append(key);
        }
        if (!payload.isEmpty()) {
            tails.add("m|" + payload);
        }
        return tails;
    }

    /** A whole message: {@code tail} from {@code sender} as its message number {@code sequence}. */
    static String frame(String sender, long sequence, String tail) {
        return VERSION + "|" + sender + "|" + sequence + "|" + tail;
    }

    /**
     * What a message says.
     *
     * @param sender the publishing instance
     * @param sequence its message number
     * @param all whether every key is invalidated
     * @param keys the keys invalidated (empty when {@code all}, or when the keys could not be read)
     * @param clearAll whether the receiver must clear its local level without knowing which keys: the
     *     payload was malformed or the kind unknown ({@code problem} says which)
     * @param problem why {@code clearAll} ({@code "malformed invalidation"} or {@code "unknown invalidation
     *     kind"}, the reason the near cache's listener hears); null otherwise
     */
    record Decoded(
            String sender,
            long sequence,
            boolean all,
            List<String> keys,
            boolean clearAll,
            @Nullable String problem) {}

    /**
     * Reads a message; null when not even its sender and sequence can be read (or its version is another): it
     * is ignored, since it cannot be placed in any sender's sequence.
     */
    static @Nullable Decoded decode(String message) {
        String[] parts = message.split("\\|", 5);
        if (parts.length != 5 || !VERSION.equals(parts[0])) {
            return null;
        }
        long sequence;
        try {
            sequence = Long.parseLong(parts[2]);
        } catch (NumberFormatException e) {
            return null;
        }
        String sender = parts[1];
        return switch (parts[3]) {
            case "a" -> new Decoded(sender, sequence, true, List.of(), false, null);
            case "k" -> new Decoded(sender, sequence, false, List.of(parts[4]), false, null);
            case "m" -> {
                List<String> keys = parseKeys(parts[4]);
                yield keys == null
                        ? new Decoded(sender, sequence, false, List.of(), true, "malformed invalidation")
                        : new Decoded(sender, sequence, false, keys, false, null);
            }
            default -> new Decoded(sender, sequence, false, List.of(), true, "unknown invalidation kind");
        };
    }

    /** The keys of an {@code m} message's payload, or {@code null} if it is malformed. */
    static @Nullable List<String> parseKeys(String payload) {
        List<String> keys = new ArrayList<>();
        int i = 0;
        while (i < payload.length()) {
            int colon = payload.indexOf(':', i);
            if (colon <= i || colon - i > 10) {
                return null;
            }
            int length;
            try {
                length = Integer.parseInt(payload, i, colon, 10);
            } catch (NumberFormatException e) {
                return null;
            }
            if (length < 0 || length > payload.length() - colon - 1) {
                return null;
            }
            keys.add(payload.substring(colon + 1, colon + 1 + length));
            i = colon + 1 + length;
        }
        return keys.isEmpty() ? null : keys;
    }
}

package io.hal9.ws;

/** The test message type: a kind, a text and a number. */
public record Msg(String type, String text, long n) {
    static Msg of(String type, long n) {
        return new Msg(type, "", n);
    }
}

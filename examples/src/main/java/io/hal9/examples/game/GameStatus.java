package io.hal9.examples.game;

import java.util.Locale;

/**
 * Where a game is in its life: {@link #WAITING} for players, {@link #RUNNING} its rounds, or
 * {@link #FINISHED}. A game only moves forward.
 *
 * <p>Thread safety: immutable.
 */
public enum GameStatus {
    /** Accepting players; starts when the last seat is taken. */
    WAITING,
    /** Playing rounds; no one joins any more. */
    RUNNING,
    /** Over: all rounds played, or fewer than two players left. */
    FINISHED;

    /**
     * The lowercase name used in JSON and in the database.
     *
     * @return {@code waiting}, {@code running} or {@code finished}
     */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses a wire name.
     *
     * @param name the lowercase (or any case) name
     * @return the status
     * @throws IllegalArgumentException when {@code name} names no status
     */
    public static GameStatus parse(String name) {
        for (GameStatus s : values()) {
            if (s.name().equalsIgnoreCase(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("status must be one of waiting, running, finished, was '" + name + "'");
    }
}

package io.hal9.examples.game;

import java.util.Locale;

/**
 * Where a game is in its life: {@link #WAITING} for players, {@link #RUNNING} its rounds, then over:
 * {@link #FINISHED} by its rules, {@link #EXPIRED} because it waited for players too long, or
 * {@link #ABORTED} because its server could not carry it on or an operator ended it (the admin console). A game only moves forward; the three
 * ends are final.
 *
 * <p>{@link Game} itself only goes from waiting to running to finished; the server ends a game as
 * expired or aborted.
 *
 * <p>Thread safety: immutable.
 */
public enum GameStatus {
    /** Accepting players; starts when the last seat is taken. */
    WAITING,
    /** Playing rounds; no one joins any more. */
    RUNNING,
    /** Over: all rounds played, or fewer than two players left. */
    FINISHED,
    /** Over unplayed: still waiting for players when its server's waiting-game time ran out. */
    EXPIRED,
    /**
     * Over unfinished: the server that hosted it restarted and could not rebuild it (its records were
     * inconsistent, or the server had no room for it), so nobody could play it on.
     */
    ABORTED;

    /**
     * The lowercase name used in JSON and in the database.
     *
     * @return {@code waiting}, {@code running}, {@code finished}, {@code expired} or {@code aborted}
     */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Whether the game is over, whichever way it ended.
     *
     * @return true for finished, expired and aborted
     */
    public boolean isOver() {
        return this != WAITING && this != RUNNING;
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
        throw new IllegalArgumentException(
                "status must be one of waiting, running, finished, expired, aborted, was '" + name + "'");
    }
}

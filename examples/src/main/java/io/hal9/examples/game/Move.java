package io.hal9.examples.game;

import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One hand of rock-paper-scissors-lizard-Spock. Each move beats exactly two others and loses to the
 * other two: scissors cuts paper, paper covers rock, rock crushes lizard, lizard poisons Spock, Spock
 * smashes scissors, scissors decapitates lizard, lizard eats paper, paper disproves Spock, Spock
 * vaporizes rock, rock crushes scissors.
 *
 * <p>Thread safety: immutable.
 */
public enum Move {
    ROCK,
    PAPER,
    SCISSORS,
    LIZARD,
    SPOCK;

    /**
     * Whether this move beats {@code other}.
     *
     * @param other the opposing move
     * @return true when this move wins against {@code other}; false for a loss or the same move
     */
    public boolean beats(Move other) {
        Objects.requireNonNull(other, "other");
        return switch (this) {
            case ROCK -> other == SCISSORS || other == LIZARD;
            case PAPER -> other == ROCK || other == SPOCK;
            case SCISSORS -> other == PAPER || other == LIZARD;
            case LIZARD -> other == PAPER || other == SPOCK;
            case SPOCK -> other == SCISSORS || other == ROCK;
        };
    }

    /**
     * The wire name of this move: its lowercase name ({@code "rock"}, {@code "spock"}...).
     *
     * @return the lowercase name
     */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses a wire name, ignoring case.
     *
     * @param name the name a client sent
     * @return the move, or null when {@code name} names none
     */
    public static @Nullable Move parse(String name) {
        Objects.requireNonNull(name, "name");
        for (Move m : values()) {
            if (m.name().equalsIgnoreCase(name)) {
                return m;
            }
        }
        return null;
    }
}

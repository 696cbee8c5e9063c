package io.hal9.examples.server;

import io.hal9.examples.game.Game;
import io.hal9.examples.game.GameStatus;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The seam between the game service and a transport: what players must hear about. The HTTP-only
 * server uses {@link #none()}; a WebSocket transport implements it with one room broadcast per
 * event (one frame per player per round).
 *
 * <p>Calls are made while the game's lock is held, in the game's order of events: implementations
 * must not block (queue the frame and return).
 *
 * <p>Thread safety: implementations must be safe for concurrent use (different games call from
 * different threads).
 */
public interface GameEvents {
    /**
     * The last seat was taken: round 1 is open.
     *
     * @param gameId the game
     * @param players the seated players
     */
    void gameStarted(long gameId, List<Game.PlayerView> players);

    /**
     * A round was resolved (by the last move, a leave or the timeout).
     *
     * @param result the round's result, with the game's new status
     */
    void roundResolved(Game.RoundResult result);

    /**
     * The game ended other than by its rules, and left the server's memory: it expired while still
     * waiting for players, or was aborted. (A game that finishes by its rules ends with the {@link
     * #roundResolved} of its last round.) Not called for games aborted while the server recovers its
     * games at start: no player is connected then.
     *
     * @param gameId the game
     * @param status {@link GameStatus#EXPIRED} or {@link GameStatus#ABORTED}
     * @param detail a sentence for players saying why
     */
    void gameEnded(long gameId, GameStatus status, String detail);

    /**
     * This instance took the game over and rebuilt it: tell its room who hosts it now, and send again the
     * result of the last round ({@code last}, null when none was played), which players may have missed with
     * the old host (it may even have been resolved by the rebuild: the old host had every move of the round
     * but died before sending the result). A game the rebuild finished comes with status {@code finished}.
     * Default: nothing (a transport without connections of its own to tell).
     *
     * @param gameId the game
     * @param status its status after the rebuild (wire name)
     * @param round its current round
     * @param last the last round's result, or null
     */
    default void tookOver(long gameId, String status, int round, Game.@Nullable RoundResult last) {}

    /**
     * Another instance claimed the game: the connections here must reconnect (and land on any instance).
     * Default: nothing.
     *
     * @param gameId the game
     */
    default void lost(long gameId) {}

    /**
     * The transport that tells no one.
     *
     * @return a no-op implementation
     */
    static GameEvents none() {
        return new GameEvents() {
            @Override
            public void gameStarted(long gameId, List<Game.PlayerView> players) {}

            @Override
            public void roundResolved(Game.RoundResult result) {}

            @Override
            public void gameEnded(long gameId, GameStatus status, String detail) {}
        };
    }
}

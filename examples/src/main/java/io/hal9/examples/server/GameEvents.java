package io.hal9.examples.server;

import io.hal9.examples.game.Game;
import java.util.List;

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
        };
    }
}

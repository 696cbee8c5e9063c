package io.hal9.examples.server;

import io.hal9.examples.game.Game;
import io.hal9.examples.game.GameStatus;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;

/**
 * The game service's one events sink: passes every {@link GameEvents} call on to each subscriber, in the order
 * they subscribed. The server builds it first, hands it to the game service, and subscribes the transports
 * built after the service (the WebSocket gateway, a host's own {@link GameEvents}), so the service needs no
 * transport to exist before it and no transport needs a setter to learn of the service.
 *
 * <p>Calls arrive under the game's lock (see {@link GameEvents}): subscribers must not block. A subscriber
 * that throws is not isolated from the others: the exception reaches the game service, as with one transport.
 *
 * <p>Thread safety: safe for concurrent use; subscribing is meant for start-up, before traffic (a
 * copy-on-write list: cheap to read on every event, costly to change).
 */
final class GameEventHub implements GameEvents {
    private final List<GameEvents> subscribers = new CopyOnWriteArrayList<>();

    /** Adds a subscriber; events from now on reach it. */
    void subscribe(GameEvents subscriber) {
        subscribers.add(Objects.requireNonNull(subscriber, "subscriber"));
    }

    @Override
    public void gameStarted(long gameId, List<Game.PlayerView> players) {
        for (GameEvents s : subscribers) {
            s.gameStarted(gameId, players);
        }
    }

    @Override
    public void roundResolved(Game.RoundResult result) {
        for (GameEvents s : subscribers) {
            s.roundResolved(result);
        }
    }

    @Override
    public void gameEnded(long gameId, GameStatus status, String detail) {
        for (GameEvents s : subscribers) {
            s.gameEnded(gameId, status, detail);
        }
    }

    @Override
    public void tookOver(long gameId, String status, int round, Game.@Nullable RoundResult last) {
        for (GameEvents s : subscribers) {
            s.tookOver(gameId, status, round, last);
        }
    }

    @Override
    public void lost(long gameId) {
        for (GameEvents s : subscribers) {
            s.lost(gameId);
        }
    }
}

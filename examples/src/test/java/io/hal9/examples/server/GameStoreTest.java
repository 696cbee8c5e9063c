package io.hal9.examples.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.hal9.examples.game.GameStatus;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The store's SQL on the embedded database (the same statements run on PostgreSQL in the other tests). */
@Timeout(30)
class GameStoreTest {
    private Database db;
    private GameStore store;

    @BeforeEach
    void open() {
        db = Database.open("store-test", ServerConfig.defaults());
        store = new GameStore(db.router());
    }

    @AfterEach
    void close() {
        db.close();
    }

    @Test
    void aLateStateNeverUndoesAFinishedGameOrALaterRound() {
        Instant now = GameStore.now();
        GameStore.GameRow row = store.insertGame(2, 5, 1000, now);
        store.updateGame(row.id(), now, GameStatus.RUNNING, 3, 2);
        store.updateGame(row.id(), now, GameStatus.RUNNING, 2, 2); // late: round 2 after round 3
        assertThat(store.findGame(row.id()).round()).isEqualTo(3);
        store.updateGame(row.id(), now, GameStatus.FINISHED, 5, 2);
        store.updateGame(row.id(), now, GameStatus.RUNNING, 5, 2); // late batched state of the last round
        GameStore.GameRow after = store.findGame(row.id());
        assertThat(after.status()).isEqualTo(GameStatus.FINISHED);
        assertThat(after.round()).isEqualTo(5);
        assertThat(after.createdAt()).isEqualTo(now);
    }

    @Test
    void writingAFinalStateTwiceChangesNothingMoreAndALateStateCannotUndoIt() {
        Instant now = GameStore.now();
        GameStore.GameRow row = store.insertGame(2, 3, 1000, now);
        long ann = store.insertPlayer(row.id(), "ann");
        long bob = store.insertPlayer(row.id(), "bob");
        store.updateGame(row.id(), now, GameStatus.RUNNING, 3, 2);
        GameStore.FinalState fin = new GameStore.FinalState(
                row.id(),
                now,
                3,
                2,
                List.of(
                        new GameStore.PlayerRow(ann, "ann", "active", 4),
                        new GameStore.PlayerRow(bob, "bob", "left", 1)));
        store.writeFinals(List.of(fin));
        store.writeFinals(List.of(fin)); // a replay: the batch retried after a lost commit acknowledgement
        store.updateGame(row.id(), now, GameStatus.RUNNING, 3, 2); // a late batched state
        GameStore.GameRow after = store.findGame(row.id());
        assertThat(after.status()).isEqualTo(GameStatus.FINISHED);
        assertThat(after.round()).isEqualTo(3);
        assertThat(store.players(row.id()))
                .extracting(GameStore.PlayerRow::name, GameStore.PlayerRow::score, GameStore.PlayerRow::status)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("ann", 4, "active"),
                        org.assertj.core.groups.Tuple.tuple("bob", 1, "left"));
    }

    @Test
    void gameIdsComeFromTheSequenceAndPlayersFromTheirIdentity() {
        Instant now = GameStore.now();
        long a = store.insertGame(2, 1, 1000, now).id();
        long b = store.insertGame(2, 1, 1000, now).id();
        assertThat(b).isGreaterThan(a);
        long p1 = store.insertPlayer(a, "ann");
        long p2 = store.insertPlayer(a, "bob");
        assertThat(p2).isGreaterThan(p1);
        assertThat(store.players(a)).extracting(GameStore.PlayerRow::name).containsExactly("ann", "bob");
        store.deletePlayer(p1);
        assertThat(store.players(a)).extracting(GameStore.PlayerRow::name).containsExactly("bob");
        assertThat(store.findGame(987_654)).isNull();
    }
}

package io.hal9.examples.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hal9.examples.game.GameStatus;
import java.sql.PreparedStatement;
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
        store = new GameStore(db.router(), "store-test", false);
    }

    @AfterEach
    void close() {
        db.close();
    }

    @Test
    void aLateStateNeverUndoesAFinishedGameOrALaterRound() {
        Instant now = GameStore.now();
        GameStore.GameRow row = store.insertGame(2, 5, 1000, now, "store-test");
        store.updateGame(row.id(), now, GameStatus.RUNNING, 3, 2, 0);
        store.updateGame(row.id(), now, GameStatus.RUNNING, 2, 2, 0); // late: round 2 after round 3
        assertThat(store.findGame(row.id()).round()).isEqualTo(3);
        store.updateGame(row.id(), now, GameStatus.FINISHED, 5, 2, 0);
        store.updateGame(row.id(), now, GameStatus.RUNNING, 5, 2, 0); // late batched state of the last round
        GameStore.GameRow after = store.findGame(row.id());
        assertThat(after.status()).isEqualTo(GameStatus.FINISHED);
        assertThat(after.round()).isEqualTo(5);
        assertThat(after.createdAt()).isEqualTo(now);
    }

    @Test
    void writingAFinalStateTwiceChangesNothingMoreAndALateStateCannotUndoIt() {
        Instant now = GameStore.now();
        GameStore.GameRow row = store.insertGame(2, 3, 1000, now, "store-test");
        long ann = store.insertPlayer(row.id(), "ann", 0);
        long bob = store.insertPlayer(row.id(), "bob", 0);
        store.updateGame(row.id(), now, GameStatus.RUNNING, 3, 2, 0);
        GameStore.FinalState fin = new GameStore.FinalState(
                row.id(),
                now,
                3,
                2,
                List.of(
                        new GameStore.PlayerRow(ann, "ann", "active", 4),
                        new GameStore.PlayerRow(bob, "bob", "left", 1)),
                0);
        store.writeFinals(List.of(fin));
        store.writeFinals(List.of(fin)); // a replay: the batch retried after a lost commit acknowledgement
        store.updateGame(row.id(), now, GameStatus.RUNNING, 3, 2, 0); // a late batched state
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
    void aGameThatIsOverKeepsItsEndAgainstLateStatesAndEnds() {
        Instant now = GameStore.now();
        GameStore.GameRow row = store.insertGame(2, 5, 1000, now, "store-test");
        assertThat(store.endGame(row.id(), now, GameStatus.EXPIRED, 0)).isTrue();
        assertThat(store.endGame(row.id(), now, GameStatus.ABORTED, 0)).isFalse(); // the first end stays
        store.updateGame(row.id(), now, GameStatus.RUNNING, 1, 2, 0); // a late state does not revive it
        assertThat(store.findGame(row.id()).status()).isEqualTo(GameStatus.EXPIRED);
        assertThatThrownBy(() -> store.endGame(row.id(), now, GameStatus.RUNNING, 0))
                .hasMessageContaining("endGame: status must be an end, was running");
    }

    @Test
    void recoveryReadsTheLiveGamesOfOneHostWithTheirSeatsAndMoves() {
        Instant now = GameStore.now();
        GameStore a = new GameStore(db.router(), "a", false); // the owner of games hosted by "a"
        GameStore.GameRow mine = store.insertGame(2, 5, 1000, now, "a");
        GameStore.GameRow done = store.insertGame(2, 5, 1000, now, "a");
        store.insertGame(2, 5, 1000, now, "b");
        a.updateGame(done.id(), now, GameStatus.FINISHED, 5, 2, 0);
        assertThat(store.liveGamesOf("a")).extracting(GameStore.GameRow::id).containsExactly(mine.id());
        assertThat(store.liveGamesOf("a").get(0).host()).isEqualTo("a");
        assertThat(store.liveGamesOf("c")).isEmpty();

        long ann = a.insertPlayer(mine.id(), "ann", 0);
        long bob = a.insertPlayer(mine.id(), "bob", 0);
        a.markLeft(mine.id(), 0, bob, 3, 2);
        assertThat(store.seats(mine.id()))
                .containsExactly(
                        new GameStore.SeatRow(ann, "ann", "active", 0), new GameStore.SeatRow(bob, "bob", "left", 3));

        List<GameStore.ActionRow> written = List.of(
                new GameStore.ActionRow(mine.id(), bob, 2, "paper", now),
                new GameStore.ActionRow(mine.id(), ann, 1, "rock", now),
                new GameStore.ActionRow(mine.id(), bob, 1, "spock", now));
        db.router().writes(c -> {
            try (PreparedStatement ps = c.prepareStatement(GameStore.INSERT_ACTION)) {
                for (GameStore.ActionRow row : written) {
                    GameStore.ACTION_BINDER.bind(ps, row);
                    ps.executeUpdate();
                }
            }
            return null;
        });
        assertThat(store.actions(mine.id())).containsExactly(written.get(1), written.get(2), written.get(0));
    }

    @Test
    void aClaimFencesEveryGameWriteOfThePreviousOwner() {
        Instant now = GameStore.now();
        GameStore a = new GameStore(db.router(), "a", false);
        GameStore b = new GameStore(db.router(), "b", false);
        GameStore.GameRow row = a.insertGame(2, 5, 1000, now, "a");
        long ann = a.insertPlayer(row.id(), "ann", 0);
        assertThat(ann).isPositive();
        assertThat(a.updateGame(row.id(), now, GameStatus.RUNNING, 1, 1, 0)).isTrue();

        GameStore.GameRow claimed = b.claim(row.id(), "a", 0);
        assertThat(claimed).isNotNull();
        assertThat(claimed.host()).isEqualTo("b");
        assertThat(claimed.epoch()).isEqualTo(1);
        assertThat(a.claim(row.id(), "a", 0)).isNull(); // the old owner cannot claim it back from its epoch

        // every write of the old owner changes nothing now
        assertThat(a.updateGame(row.id(), now, GameStatus.RUNNING, 2, 1, 0)).isFalse();
        assertThat(a.insertPlayer(row.id(), "bob", 0)).isZero();
        assertThat(a.markLeft(row.id(), 0, ann, 2, 7)).isFalse();
        assertThat(a.endGame(row.id(), now, GameStatus.ABORTED, 0)).isFalse();
        a.writeFinals(List.of(new GameStore.FinalState(
                row.id(), now, 5, 1, List.of(new GameStore.PlayerRow(ann, "ann", "active", 9)), 0)));
        GameStore.GameRow after = store.findGame(row.id());
        assertThat(after.status()).isEqualTo(GameStatus.RUNNING);
        assertThat(after.round()).isEqualTo(1);
        assertThat(store.players(row.id()))
                .extracting(GameStore.PlayerRow::score, GameStore.PlayerRow::status)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(0, "active"));
        assertThat(a.ownedGames()).doesNotContainKey(row.id());

        // the new owner's writes go through
        assertThat(b.ownedGames()).containsEntry(row.id(), 1L);
        assertThat(b.updateGame(row.id(), now, GameStatus.RUNNING, 2, 1, 1)).isTrue();
        assertThat(store.findGame(row.id()).round()).isEqualTo(2);
    }

    @Test
    void aGameIsAnOrphanOnlyWhileItsOwnersLeaseHasLapsed() {
        Instant now = GameStore.now();
        GameStore a = new GameStore(db.router(), "a", false);
        GameStore b = new GameStore(db.router(), "b", false);
        GameStore.GameRow row = a.insertGame(2, 5, 1000, now, "a");
        assertThat(b.orphans(10)).isEmpty(); // "a" has no lease row: a server before V5, left alone
        a.renewLease("http://a.example:8080", 60_000);
        assertThat(b.orphans(10)).isEmpty();
        assertThat(b.ownerOf(row.id())).isEqualTo(new GameStore.Owner("a", "http://a.example:8080", true));
        a.dropLease();
        assertThat(b.orphans(10)).containsExactly(new GameStore.Orphan(row.id(), "a", 0));
        assertThat(a.orphans(10)).isEmpty(); // never one's own
        assertThat(b.ownerOf(row.id()).leased()).isFalse();
        a.renewLease("http://a.example:8080", 60_000);
        assertThat(b.orphans(10)).isEmpty();
    }

    @Test
    void aSettingIsStoredOnceAndReadBackByEveryone() {
        assertThat(store.settingIfAbsent("k", "first-value")).isEqualTo("first-value");
        assertThat(store.settingIfAbsent("k", "second-value")).isEqualTo("first-value");
        assertThat(store.settingIfAbsent("other", "x")).isEqualTo("x");
    }

    @Test
    void gameIdsComeFromTheSequenceAndPlayersFromTheirIdentity() {
        Instant now = GameStore.now();
        long a = store.insertGame(2, 1, 1000, now, "store-test").id();
        long b = store.insertGame(2, 1, 1000, now, "store-test").id();
        assertThat(b).isGreaterThan(a);
        long p1 = store.insertPlayer(a, "ann", 0);
        long p2 = store.insertPlayer(a, "bob", 0);
        assertThat(p2).isGreaterThan(p1);
        assertThat(store.players(a)).extracting(GameStore.PlayerRow::name).containsExactly("ann", "bob");
        store.deletePlayer(a, 0, p1);
        assertThat(store.players(a)).extracting(GameStore.PlayerRow::name).containsExactly("bob");
        assertThat(store.findGame(987_654)).isNull();
    }

    @Test
    void aBatchOfStatesKeepsEachRowsFence() {
        statesKeepTheirFences(store, "store-test");
    }

    /**
     * {@link GameStore#writeStates} applies the state of a live game this owner holds at that epoch and
     * changes no other row: a game already over, a later round, another owner's game, a stale epoch.
     * Shared by the PostgreSQL test (the statement's generic plan) and this one (H2).
     */
    static void statesKeepTheirFences(GameStore store, String owner) {
        Instant now = GameStore.now();
        GameStore.GameRow live = store.insertGame(2, 5, 1000, now, owner);
        GameStore.GameRow over = store.insertGame(2, 5, 1000, now, owner);
        GameStore.GameRow ahead = store.insertGame(2, 5, 1000, now.minusMillis(1), owner);
        GameStore.GameRow theirs = store.insertGame(2, 5, 1000, now, "someone-else");
        GameStore.GameRow stale = store.insertGame(2, 5, 1000, now, owner);
        store.updateGame(over.id(), now, GameStatus.FINISHED, 5, 2, 0);
        store.updateGame(ahead.id(), ahead.createdAt(), GameStatus.RUNNING, 4, 2, 0);
        store.writeStates(List.of(
                new GameStore.GameState(live.id(), live.createdAt(), GameStatus.RUNNING, 2, 2, 0),
                new GameStore.GameState(over.id(), over.createdAt(), GameStatus.RUNNING, 3, 2, 0),
                new GameStore.GameState(ahead.id(), ahead.createdAt(), GameStatus.RUNNING, 3, 2, 0),
                new GameStore.GameState(theirs.id(), theirs.createdAt(), GameStatus.RUNNING, 2, 2, 0),
                new GameStore.GameState(stale.id(), stale.createdAt(), GameStatus.RUNNING, 2, 2, 7)));
        assertThat(store.findGame(live.id()))
                .extracting(GameStore.GameRow::status, GameStore.GameRow::round, GameStore.GameRow::playerCount)
                .containsExactly(GameStatus.RUNNING, 2, 2);
        assertThat(store.findGame(over.id()))
                .extracting(GameStore.GameRow::status, GameStore.GameRow::round)
                .containsExactly(GameStatus.FINISHED, 5);
        assertThat(store.findGame(ahead.id()).round()).isEqualTo(4);
        assertThat(store.findGame(theirs.id()).status()).isEqualTo(GameStatus.WAITING);
        assertThat(store.findGame(stale.id()).status()).isEqualTo(GameStatus.WAITING);
        store.writeStates(List.of()); // nothing to write: no statement
    }
}

package io.hal9.examples.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hal9.testkit.PostgresService;
import io.hal9.testkit.RequiresPostgres;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A takeover on PostgreSQL claims a game only while its owner's lease is lapsed at the claim, not only when
 * the claimer listed the orphans: an owner that paused past its lease and renewed in between keeps its game
 * (the drill's zombie owner, which acknowledged moves of games claimed after it had renewed).
 */
@RequiresPostgres
@Timeout(60)
class LeaseClaimTest {
    @Test
    void anOwnerThatRenewedAfterTheOrphansWereListedKeepsItsGame(PostgresService pg) {
        try (Database db = Database.open(
                "lease-claim",
                SharedServices.parse(SharedServices.postgresArgs(pg.jdbcUrl(), 3, SharedServices.journalDir())))) {
            GameStore a = new GameStore(db.router(), "lease-a", true);
            GameStore b = new GameStore(db.router(), "lease-b", true);
            a.renewLease("http://a.example:8080", 60_000);
            GameStore.GameRow row = a.insertGame(2, 5, 1000, Instant.now(), "lease-a");
            a.dropLease(); // "a" paused past its lease
            GameStore.Orphan orphan = new GameStore.Orphan(row.id(), "lease-a", 0);
            assertThat(b.orphans(1_000)).contains(orphan);

            a.renewLease("http://a.example:8080", 60_000); // back before "b" got to the claim
            assertThat(b.claim(orphan.id(), orphan.host(), orphan.epoch())).isNull();
            assertThat(a.ownedGames()).containsEntry(row.id(), 0L);

            a.dropLease(); // lapsed at the claim: taken over
            GameStore.GameRow claimed = b.claim(orphan.id(), orphan.host(), orphan.epoch());
            assertThat(claimed).isNotNull();
            assertThat(claimed.host()).isEqualTo("lease-b");
            assertThat(a.ownedGames()).doesNotContainKey(row.id());
        }
    }

    @Test
    void aRenewalRacingAClaimWaitsForItSoTheOwnersCheckAfterwardsSeesTheClaim(PostgresService pg) throws Exception {
        try (Database db = Database.open(
                "lease-race",
                SharedServices.parse(SharedServices.postgresArgs(pg.jdbcUrl(), 3, SharedServices.journalDir())))) {
            GameStore a = new GameStore(db.router(), "race-a", true);
            GameStore b = new GameStore(db.router(), "race-b", true);
            a.renewLease("http://a.example:8080", 60_000);
            GameStore.GameRow row = a.insertGame(2, 5, 1000, Instant.now(), "race-a");
            a.dropLease();
            // "b" claims inside a transaction held open; "a"'s renewal meanwhile must wait for its commit
            CompletableFuture<Void> renewed;
            try (var c = db.router().writes().getConnection()) {
                c.setAutoCommit(false);
                try (var ps = c.prepareStatement(
                        "SELECT 1 FROM instances WHERE name = 'race-a' AND lease_until < now() FOR SHARE")) {
                    assertThat(ps.executeQuery().next()).isTrue();
                }
                try (var ps = c.prepareStatement("UPDATE games SET host = 'race-b', epoch = epoch + 1 WHERE id = ?")) {
                    ps.setLong(1, row.id());
                    assertThat(ps.executeUpdate()).isEqualTo(1);
                }
                renewed = CompletableFuture.runAsync(() -> a.renewLease("http://a.example:8080", 60_000));
                await().atMost(Duration.ofSeconds(10)).until(() -> renewed.isDone() || renewalsWaitingOnALock(db) > 0);
                assertThat(renewed)
                        .as("the renewal waits for the claim's transaction")
                        .isNotDone();
                c.commit();
            }
            renewed.get(10, TimeUnit.SECONDS);
            assertThat(a.ownedGames()).doesNotContainKey(row.id());
            assertThat(b.ownedGames()).containsKey(row.id());
        }
    }

    private static long renewalsWaitingOnALock(Database db) {
        return db.router().readsFromPrimary(c -> {
            try (var ps = c.prepareStatement("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                            + " AND query LIKE 'INSERT INTO instances%'");
                    var rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }
}

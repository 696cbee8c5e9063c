-- Game ownership with a lease (issue 17, item 1).
--
-- A game's owner is games.host (since V2); its lease is the owner's row in instances, which the owner
-- renews every --lease-renew-interval to now() + --lease. One lease per instance, not per game: the
-- renewal is one UPDATE per instance and interval whatever the number of games it owns.
CREATE TABLE instances (
    name        text        PRIMARY KEY,
    -- where other instances forward HTTP requests for this instance's games (--advertise-url)
    url         text        NOT NULL,
    lease_until timestamptz NOT NULL,
    started_at  timestamptz NOT NULL DEFAULT now()
);

-- The fencing token of a game's ownership: every claim (a takeover, or the recovery of a restarted
-- owner) adds one, and every write of a game's state names the epoch its writer owns
-- (... WHERE host = ? AND epoch = ?), so a writer that lost the game changes nothing.
ALTER TABLE games ADD COLUMN epoch bigint NOT NULL DEFAULT 0;

-- The live games of an owner: what its ownership check and the takeover scan read every interval.
CREATE INDEX idx_games_live_host ON games (host) WHERE status IN ('waiting', 'running');

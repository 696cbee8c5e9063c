-- What a restarted server needs to take its games back (issue 15, item 3).

-- Settings every instance of a deployment shares. The server stores the player-token secret here
-- ('token_secret') when none is configured, so that tokens outlive a restart: the first instance to
-- start inserts one (INSERT ... ON CONFLICT DO NOTHING), every instance reads back the one stored.
-- Whoever can read this table can forge player tokens.
CREATE TABLE server_settings (
    name       text        PRIMARY KEY,
    value_text text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- The instance that hosts a waiting or running game (its --instance-name): at start an instance
-- recovers the games it hosts and no other.
ALTER TABLE games ADD COLUMN host text;

-- The round that was open when a player left a running game (NULL while the player plays): replaying
-- a game's moves needs to know from which round a player no longer counts.
ALTER TABLE players ADD COLUMN left_round integer;

-- Two more ends: 'expired' (waited for players longer than --waiting-game-ttl) and 'aborted' (its
-- server restarted and could not rebuild it). The CHECK of V1 has PostgreSQL's default name; dropping
-- it on the partitioned table drops it on every partition, and adding the new one checks every row
-- once (a scan of games; the new list allows every old value, so it cannot fail).
ALTER TABLE games DROP CONSTRAINT games_status_check;
ALTER TABLE games ADD CONSTRAINT games_status_check
    CHECK (status IN ('waiting', 'running', 'finished', 'expired', 'aborted'));

-- Games left waiting or running by a server before this version have no host: no instance will
-- recover them (that server kept them in memory only, and they ended with it), so they end here.
UPDATE games SET status = 'aborted', updated_at = now()
    WHERE host IS NULL AND status IN ('waiting', 'running');

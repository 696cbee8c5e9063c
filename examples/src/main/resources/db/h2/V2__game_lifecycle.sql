-- What a restarted server needs to take its games back (issue 15, item 3); the same changes as
-- db/postgresql/V2__game_lifecycle.sql, whose comments say why. Keep the two in step.
CREATE TABLE server_settings (
    name       varchar(64)              PRIMARY KEY,
    value_text varchar(1024)            NOT NULL,
    created_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL
);

ALTER TABLE games ADD COLUMN host varchar(64);

ALTER TABLE players ADD COLUMN left_round integer;

-- H2 names V1's CHECK on games.status itself (CONSTRAINT_<n>, n depending on the catalogue), so the
-- column is replaced instead: a new column with the wider CHECK, the values copied, the old column
-- (with its CHECK) and its index dropped, then renamed and indexed again.
ALTER TABLE games ADD COLUMN status_v2 varchar(16);
UPDATE games SET status_v2 = status;
DROP INDEX idx_games_status;
ALTER TABLE games DROP COLUMN status;
ALTER TABLE games ALTER COLUMN status_v2 RENAME TO status;
ALTER TABLE games ALTER COLUMN status SET NOT NULL;
ALTER TABLE games ADD CONSTRAINT games_status_check
    CHECK (status IN ('waiting', 'running', 'finished', 'expired', 'aborted'));
CREATE INDEX idx_games_status ON games (status, created_at);

UPDATE games SET status = 'aborted', updated_at = CURRENT_TIMESTAMP
    WHERE host IS NULL AND status IN ('waiting', 'running');

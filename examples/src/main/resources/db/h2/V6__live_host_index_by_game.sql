-- The live games of an owner, keyed by (host, id): a fenced write of one game's state (WHERE id = ? ... AND
-- host = ?) finds its row through either index (see the PostgreSQL migration of the same version).
DROP INDEX idx_games_live_host;
CREATE INDEX idx_games_live_host ON games (host, id);

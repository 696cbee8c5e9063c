-- The live games of an owner, keyed by (host, id) instead of host alone.
--
-- Every write of a game's state is fenced by its owner (... WHERE id = ? AND created_at = ? AND status IN
-- ('waiting', 'running') AND host = ? AND epoch = ?). That WHERE clause implies V5's partial index on host, and
-- a prepared statement's generic plan, before the table has statistics (a new database, or autovacuum off),
-- may pick that index over the primary key: all of an instance's live games share one host, so each write
-- then read every one of them (5,000 games: PostgreSQL at a full core for 5,000 writes/s, and the server's
-- results seconds late). With the game's id in the index, whichever of the two indexes a plan takes finds
-- the one row.
DROP INDEX idx_games_live_host;
CREATE INDEX idx_games_live_host ON games (host, id) WHERE status IN ('waiting', 'running');

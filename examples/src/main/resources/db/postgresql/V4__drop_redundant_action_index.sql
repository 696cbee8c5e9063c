-- actions_identity (V3) leads with game_id, which is all the server's reads of actions filter on
-- (a game's moves, in recovery and counts): idx_actions_game_round only cost a third index on every insert.
DROP INDEX idx_actions_game_round;

-- Same as db/postgresql/V4.
DROP INDEX idx_actions_game_round;

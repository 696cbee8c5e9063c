-- Same as db/postgresql/V3: a player moves once per round of a game.
CREATE UNIQUE INDEX actions_identity ON actions (game_id, player_id, round);

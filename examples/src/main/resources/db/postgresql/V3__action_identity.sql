-- A player moves once per round of a game. The unique index makes that the action's identity, so the
-- action sink can skip a row that the journal's replay brings a second time (ON CONFLICT DO NOTHING).
CREATE UNIQUE INDEX actions_identity ON actions (game_id, player_id, round);

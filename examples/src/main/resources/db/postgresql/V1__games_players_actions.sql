-- The seed's schema on PostgreSQL. games is partitioned by quarter on created_at; the partitions
-- themselves are created (ahead of time) by io.hal9.examples.server.PartitionMaintainer, which the
-- server runs right after these migrations and then daily. games_default is only a safety net: an
-- insert never fails for lack of a partition, and the maintainer logs a warning when it finds rows
-- there (it then cannot create the partition that would cover them).
CREATE SEQUENCE games_id_seq;

CREATE TABLE games (
    id               bigint      NOT NULL DEFAULT nextval('games_id_seq'),
    status           text        NOT NULL CHECK (status IN ('waiting', 'running', 'finished')),
    max_players      integer     NOT NULL CHECK (max_players BETWEEN 2 AND 8),
    rounds           integer     NOT NULL CHECK (rounds >= 1),
    round_timeout_ms integer     NOT NULL,
    current_round    integer     NOT NULL DEFAULT 0,
    player_count     integer     NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    -- a partitioned table's primary key must include the partition key
    PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);

CREATE TABLE games_default PARTITION OF games DEFAULT;

CREATE INDEX idx_games_status ON games (status, created_at);

CREATE TABLE players (
    id        bigserial   PRIMARY KEY,
    game_id   bigint      NOT NULL,
    name      text        NOT NULL,
    status    text        NOT NULL CHECK (status IN ('active', 'left')),
    score     integer     NOT NULL DEFAULT 0,
    joined_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX idx_players_game ON players (game_id, status);

CREATE TABLE actions (
    id         bigserial   PRIMARY KEY,
    game_id    bigint      NOT NULL,
    player_id  bigint      NOT NULL,
    round      integer     NOT NULL,
    move       text        NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE INDEX idx_actions_game_round ON actions (game_id, round);

-- Same as db/postgresql/V5, whose comments say why (H2 has no partial index: a plain one). Keep the two
-- in step. The embedded database has one instance, which never loses its lease.
CREATE TABLE instances (
    name        varchar(64)              PRIMARY KEY,
    url         varchar(1024)            NOT NULL,
    lease_until timestamp with time zone NOT NULL,
    started_at  timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL
);

ALTER TABLE games ADD COLUMN epoch bigint DEFAULT 0 NOT NULL;

CREATE INDEX idx_games_live_host ON games (host);

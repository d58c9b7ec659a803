-- +goose Up
-- User sessions and user events. Same conventions as 0001: times are unix
-- milliseconds (BIGINT); ids that break ordering ties use COLLATE "C" so
-- that ties come out in the same order as on SQLite.

CREATE TABLE user_sessions (
    id           TEXT COLLATE "C" PRIMARY KEY,
    realm_id     TEXT NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    started      BIGINT NOT NULL,
    last_refresh BIGINT NOT NULL,
    idle_expires BIGINT NOT NULL,
    max_expires  BIGINT NOT NULL,
    expires      BIGINT NOT NULL, -- LEAST(idle_expires, max_expires), for the sweep
    remember_me  BOOLEAN NOT NULL DEFAULT FALSE,
    offline      BOOLEAN NOT NULL DEFAULT FALSE,
    ip_address   TEXT NOT NULL DEFAULT ''
);
-- A user's sessions, oldest first; also what a realm's deletion cascades on.
CREATE INDEX user_sessions_realm_user ON user_sessions (realm_id, user_id, started);
-- What a user's deletion cascades on (the index above needs the realm).
CREATE INDEX user_sessions_user ON user_sessions (user_id);
-- The expiry sweep: one range, cut short by its LIMIT.
CREATE INDEX user_sessions_expires ON user_sessions (expires);

CREATE TABLE session_clients (
    session_id TEXT COLLATE "C" NOT NULL REFERENCES user_sessions (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL, -- first-use order
    client_id  TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    PRIMARY KEY (session_id, position)
);
CREATE UNIQUE INDEX session_clients_session_client ON session_clients (session_id, client_id);
CREATE INDEX session_clients_client ON session_clients (client_id);

-- Events name users and clients without foreign keys: they are an audit
-- trail and outlive both.
CREATE TABLE events (
    id         TEXT COLLATE "C" PRIMARY KEY,
    realm_id   TEXT NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    time       BIGINT NOT NULL,
    type       TEXT NOT NULL,
    client_id  TEXT NOT NULL DEFAULT '', -- the public clientId
    user_id    TEXT NOT NULL DEFAULT '',
    session_id TEXT NOT NULL DEFAULT '',
    ip_address TEXT NOT NULL DEFAULT '',
    error      TEXT NOT NULL DEFAULT '',
    details    TEXT NOT NULL DEFAULT '{}' -- map[string]string as JSON
);
-- Listings read newest first straight from an index: one for the realm
-- and one per filter column; the planner picks the most selective.
CREATE INDEX events_realm_time ON events (realm_id, time DESC, id DESC);
CREATE INDEX events_realm_type ON events (realm_id, type, time DESC, id DESC);
CREATE INDEX events_realm_user ON events (realm_id, user_id, time DESC, id DESC);
CREATE INDEX events_realm_client ON events (realm_id, client_id, time DESC, id DESC);
CREATE INDEX events_realm_ip ON events (realm_id, ip_address, time DESC, id DESC);

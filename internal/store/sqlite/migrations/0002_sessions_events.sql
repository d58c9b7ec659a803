-- +goose Up
-- User sessions and user events. Same conventions as 0001: times are unix
-- milliseconds, booleans 0/1.

CREATE TABLE user_sessions (
    id           TEXT PRIMARY KEY,
    realm_id     TEXT NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    started      INTEGER NOT NULL,
    last_refresh INTEGER NOT NULL,
    idle_expires INTEGER NOT NULL,
    max_expires  INTEGER NOT NULL,
    expires      INTEGER NOT NULL, -- min(idle_expires, max_expires), for the sweep
    remember_me  INTEGER NOT NULL DEFAULT 0,
    offline      INTEGER NOT NULL DEFAULT 0,
    ip_address   TEXT NOT NULL DEFAULT ''
);
-- A user's sessions, oldest first; also what a realm's deletion cascades on.
CREATE INDEX user_sessions_realm_user ON user_sessions (realm_id, user_id, started);
-- What a user's deletion cascades on (the index above needs the realm).
CREATE INDEX user_sessions_user ON user_sessions (user_id);
-- The expiry sweep: one range, cut short by its LIMIT.
CREATE INDEX user_sessions_expires ON user_sessions (expires);

CREATE TABLE session_clients (
    session_id TEXT NOT NULL REFERENCES user_sessions (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL, -- first-use order
    client_id  TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    PRIMARY KEY (session_id, position)
);
CREATE UNIQUE INDEX session_clients_session_client ON session_clients (session_id, client_id);
CREATE INDEX session_clients_client ON session_clients (client_id);

-- Events name users and clients without foreign keys: they are an audit
-- trail and outlive both.
CREATE TABLE events (
    id         TEXT PRIMARY KEY,
    realm_id   TEXT NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    time       INTEGER NOT NULL,
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

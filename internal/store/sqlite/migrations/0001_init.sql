-- +goose Up
-- Times are unix milliseconds (INTEGER), booleans are 0/1. Text compares
-- in BINARY (byte) order, which PostgreSQL matches with COLLATE "C", so both
-- backends sort and prefix-search alike.

CREATE TABLE realms (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    data       TEXT NOT NULL -- model.Realm as JSON
);

CREATE TABLE users (
    id                        TEXT PRIMARY KEY,
    realm_id                  TEXT NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    username                  TEXT NOT NULL, -- lower-case
    email                     TEXT NOT NULL DEFAULT '', -- lower-case
    email_key                 TEXT, -- email when the realm wants it unique, else NULL
    first_name                TEXT NOT NULL DEFAULT '',
    last_name                 TEXT NOT NULL DEFAULT '',
    first_name_lower          TEXT NOT NULL DEFAULT '',
    last_name_lower           TEXT NOT NULL DEFAULT '',
    email_verified            INTEGER NOT NULL DEFAULT 0,
    enabled                   INTEGER NOT NULL DEFAULT 0,
    created_at                INTEGER NOT NULL,
    service_account_client_id TEXT, -- NULL for people
    not_before                INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX users_realm_username ON users (realm_id, username);
CREATE UNIQUE INDEX users_realm_email_key ON users (realm_id, email_key);
CREATE INDEX users_realm_email ON users (realm_id, email, created_at);
CREATE INDEX users_realm_first_name ON users (realm_id, first_name_lower);
CREATE INDEX users_realm_last_name ON users (realm_id, last_name_lower);
CREATE UNIQUE INDEX users_realm_service_account ON users (realm_id, service_account_client_id)
    WHERE service_account_client_id IS NOT NULL;

CREATE TABLE user_attributes (
    user_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    position INTEGER NOT NULL, -- keeps the order of values
    name     TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (user_id, position)
);
CREATE INDEX user_attributes_name_value ON user_attributes (name, value, user_id);

CREATE TABLE user_required_actions (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    action  TEXT NOT NULL,
    PRIMARY KEY (user_id, action)
);

CREATE TABLE credentials (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    type            TEXT NOT NULL,
    user_label      TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    secret_data     TEXT NOT NULL DEFAULT '',
    credential_data TEXT NOT NULL DEFAULT '',
    priority        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX credentials_user ON credentials (user_id, priority, created_at);

CREATE TABLE clients (
    id              TEXT PRIMARY KEY,
    realm_id        TEXT NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    client_id       TEXT NOT NULL,
    client_id_lower TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    data            TEXT NOT NULL -- model.Client as JSON
);
CREATE UNIQUE INDEX clients_realm_client_id ON clients (realm_id, client_id);

CREATE TABLE roles (
    id          TEXT PRIMARY KEY,
    realm_id    TEXT NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    client_id   TEXT NOT NULL DEFAULT '', -- '' for realm roles, else clients.id
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    attributes  TEXT NOT NULL DEFAULT '{}' -- map[string][]string as JSON
);
CREATE UNIQUE INDEX roles_realm_client_name ON roles (realm_id, client_id, name);

CREATE TABLE role_composites (
    parent_id TEXT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    child_id  TEXT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    PRIMARY KEY (parent_id, child_id)
);
CREATE INDEX role_composites_child ON role_composites (child_id);

CREATE TABLE user_roles (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role_id TEXT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, role_id)
);
CREATE INDEX user_roles_role ON user_roles (role_id, user_id);

CREATE TABLE signing_keys (
    realm_id    TEXT NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    algorithm   TEXT NOT NULL,
    use         TEXT NOT NULL DEFAULT 'sig',
    private_key BLOB NOT NULL,
    certificate BLOB NOT NULL,
    active      INTEGER NOT NULL DEFAULT 0,
    enabled     INTEGER NOT NULL DEFAULT 0,
    priority    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (realm_id, id)
);

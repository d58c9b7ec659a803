-- +goose Up
-- Admin events (Keycloak's AdminEventRepresentation). Same conventions as
-- 0001: times are unix milliseconds (BIGINT); text that is compared or
-- sorted uses COLLATE "C", so that id ties come out in the same order as on
-- SQLite and a resource path prefix is a range on a plain b-tree index.

-- The auth fields name the caller's realm, client, user and address without
-- foreign keys: admin events are an audit trail and outlive all of them.
-- Only the changed realm's deletion removes them.
CREATE TABLE admin_events (
    id              TEXT COLLATE "C" PRIMARY KEY,
    realm_id        TEXT NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    time            BIGINT NOT NULL,
    auth_realm_id   TEXT COLLATE "C" NOT NULL DEFAULT '',
    auth_client_id  TEXT COLLATE "C" NOT NULL DEFAULT '', -- the public clientId
    auth_user_id    TEXT COLLATE "C" NOT NULL DEFAULT '',
    auth_ip_address TEXT COLLATE "C" NOT NULL DEFAULT '',
    operation_type  TEXT COLLATE "C" NOT NULL,
    resource_type   TEXT COLLATE "C" NOT NULL DEFAULT '',
    resource_path   TEXT COLLATE "C" NOT NULL DEFAULT '',
    representation  TEXT NOT NULL DEFAULT '', -- the JSON sent, or ''
    error           TEXT NOT NULL DEFAULT '',
    details         TEXT NOT NULL DEFAULT '{}' -- map[string]string as JSON
);
-- Listings read newest first straight from an index: one for the realm
-- (also what the realm's deletion and the retention sweep use) and one per
-- filter that narrows much. The resource path index serves both an exact
-- path, in order, and a prefix (users/*) as a range.
CREATE INDEX admin_events_realm_time ON admin_events (realm_id, time DESC, id DESC);
CREATE INDEX admin_events_realm_operation ON admin_events (realm_id, operation_type, time DESC, id DESC);
CREATE INDEX admin_events_realm_resource_type ON admin_events (realm_id, resource_type, time DESC, id DESC);
CREATE INDEX admin_events_realm_auth_user ON admin_events (realm_id, auth_user_id, time DESC, id DESC);
CREATE INDEX admin_events_realm_resource_path ON admin_events (realm_id, resource_path, time DESC, id DESC);

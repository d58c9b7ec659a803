-- +goose Up
-- Admin events (Keycloak's AdminEventRepresentation). Same conventions as
-- 0001: times are unix milliseconds.

-- The auth fields name the caller's realm, client, user and address without
-- foreign keys: admin events are an audit trail and outlive all of them.
-- Only the changed realm's deletion removes them.
CREATE TABLE admin_events (
    id              TEXT PRIMARY KEY,
    realm_id        TEXT NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    time            INTEGER NOT NULL,
    auth_realm_id   TEXT NOT NULL DEFAULT '',
    auth_client_id  TEXT NOT NULL DEFAULT '', -- the public clientId
    auth_user_id    TEXT NOT NULL DEFAULT '',
    auth_ip_address TEXT NOT NULL DEFAULT '',
    operation_type  TEXT NOT NULL,
    resource_type   TEXT NOT NULL DEFAULT '',
    resource_path   TEXT NOT NULL DEFAULT '',
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

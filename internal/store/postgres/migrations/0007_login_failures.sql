-- +goose Up
-- Brute-force detection (Keycloak's UserLoginFailure): one row per user
-- with failures counted since the last success. Times are epoch
-- milliseconds, failed_login_not_before epoch seconds (0: not locked).
CREATE TABLE login_failures (
    realm_id                TEXT NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    user_id                 TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    num_failures            INTEGER NOT NULL DEFAULT 0,
    num_temporary_lockouts  INTEGER NOT NULL DEFAULT 0,
    last_failure            BIGINT NOT NULL DEFAULT 0,
    last_ip_failure         TEXT NOT NULL DEFAULT '',
    failed_login_not_before BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (realm_id, user_id)
);
-- What a user's deletion cascades on (the key needs the realm).
CREATE INDEX login_failures_user ON login_failures (user_id);

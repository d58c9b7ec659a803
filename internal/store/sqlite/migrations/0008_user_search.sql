-- +goose Up
-- Admin user search at a million users (docs/query-plans.md):
--
-- 1. users_trgm: an FTS5 trigram index over the four searched values, as
--    the search compares them (username, email, first_name_lower,
--    last_name_lower, all lower-case). It serves infix searches (*x*,
--    username=x without exact) of three characters or more as a candidate
--    filter; the store still checks the LIKE on users, so the index only
--    has to find a superset. It is contentless (the values live in users),
--    and keyed by users_trgm_keys.rid: users has no INTEGER PRIMARY KEY,
--    so its rowid may change on VACUUM and cannot key the index.
-- 2. user_counts: the number of people (users that are not service
--    accounts, as Keycloak's users/count) per realm, so that an unfiltered
--    count reads one row. SQLite has one writer, so one slot per realm
--    suffices (PostgreSQL spreads writers over several).
--
-- Both are kept by triggers, so every writer (and every cascade) keeps
-- them, and backfilled here from the existing rows.

CREATE TABLE users_trgm_keys (
    rid     INTEGER PRIMARY KEY,
    user_id TEXT NOT NULL UNIQUE
);

CREATE VIRTUAL TABLE users_trgm USING fts5 (
    username, email, first_name, last_name,
    tokenize = 'trigram', content = '', contentless_delete = 1
);

INSERT INTO users_trgm_keys (user_id) SELECT id FROM users ORDER BY created_at, id;
INSERT INTO users_trgm (rowid, username, email, first_name, last_name)
    SELECT k.rid, u.username, u.email, u.first_name_lower, u.last_name_lower
    FROM users_trgm_keys k JOIN users u ON u.id = k.user_id;

-- +goose StatementBegin
CREATE TRIGGER users_trgm_insert AFTER INSERT ON users BEGIN
    INSERT INTO users_trgm_keys (user_id) VALUES (new.id);
    INSERT INTO users_trgm (rowid, username, email, first_name, last_name)
        VALUES (last_insert_rowid(), new.username, new.email, new.first_name_lower, new.last_name_lower);
END;
-- +goose StatementEnd

-- UpdateUser sets every column: only a change of a searched value costs
-- index work.
-- +goose StatementBegin
CREATE TRIGGER users_trgm_update AFTER UPDATE OF username, email, first_name_lower, last_name_lower ON users
WHEN old.username IS NOT new.username OR old.email IS NOT new.email
    OR old.first_name_lower IS NOT new.first_name_lower OR old.last_name_lower IS NOT new.last_name_lower
BEGIN
    UPDATE users_trgm SET username = new.username, email = new.email,
        first_name = new.first_name_lower, last_name = new.last_name_lower
        WHERE rowid = (SELECT rid FROM users_trgm_keys WHERE user_id = new.id);
END;
-- +goose StatementEnd

-- Also runs for users deleted by a realm's ON DELETE CASCADE.
-- +goose StatementBegin
CREATE TRIGGER users_trgm_delete AFTER DELETE ON users BEGIN
    DELETE FROM users_trgm WHERE rowid = (SELECT rid FROM users_trgm_keys WHERE user_id = old.id);
    DELETE FROM users_trgm_keys WHERE user_id = old.id;
END;
-- +goose StatementEnd

CREATE TABLE user_counts (
    realm_id TEXT NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    slot     INTEGER NOT NULL,
    people   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (realm_id, slot)
) WITHOUT ROWID;

INSERT INTO user_counts (realm_id, slot, people)
    SELECT r.id, 0, (SELECT count(*) FROM users u WHERE u.realm_id = r.id AND u.service_account_client_id IS NULL)
    FROM realms r;

-- +goose StatementBegin
CREATE TRIGGER realms_user_counts AFTER INSERT ON realms BEGIN
    INSERT INTO user_counts (realm_id, slot, people) VALUES (new.id, 0, 0);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER users_count_insert AFTER INSERT ON users WHEN new.service_account_client_id IS NULL BEGIN
    UPDATE user_counts SET people = people + 1 WHERE realm_id = new.realm_id AND slot = 0;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER users_count_delete AFTER DELETE ON users WHEN old.service_account_client_id IS NULL BEGIN
    UPDATE user_counts SET people = people - 1 WHERE realm_id = old.realm_id AND slot = 0;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER users_count_update AFTER UPDATE OF realm_id, service_account_client_id ON users
WHEN old.realm_id IS NOT new.realm_id
    OR (old.service_account_client_id IS NULL) IS NOT (new.service_account_client_id IS NULL)
BEGIN
    UPDATE user_counts SET people = people - 1
        WHERE realm_id = old.realm_id AND slot = 0 AND old.service_account_client_id IS NULL;
    UPDATE user_counts SET people = people + 1
        WHERE realm_id = new.realm_id AND slot = 0 AND new.service_account_client_id IS NULL;
END;
-- +goose StatementEnd

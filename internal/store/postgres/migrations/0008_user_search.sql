-- +goose Up
-- Admin user search at a million users (docs/query-plans.md):
--
-- 1. pg_trgm GIN indexes on the four searched values, as the search
--    compares them (all lower-case), so that LIKE '%x%' with three or more
--    characters is an index search. The store's SQL is unchanged: the
--    planner picks the indexes and rechecks every candidate.
-- 2. user_counts: the number of people (users that are not service
--    accounts, as Keycloak's users/count) per realm, so that an unfiltered
--    count reads a few rows. Each realm has 16 slots and a writer adds to a
--    random one: under SERIALIZABLE, one hot row per realm would make
--    concurrent registrations fail and retry; with 16 they rarely meet.
--    The count is the sum of the slots (a slot may go negative).
--
-- pg_trgm is installed once per database (an extension cannot live in two
-- schemas), in public when it exists, so that dropping one latchkey schema
-- of several never takes the extension from the others. It needs a role
-- that may create it (pg_trgm is a trusted extension: the database owner
-- with CREATE on the schema). The advisory lock makes several schemas
-- migrating at once take turns.

-- +goose StatementBegin
DO $$
DECLARE
    ext_schema text;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('latchkey-pg_trgm'));
    SELECT n.nspname INTO ext_schema
        FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm';
    IF ext_schema IS NULL THEN
        BEGIN
            CREATE EXTENSION pg_trgm SCHEMA public;
        EXCEPTION WHEN insufficient_privilege OR invalid_schema_name THEN
            CREATE EXTENSION pg_trgm;
        END;
        SELECT n.nspname INTO ext_schema
            FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm';
    END IF;
    EXECUTE format('CREATE INDEX users_username_trgm ON users USING gin (username %I.gin_trgm_ops)', ext_schema);
    EXECUTE format('CREATE INDEX users_email_trgm ON users USING gin (email %I.gin_trgm_ops)', ext_schema);
    EXECUTE format('CREATE INDEX users_first_name_trgm ON users USING gin (first_name_lower %I.gin_trgm_ops)', ext_schema);
    EXECUTE format('CREATE INDEX users_last_name_trgm ON users USING gin (last_name_lower %I.gin_trgm_ops)', ext_schema);
END
$$;
-- +goose StatementEnd

-- fillfactor leaves room for HOT updates, so a counter update does not
-- touch the primary key's pages (which SERIALIZABLE tracks).
CREATE TABLE user_counts (
    realm_id TEXT NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    slot     SMALLINT NOT NULL,
    people   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (realm_id, slot)
) WITH (fillfactor = 50);

INSERT INTO user_counts (realm_id, slot, people)
    SELECT r.id, s.slot, CASE WHEN s.slot = 0 THEN
        (SELECT count(*) FROM users u WHERE u.realm_id = r.id AND u.service_account_client_id IS NULL) ELSE 0 END
    FROM realms r CROSS JOIN generate_series(0, 15) AS s (slot);

-- +goose StatementBegin
CREATE FUNCTION user_counts_realm_created() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO user_counts (realm_id, slot) SELECT NEW.id, s FROM generate_series(0, 15) AS s;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER realms_user_counts AFTER INSERT ON realms
    FOR EACH ROW EXECUTE FUNCTION user_counts_realm_created();

-- floor(random() * 16) in a WHERE clause would be drawn again for each
-- row: the slot is drawn once, in the function bodies.
-- +goose StatementBegin
CREATE FUNCTION user_counts_person_added() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    s smallint := floor(random() * 16);
BEGIN
    UPDATE user_counts SET people = people + 1 WHERE realm_id = NEW.realm_id AND slot = s;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER users_count_insert AFTER INSERT ON users
    FOR EACH ROW WHEN (NEW.service_account_client_id IS NULL) EXECUTE FUNCTION user_counts_person_added();

-- A person becoming a service account or the reverse (or, in principle,
-- moving realm). UpdateUser sets every column, so the WHEN clause keeps
-- ordinary updates from calling the function at all.
-- +goose StatementBegin
CREATE FUNCTION user_counts_person_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    s smallint := floor(random() * 16);
BEGIN
    IF OLD.service_account_client_id IS NULL THEN
        UPDATE user_counts SET people = people - 1 WHERE realm_id = OLD.realm_id AND slot = s;
    END IF;
    IF NEW.service_account_client_id IS NULL THEN
        UPDATE user_counts SET people = people + 1 WHERE realm_id = NEW.realm_id AND slot = s;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER users_count_update AFTER UPDATE ON users
    FOR EACH ROW WHEN (OLD.realm_id IS DISTINCT FROM NEW.realm_id
        OR (OLD.service_account_client_id IS NULL) IS DISTINCT FROM (NEW.service_account_client_id IS NULL))
    EXECUTE FUNCTION user_counts_person_changed();

-- Deletes are counted per statement: a realm's deletion cascades to all
-- its users in one statement, which must not update a counter row once per
-- user (the realm's counters go with it anyway).
-- +goose StatementBegin
CREATE FUNCTION user_counts_people_removed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    s smallint := floor(random() * 16);
BEGIN
    UPDATE user_counts c SET people = c.people - d.n
        FROM (SELECT realm_id, count(*) AS n FROM removed_users
              WHERE service_account_client_id IS NULL GROUP BY realm_id) d
        WHERE c.realm_id = d.realm_id AND c.slot = s;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER users_count_delete AFTER DELETE ON users
    REFERENCING OLD TABLE AS removed_users
    FOR EACH STATEMENT EXECUTE FUNCTION user_counts_people_removed();

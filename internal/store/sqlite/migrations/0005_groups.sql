-- +goose Up
-- Groups: a tree per realm, its role mappings, members and the realm's
-- default groups. parent_id is '' for a top-level group (as roles.client_id
-- is '' for realm roles), so the unique index gives sibling-name uniqueness
-- at every level, the top one included; a NULL would escape it. Without a
-- foreign key on parent_id, the store deletes a group's subtree itself,
-- and the rows hanging off each group go by cascade.

CREATE TABLE realm_groups (
    id          TEXT PRIMARY KEY,
    realm_id    TEXT NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    parent_id   TEXT NOT NULL DEFAULT '', -- '' for top level, else realm_groups.id
    name        TEXT NOT NULL,
    name_lower  TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT ''
);
-- Siblings by name: uniqueness, listings of one level, subgroup counts.
CREATE UNIQUE INDEX realm_groups_sibling_name ON realm_groups (realm_id, parent_id, name);
-- Searches over the whole tree, by name.
CREATE INDEX realm_groups_realm_name ON realm_groups (realm_id, name);

CREATE TABLE group_attributes (
    group_id TEXT NOT NULL REFERENCES realm_groups (id) ON DELETE CASCADE,
    position INTEGER NOT NULL, -- keeps the order of values
    name     TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (group_id, position)
);
CREATE INDEX group_attributes_name_value ON group_attributes (name, value, group_id);

CREATE TABLE group_roles (
    group_id TEXT NOT NULL REFERENCES realm_groups (id) ON DELETE CASCADE,
    role_id  TEXT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, role_id)
);
CREATE INDEX group_roles_role ON group_roles (role_id, group_id);

CREATE TABLE group_members (
    group_id TEXT NOT NULL REFERENCES realm_groups (id) ON DELETE CASCADE,
    user_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members (user_id, group_id);

CREATE TABLE default_groups (
    realm_id TEXT NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    group_id TEXT NOT NULL REFERENCES realm_groups (id) ON DELETE CASCADE,
    PRIMARY KEY (realm_id, group_id)
);
CREATE INDEX default_groups_group ON default_groups (group_id);

-- +goose Up
-- Attribute search (q=key:value) compares values case-insensitively,
-- lower(value) = lower(query): this index serves that comparison, which the
-- (name, value) index of 0001 cannot (docs/query-plans.md).
CREATE INDEX user_attributes_name_lower_value ON user_attributes (name, lower(value), user_id);

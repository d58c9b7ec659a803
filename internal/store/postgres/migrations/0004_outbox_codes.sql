-- +goose Up
-- The mail outbox and email-verification codes. Same conventions as 0001:
-- times are unix milliseconds (BIGINT), 0 for "none"; ids that break
-- ordering ties use COLLATE "C" so that ties come out as on SQLite.

-- A message is written in the transaction of the change that asks for it
-- and sent later by the outbox worker. user_id has no foreign key: a mail
-- already asked for may outlive its user, as an event does. "to" is a
-- keyword, hence recipient.
CREATE TABLE outbox_messages (
    id            TEXT COLLATE "C" PRIMARY KEY,
    realm_id      TEXT NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    user_id       TEXT NOT NULL DEFAULT '',
    kind          TEXT NOT NULL,
    recipient     TEXT COLLATE "C" NOT NULL,
    subject       TEXT NOT NULL,
    text_body     TEXT NOT NULL DEFAULT '',
    html_body     TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL, -- pending, sent, failed
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_attempt  BIGINT NOT NULL,
    claimed_until BIGINT NOT NULL DEFAULT 0, -- the sending worker's lease
    last_error    TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL,
    sent_at       BIGINT NOT NULL DEFAULT 0
);
-- The claim: pending messages oldest first. Partial, so that sent and
-- failed messages, the bulk of the table, cost the worker nothing; it also
-- serves counting the pending messages.
CREATE INDEX outbox_messages_pending ON outbox_messages (created_at, id) WHERE status = 'pending';
-- Listings newest first, per realm (also what the realm's deletion
-- cascades on) and per realm and address.
CREATE INDEX outbox_messages_realm ON outbox_messages (realm_id, created_at DESC, id DESC);
CREATE INDEX outbox_messages_realm_recipient ON outbox_messages (realm_id, recipient, created_at DESC, id DESC);

-- One code per user: a new one replaces the old. Only its hash is kept.
CREATE TABLE verification_codes (
    realm_id   TEXT NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email      TEXT NOT NULL,
    code_hash  TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (realm_id, user_id)
);
-- What a user's deletion cascades on (the key needs the realm).
CREATE INDEX verification_codes_user ON verification_codes (user_id);

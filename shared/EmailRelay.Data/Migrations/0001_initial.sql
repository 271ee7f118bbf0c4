-- EmailRelay schema, version 1. Forward-only: never edit a released migration, add the next one.

CREATE TABLE api_keys (
    id           uuid PRIMARY KEY,
    name         text NOT NULL,
    prefix       text NOT NULL,               -- shown to operators to tell keys apart
    key_hash     bytea NOT NULL UNIQUE,       -- SHA-256 of the whole key; the key itself is never stored
    scopes       text[] NOT NULL,
    created_at   timestamptz NOT NULL,
    revoked_at   timestamptz,
    last_used_at timestamptz
);

CREATE TABLE messages (
    id                uuid PRIMARY KEY,       -- UUIDv7: time-ordered, so keyset pages follow creation
    api_key_id        uuid REFERENCES api_keys (id),   -- null for the bootstrap key
    envelope_from     text NOT NULL,
    from_header       text NOT NULL,
    subject           text NOT NULL,
    message_id_header text NOT NULL,
    tags              text[] NOT NULL DEFAULT '{}',
    metadata          jsonb NOT NULL DEFAULT '{}',
    send_at           timestamptz,
    created_at        timestamptz NOT NULL,
    expires_at        timestamptz NOT NULL,   -- past it, pending recipients fail with reason expired
    status            text NOT NULL,          -- derived from the recipients on every change
    size_bytes        integer NOT NULL,
    -- The outbox: when a DeliverMessage command is next owed. Set optimistically past the publish
    -- at accept time, reset to now() if that publish fails, pushed past the lease while a sender
    -- works on it, and null once every recipient is final.
    next_dispatch_at  timestamptz,
    event_seq         integer NOT NULL DEFAULT 0,  -- last per-message event sequence handed out
    trace_id          text
);
CREATE INDEX messages_due ON messages (next_dispatch_at) WHERE next_dispatch_at IS NOT NULL;
CREATE INDEX messages_newest ON messages (id DESC);
CREATE INDEX messages_status ON messages (status, id DESC);
CREATE INDEX messages_tags ON messages USING gin (tags);

-- Raw MIME apart from the tracking rows, so content retention never touches them.
CREATE TABLE message_contents (
    message_id uuid PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
    mime       bytea NOT NULL
);

CREATE TABLE recipients (
    message_id         uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    ordinal            smallint NOT NULL,
    address            text NOT NULL,
    domain             text NOT NULL,
    kind               text NOT NULL,          -- to, cc, bcc
    status             text NOT NULL,
    attempts           integer NOT NULL DEFAULT 0,
    next_attempt_at    timestamptz,
    leased_until       timestamptz,
    lease_token        uuid,
    last_reply_code    integer,
    last_enhanced_code text,
    last_reply         text,
    bounce_reason      text,
    delivered_at       timestamptz,
    PRIMARY KEY (message_id, ordinal)
);
CREATE INDEX recipients_address ON recipients (lower(address), message_id DESC);

CREATE TABLE delivery_attempts (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id        uuid NOT NULL,
    recipient_ordinal smallint NOT NULL,
    attempt           integer NOT NULL,
    started_at        timestamptz NOT NULL,
    duration_ms       integer NOT NULL,
    remote_host       text,
    remote_ip         text,
    tls               boolean NOT NULL,
    reply_code        integer,
    enhanced_code     text,
    reply             text,                    -- verbatim, every line
    outcome           text NOT NULL,           -- delivered, deferred, bounced
    ambiguous         boolean NOT NULL,
    bounce_reason     text,
    FOREIGN KEY (message_id, recipient_ordinal) REFERENCES recipients (message_id, ordinal) ON DELETE CASCADE
);
CREATE INDEX delivery_attempts_message ON delivery_attempts (message_id, id);

CREATE TABLE events (
    id          uuid PRIMARY KEY,              -- UUIDv7: the feed cursor
    message_id  uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    sequence    integer NOT NULL,
    recipient   text,
    type        text NOT NULL,
    occurred_at timestamptz NOT NULL,
    details     jsonb NOT NULL DEFAULT '{}',
    UNIQUE (message_id, sequence)
);

-- One row per (key owner, Idempotency-Key). Reserved in its own commit so a concurrent request
-- with the same key sees it (409); completed in the same transaction as the message it created.
CREATE TABLE idempotency (
    owner         text NOT NULL,
    key           text NOT NULL,
    request_hash  bytea NOT NULL,
    created_at    timestamptz NOT NULL,
    completed_at  timestamptz,
    status_code   integer,
    location      text,
    response_body bytea,
    PRIMARY KEY (owner, key)
);
CREATE INDEX idempotency_created ON idempotency (created_at);

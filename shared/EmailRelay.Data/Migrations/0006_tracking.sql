-- Tracking: suppressions, webhooks and asynchronous bounces (DESIGN.md §2, §6; API.md).

-- ---- suppressions ---------------------------------------------------------------------------
-- One row per (project, address). The address is stored as given by the rule that made it, and
-- matched on lower(address): mailbox local parts are case-sensitive in theory, never in practice,
-- and a suppression that misses "Ana@" for "ana@" would let a complaint through.
CREATE TABLE suppressions (
    project_id        uuid NOT NULL REFERENCES projects (id),
    address           text NOT NULL,           -- lower-cased
    reason            text NOT NULL CHECK (reason IN ('hard_bounce', 'complaint', 'manual')),
    source_event_id   uuid,                    -- the bounced / complained event that caused it
    source_message_id uuid,
    created_at        timestamptz NOT NULL DEFAULT now(),
    expires_at        timestamptz,
    PRIMARY KEY (project_id, address)
);
CREATE INDEX suppressions_expiry ON suppressions (expires_at) WHERE expires_at IS NOT NULL;

-- ---- webhooks -------------------------------------------------------------------------------
CREATE TABLE webhook_endpoints (
    id                   uuid PRIMARY KEY,     -- UUIDv7
    project_id           uuid NOT NULL REFERENCES projects (id),
    url                  text NOT NULL,
    description          text,
    event_types          text[] NOT NULL,      -- API.md event types; never empty
    enabled              boolean NOT NULL DEFAULT true,
    disabled_reason      text,                 -- e.g. 'gone: the endpoint answered 410'
    secret               text NOT NULL,        -- whsec_...
    previous_secret      text,                 -- still signed with until previous_expires_at (rotation)
    previous_expires_at  timestamptz,
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL,
    deleted_at           timestamptz           -- deleted endpoints keep their rows for their deliveries' history
);
CREATE INDEX webhook_endpoints_project ON webhook_endpoints (project_id, id) WHERE deleted_at IS NULL;

-- One row per (event, endpoint): made by the fan-out in the transaction that moves the feed
-- cursor, so exactly once. Mutable while pending; history once done, partitioned by week.
CREATE TABLE webhook_deliveries (
    id                uuid NOT NULL,           -- UUIDv7; also the webhook-id header, stable across attempts
    created_at        timestamptz NOT NULL DEFAULT now(),
    endpoint_id       uuid NOT NULL,
    project_id        uuid NOT NULL,
    event_id          uuid NOT NULL,
    event_occurred_at timestamptz NOT NULL,    -- with event_id, the events primary key
    event_type        text NOT NULL,
    message_id        uuid NOT NULL,
    status            text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts          integer NOT NULL DEFAULT 0,
    next_attempt_at   timestamptz,             -- set while pending
    leased_until      timestamptz,             -- a Tracking replica is sending it
    last_status_code  integer,
    last_error        text,
    completed_at      timestamptz,
    PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);
CREATE TABLE webhook_deliveries_default PARTITION OF webhook_deliveries DEFAULT;
SELECT relay_ensure_partitions('webhook_deliveries', 'created_at', now(), now() + interval '28 days');
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id DESC);

CREATE TABLE webhook_attempts (
    id               bigint GENERATED ALWAYS AS IDENTITY,
    delivery_id      uuid NOT NULL,
    endpoint_id      uuid NOT NULL,
    attempt          integer NOT NULL,
    attempted_at     timestamptz NOT NULL,
    duration_ms      integer NOT NULL,
    status_code      integer,                  -- null when no response came (connect error, timeout, refused address)
    error            text,
    response_excerpt text,                     -- the first bytes of the response body
    PRIMARY KEY (id, attempted_at)
) PARTITION BY RANGE (attempted_at);
CREATE TABLE webhook_attempts_default PARTITION OF webhook_attempts DEFAULT;
SELECT relay_ensure_partitions('webhook_attempts', 'attempted_at', now(), now() + interval '28 days');
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempt);

-- ---- asynchronous bounces -------------------------------------------------------------------
-- Mail to the bounce domain that could not be matched to a message and recipient (no or forged
-- VERP token, pruned message, no recipient in a parseable report): kept for operators, never dropped.
CREATE TABLE unmatched_bounces (
    id            uuid PRIMARY KEY,            -- UUIDv7
    project_id    uuid,                        -- known when the token was valid but the message was not
    received_at   timestamptz NOT NULL DEFAULT now(),
    remote_ip     text,
    envelope_from text NOT NULL,
    envelope_to   text NOT NULL,
    subject       text,
    format        text,
    reason        text,                        -- why it was not matched
    report        jsonb NOT NULL DEFAULT '{}', -- what the parser found
    raw           bytea NOT NULL               -- the message as received (size-limited by the listener)
);
CREATE INDEX unmatched_bounces_project ON unmatched_bounces (project_id, id DESC);

-- Sending domains and their DKIM keys (API.md §Sending domains, DESIGN.md §2, §5).

-- One row per (project, domain). A project proves control of a domain by publishing its
-- verification token; two projects may each verify the same domain with their own token.
CREATE TABLE sending_domains (
    id                  uuid PRIMARY KEY,          -- UUIDv7
    project_id          uuid NOT NULL REFERENCES projects (id),
    name                text NOT NULL,             -- lower-case, IDN as its A-label (punycode)
    status              text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'verified')),
    verification_token  text NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    verified_at         timestamptz,               -- first time every required record was found
    last_checked_at     timestamptz,
    last_check          jsonb,                     -- each record's result at the last check
    UNIQUE (project_id, name)
);

-- A domain's DKIM keys, one per selector. A key is 'pending' until a verification finds its
-- record in DNS; then it is 'active', the one messages are signed with (at most one per domain).
-- A new domain's first key is pending like any other. Rotation adds a 'pending' key, which
-- becomes active when its record is found, and the one it replaces turns 'retiring': its record
-- must stay published until retire_after, so signatures made before the switch still verify;
-- after that it is 'retired' (kept, so its selector is never reused).
CREATE TABLE dkim_keys (
    id             uuid PRIMARY KEY,               -- UUIDv7
    domain_id      uuid NOT NULL REFERENCES sending_domains (id) ON DELETE CASCADE,
    selector       text NOT NULL,
    algorithm      text NOT NULL DEFAULT 'rsa-sha256' CHECK (algorithm IN ('rsa-sha256')),
    public_key     text NOT NULL,                  -- base64 SubjectPublicKeyInfo: the p= of the record
    private_key    bytea NOT NULL,                 -- PKCS#8, sealed with Dkim__MasterKey (DkimKeyProtector)
    state          text NOT NULL CHECK (state IN ('pending', 'active', 'retiring', 'retired')),
    created_at     timestamptz NOT NULL DEFAULT now(),
    activated_at   timestamptz,
    retire_after   timestamptz,                    -- set when it turns 'retiring'
    UNIQUE (domain_id, selector)
);
CREATE UNIQUE INDEX dkim_keys_one_active ON dkim_keys (domain_id) WHERE state = 'active';

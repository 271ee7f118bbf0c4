-- Projects: the unit of isolation and send limits (API.md §Projects). Every row that belongs to an
-- application directly carries its project_id, and every read filters on it in SQL. Rows that hang
-- off a message (recipients, delivery_attempts, message_contents) are reached only through their
-- message, whose project_id is checked first.

CREATE TABLE projects (
    id                    uuid PRIMARY KEY,
    name                  text NOT NULL UNIQUE,
    -- The send rate (emails per second, token bucket). NULL: the configured default
    -- (RateLimits__PerSecond / RateLimits__Burst), so changing the default reaches every such project.
    rate_limit_per_second double precision CHECK (rate_limit_per_second > 0),
    rate_limit_burst      integer CHECK (rate_limit_burst > 0),
    created_at            timestamptz NOT NULL
);

-- A fixed id: the services name it without a lookup, and data that predates projects belongs to it.
INSERT INTO projects (id, name, created_at) VALUES ('00000000-0000-0000-0000-000000000001', 'default', now());

-- NULL: an operator key (the bootstrap key's peers), which sees every project. Keys that already
-- hold admin stay operator keys; every other existing key becomes a key of the default project.
ALTER TABLE api_keys ADD COLUMN project_id uuid REFERENCES projects (id);
UPDATE api_keys SET project_id = '00000000-0000-0000-0000-000000000001' WHERE NOT ('admin' = ANY (scopes));
CREATE INDEX api_keys_project ON api_keys (project_id, id);

-- Existing rows take the default project; the default is dropped at once so that no future insert
-- can land in a project by omission.
ALTER TABLE messages ADD COLUMN project_id uuid NOT NULL DEFAULT '00000000-0000-0000-0000-000000000001' REFERENCES projects (id);
ALTER TABLE messages ALTER COLUMN project_id DROP DEFAULT;
ALTER TABLE events ADD COLUMN project_id uuid NOT NULL DEFAULT '00000000-0000-0000-0000-000000000001' REFERENCES projects (id);
ALTER TABLE events ALTER COLUMN project_id DROP DEFAULT;

-- A project's lists page newest first (messages) and oldest first (the event feed). The primary
-- key already serves an operator's id-ordered scans, so messages_newest only cost writes.
CREATE INDEX messages_project ON messages (project_id, id DESC);
DROP INDEX messages_newest;
CREATE INDEX events_project ON events (project_id, id);

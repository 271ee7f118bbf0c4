-- The columns of a message that change after it is accepted move to a narrow table of their own,
-- so that `messages` is written once and then only read (and deleted by retention).
--
-- Why: every email's lease and record each updated its `messages` row, and each update changed an
-- indexed column (status; the outbox's partial indexes), so none could be HOT: each wrote a new
-- copy of the wide row (subject, headers, tags, metadata) and a new entry in all 7 of its indexes,
-- GIN included, and left a dead row for autovacuum to clear through all 7 again. Measured on this
-- schema, 40,000 lease + record pairs took 1.8 s and 77 MB of WAL against `messages`, and 1.0 s
-- and 33 MB against this table.
CREATE TABLE message_states (
    message_id       uuid PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
    status           text NOT NULL,             -- derived from the recipients on every change (MessageStatusSql)
    -- The outbox (EmailRelay.Data.Outbox holds the rules): when a DeliverMessage command is next owed,
    -- and when the current one was handed to the broker.
    next_dispatch_at timestamptz,
    dispatched_at    timestamptz,
    event_seq        integer NOT NULL DEFAULT 0  -- last per-message event sequence handed out
);

INSERT INTO message_states (message_id, status, next_dispatch_at, dispatched_at, event_seq)
SELECT id, status, next_dispatch_at, dispatched_at, event_seq FROM messages;

CREATE INDEX message_states_due ON message_states (next_dispatch_at) WHERE next_dispatch_at IS NOT NULL;
CREATE INDEX message_states_dispatched ON message_states (dispatched_at) WHERE dispatched_at IS NOT NULL AND next_dispatch_at IS NULL;
-- The list's ?status= filter and the backlog gauge, newest first like the list.
CREATE INDEX message_states_status ON message_states (status, message_id DESC);

-- Their indexes (messages_due, messages_dispatched, messages_status) go with them.
ALTER TABLE messages DROP COLUMN status, DROP COLUMN next_dispatch_at, DROP COLUMN dispatched_at, DROP COLUMN event_seq;

COMMENT ON COLUMN message_states.next_dispatch_at IS
    'When the dispatcher must publish a DeliverMessage unconditionally: send_at, a retry time, the end of a lease, a publish back-off or a dispatcher claim; null when a command is with the broker or every recipient is final';
COMMENT ON COLUMN message_states.dispatched_at IS
    'When the current DeliverMessage command was handed to the broker; null once a consumer took it or the publish failed';

-- A recipient is updated twice after its insert (leased, then recorded) and none of its indexed
-- columns change, so both updates can be HOT, writing no index entry, if its page has room for the
-- new version. Applies to pages filled from now on.
ALTER TABLE recipients SET (fillfactor = 70);

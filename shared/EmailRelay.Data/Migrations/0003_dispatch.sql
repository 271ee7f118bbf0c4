-- The outbox owns one command per message at a time (EmailRelay.Data.Outbox.OutboxRules holds the rules).
-- dispatched_at: when the message's current DeliverMessage command was handed to the broker (a
-- confirmed publish, or one in progress). While it is set and next_dispatch_at is null, the command
-- is in the deliver-message queue or with a consumer, and nothing republishes it: a backlog never
-- multiplies. A consumer clears it when it takes the command; a failed publish clears it and makes
-- the message due again after a back-off.
ALTER TABLE messages ADD COLUMN dispatched_at timestamptz;

-- Existing rows: a future next_dispatch_at meant "trust the last publish until then"; it now means
-- "publish then", which costs at most one extra command per message, once.

-- The safety net looks for commands handed to the broker long ago and never taken (lost outside
-- our control: a purged queue, broker data loss, an API killed between its commit and its publish).
CREATE INDEX messages_dispatched ON messages (dispatched_at) WHERE dispatched_at IS NOT NULL AND next_dispatch_at IS NULL;

COMMENT ON COLUMN messages.next_dispatch_at IS
    'When the dispatcher must publish a DeliverMessage unconditionally: send_at, a retry time, the end of a lease, a publish back-off or a dispatcher claim; null when a command is with the broker or every recipient is final';
COMMENT ON COLUMN messages.dispatched_at IS
    'When the current DeliverMessage command was handed to the broker; null once a consumer took it or the publish failed';

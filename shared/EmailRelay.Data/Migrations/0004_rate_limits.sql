-- Send rate limits (API.md §Rate limits): one token bucket per project, shared by every API
-- replica. The state is disposable, so the table is UNLOGGED: its writes make no WAL, so a
-- transaction that touches only this table commits without waiting for a WAL flush (PostgreSQL's
-- RecordTransactionCommit takes the asynchronous path when the transaction wrote no WAL), and the
-- row lock of a busy project is held for the statement only, not across an fsync. A crash or a
-- failover empties the table: every bucket starts full again, which is the only loss.
--
-- No foreign key to projects: its check, made whenever a bucket row is inserted, locks the
-- projects row, and a row lock on a logged table is WAL-logged, so that commit would wait for a
-- flush again. The bucket is disposable; one of a project that no longer exists is a few dead bytes.
CREATE UNLOGGED TABLE rate_limit_buckets (
    project_id    uuid PRIMARY KEY,
    -- Emails that may be sent now; negative while a request larger than the burst is paid off.
    tokens        double precision NOT NULL,
    -- When tokens was computed (the database's clock, the one clock every replica shares).
    updated_at    timestamptz NOT NULL,
    -- The decision on the latest request, so that the one upsert that decides can return it
    -- (RETURNING sees only the new row).
    last_admitted boolean NOT NULL
) WITH (fillfactor = 50); -- every write updates a row in place: room on the page keeps the updates HOT

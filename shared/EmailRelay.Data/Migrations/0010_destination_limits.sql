-- Per-destination limits (DESIGN.md §5): connection slots per destination host, a message rate
-- per recipient domain, and a backoff per destination after 421 or 4.7.x. The state lives here so
-- every sender replica obeys one limit together; the statements that read and write it are in
-- services/EmailRelay.Sender/Limits/DestinationLimitsStore.cs. All time is the database's clock
-- (clock_timestamp()): replicas' clocks differ, and one running ahead would free slots or mint
-- rate early for everyone.

-- Connection slots: one row per (host, slot number), numbers 1..max, created on demand and then
-- reused (a release only clears the holder and marks it free), so a host never has more rows than its
-- largest configured limit. A holder renews expires_at while its connection lives; a sender that
-- crashes stops renewing, and its slot is free again once expires_at passes.
--
-- Why the limit holds under concurrency: a slot is taken by one UPDATE of one row chosen with
-- FOR UPDATE SKIP LOCKED among rows whose lease has expired. The row lock is held from the choice
-- to the commit, and in READ COMMITTED a row changed since the statement's snapshot is re-checked
-- on its latest version before it is locked, so a slot just taken by another sender is never
-- chosen again. Each row therefore has at most one live holder, and holders <= rows <= max.
-- (While replicas disagree on max, during a configuration roll-out, each takes only slots up to
-- its own: together they hold at most the largest.) DestinationLimiterTests proves it under load;
-- without the SKIP LOCKED row lock the same test sees two holders of one slot.
--
-- UNLOGGED: an acquire, a renewal and a release each commit without a WAL flush. A crash or a
-- failover empties the table; the senders' next renewals then find their slots gone and close
-- those connections after the message in flight, so the limit is exceeded at most until then.
CREATE UNLOGGED TABLE destination_connection_slots (
    host         text NOT NULL,                 -- lower-case host name (an MX host or a smarthost)
    slot         integer NOT NULL CHECK (slot >= 1),
    owner        text,                          -- the sender replica holding it: for an operator's eyes
    token        uuid,                          -- the holder's proof: a renewal or release must name it
    acquired_at  timestamptz,
    expires_at   timestamptz NOT NULL DEFAULT now(), -- free from then on (a release sets it to the release)
    PRIMARY KEY (host, slot)
) WITH (fillfactor = 50); -- every write updates a row in place: room on the page keeps the updates HOT

-- Message rate per recipient domain, as GCRA (the generic cell rate algorithm, a token bucket
-- kept as one timestamp): tat is the "theoretical arrival time" — when the bucket would be full
-- again. A take of n is admitted when the bucket has room for n (or is full, for n larger than
-- the burst: it then runs into debt, paid back at the rate), and moves tat on by n intervals.
-- A row whose tat has passed says the same as no row (a full bucket), so such rows are pruned.
-- UNLOGGED for the same reason as rate_limit_buckets (0004): it is written once per message.
CREATE UNLOGGED TABLE destination_rates (
    domain             text PRIMARY KEY,        -- lower-case recipient domain
    tat                timestamptz NOT NULL,
    -- The decision on the latest take, so that the one upsert that decides can return it
    -- (RETURNING sees only the new row): 0 = admitted, else seconds until it would be.
    last_wait_seconds  double precision NOT NULL
) WITH (fillfactor = 50);

-- A destination that answered 421 or 4.7.x: no connection or transaction is attempted before
-- `until`; its recipients are deferred with an attempt record naming the backoff and the reply.
-- Repeated offences grow the backoff (strikes); once forget_after passes (the backoff's end plus
-- its maximum) the destination starts from the first step again and the row can be pruned.
-- Logged: it is written rarely and should survive a restart of the database.
CREATE TABLE destination_backoffs (
    destination    text PRIMARY KEY,            -- lower-case host or domain, as the sender names it
    since          timestamptz NOT NULL,
    until          timestamptz NOT NULL,
    strikes        integer NOT NULL CHECK (strikes >= 1),
    forget_after   timestamptz NOT NULL,
    reason         text NOT NULL,               -- 'service_unavailable' (421) or 'policy' (4.7.x)
    reply_code     integer NOT NULL,
    enhanced_code  text,
    reply          text NOT NULL                -- the reply that caused it, verbatim
);
-- The senders read the active backoffs (until in the future) once a second each.
CREATE INDEX destination_backoffs_until ON destination_backoffs (until);

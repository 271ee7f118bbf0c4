-- Loads a synthetic history into an EmailRelay database, for scripts/bench-history.sh: :messages
-- messages over the 60 days before now, one recipient each, about 2.1 events per message, in
-- chunks of 10,000 messages per transaction so the feed positions (tx) advance as they do in
-- production, with an event_clock sample per chunk. Not a test fixture: the figures only mean
-- something at full size.

CREATE OR REPLACE FUNCTION pg_temp.uuidv7_at(ts timestamptz) RETURNS uuid LANGUAGE sql VOLATILE AS $$
    SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
                                          PLACING substring(int8send((extract(epoch FROM ts) * 1000)::bigint) FROM 3)
                                          FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid
$$;

INSERT INTO projects (id, name, created_at)
SELECT ('00000000-0000-0000-0000-0000000001' || lpad(p::text, 2, '0'))::uuid, 'bench-' || p, now() FROM generate_series(1, 10) p
ON CONFLICT DO NOTHING;

SELECT relay_ensure_partitions('events', 'occurred_at', now() - interval '61 days', now() + interval '28 days');
SELECT relay_ensure_partitions('delivery_attempts', 'started_at', now() - interval '61 days', now() + interval '28 days');

CREATE PROCEDURE pg_temp.load_chunk(chunk int, chunks int, size int) LANGUAGE plpgsql AS $$
DECLARE
    chunk_start timestamptz := now() - interval '60 days' + (interval '60 days' / chunks) * chunk;
    chunk_span interval := interval '60 days' / chunks;
BEGIN
    INSERT INTO event_clock (at, tx) VALUES (chunk_start, pg_current_xact_id()) ON CONFLICT DO NOTHING;
    CREATE TEMP TABLE IF NOT EXISTS gen (id uuid, project_id uuid, created_at timestamptz, address text, sender text,
                                         outcome int, tags text[]) ON COMMIT DELETE ROWS;
    INSERT INTO gen
    SELECT pg_temp.uuidv7_at(t), ('00000000-0000-0000-0000-0000000001' || lpad((1 + (i % 10))::text, 2, '0'))::uuid, t,
           'user' || (random() * 1000000)::int || '@example' || (i % 50) || '.test',
           'sender' || (i % 200) || '@app' || (i % 10) || '.example',
           (random() * 100)::int,
           CASE WHEN random() < 0.0001 THEN ARRAY['rare-campaign'] WHEN random() < 0.6 THEN ARRAY['receipt'] ELSE ARRAY['password-reset'] END
    FROM generate_series(1, size) i, LATERAL (SELECT chunk_start + chunk_span * (i::float / size) AS t) ts;

    INSERT INTO messages (id, api_key_id, envelope_from, from_header, subject, message_id_header, tags, created_at, expires_at,
                          status, size_bytes, project_id, event_seq)
    SELECT id, NULL, sender, sender, 'Your receipt', '<' || id || '@bench>', tags, created_at, created_at + interval '72 hours',
           CASE WHEN outcome < 93 THEN 'delivered' WHEN outcome < 98 THEN 'bounced' WHEN outcome < 99 THEN 'failed' ELSE 'suppressed' END,
           2048, project_id, 3
    FROM gen;
    INSERT INTO recipients (message_id, ordinal, address, domain, kind, status, attempts)
    SELECT id, 0, address, split_part(address, '@', 2), 'to',
           CASE WHEN outcome < 93 THEN 'delivered' WHEN outcome < 98 THEN 'bounced' WHEN outcome < 99 THEN 'failed' ELSE 'suppressed' END, 1
    FROM gen;
    INSERT INTO events (id, message_id, project_id, sequence, recipient, type, occurred_at, details)
    SELECT pg_temp.uuidv7_at(g.created_at + e.offset_), g.id, g.project_id, e.seq, g.address, e.type, g.created_at + e.offset_, e.details
    FROM gen g, LATERAL (VALUES
        (1, CASE WHEN g.outcome >= 99 THEN 'suppressed' ELSE 'queued' END, interval '0', '{}'::jsonb),
        (2, CASE WHEN g.outcome < 85 THEN 'delivered' WHEN g.outcome < 99 THEN 'deferred' END, interval '1 second',
            '{"reply_code": 250, "enhanced_code": "2.0.0", "reply": "250 2.0.0 Ok", "attempt": 1}'::jsonb),
        (3, CASE WHEN g.outcome BETWEEN 85 AND 92 THEN 'delivered' WHEN g.outcome BETWEEN 93 AND 97 THEN 'bounced'
                 WHEN g.outcome = 98 THEN 'failed' END, interval '60 seconds',
            '{"reply_code": 550, "enhanced_code": "5.1.1", "reply": "550 5.1.1 No such user", "bounce_reason": "user_unknown", "hard": true}'::jsonb),
        (4, CASE WHEN g.outcome < 85 AND random() < 0.0005 THEN 'complained' END, interval '2 hours', '{"feedback_type": "abuse"}'::jsonb)
    ) AS e(seq, type, offset_, details)
    WHERE e.type IS NOT NULL;
END $$;

SELECT set_config('bench.chunks', ceil(:messages / 10000.0)::text, false);
DO $$
DECLARE
    chunks int := current_setting('bench.chunks')::int;
BEGIN
    FOR c IN 0 .. chunks - 1 LOOP
        CALL pg_temp.load_chunk(c, chunks, 10000);
        COMMIT;
        IF c % 50 = 0 THEN RAISE NOTICE 'chunk % of %', c + 1, chunks; END IF;
    END LOOP;
END $$;
VACUUM (ANALYZE) messages, recipients, events, event_clock;

-- Webhook delivery (DESIGN.md §6): what the dispatcher needs beyond migration 0006.

-- The claim that holds leased_until. An attempt records its outcome only while its claim is the
-- delivery's: a dispatcher that outlived its lease (stalled, cut off) records the attempt row but
-- never overwrites what the replica that took the delivery over decided.
ALTER TABLE webhook_deliveries ADD COLUMN lease_token uuid;

-- The exact body sent, fixed by the first attempt: every retry and every replay sends the same
-- bytes, whatever changes in the code or the retention of events in between.
ALTER TABLE webhook_deliveries ADD COLUMN payload bytea;

-- The claim walks each enabled endpoint's due deliveries (per-endpoint cap, no head-of-line
-- blocking), and counts each endpoint's deliveries in flight.
CREATE INDEX webhook_deliveries_endpoint_due ON webhook_deliveries (endpoint_id, next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_leased ON webhook_deliveries (endpoint_id, leased_until) WHERE leased_until IS NOT NULL;

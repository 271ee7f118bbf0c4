-- SMTP submission (API.md §SMTP submission): failed logins per client address, shared by every API
-- replica behind the load balancer, so guessing keys against N replicas gets no N-fold budget.
-- One row per address holding the current window; a row whose window has passed is reset by the
-- next failure and ignored by the check, and pruned by the listener from time to time.
CREATE TABLE submission_auth_failures (
    address           text        PRIMARY KEY,
    window_started_at timestamptz NOT NULL,
    failures          integer     NOT NULL
);
CREATE INDEX submission_auth_failures_window ON submission_auth_failures (window_started_at);

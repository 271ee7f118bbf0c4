-- The suppression list's reads (API.md §Suppressions). GET /v1/suppressions pages newest first,
-- keyset on (created_at, project_id, address); each index below is one reader's path, and the
-- table is written only when an address is suppressed or lifted, so they cost little.
-- The primary key (project_id, address) already serves the accept-time check and a project's
-- ?email= lookup.

-- A project's list (a project key, or an operator's ?project_id=).
CREATE INDEX suppressions_project_newest ON suppressions (project_id, created_at, address);
-- An operator's list across every project.
CREATE INDEX suppressions_newest ON suppressions (created_at, project_id, address);
-- An operator's ?email= across every project: which projects suppress this address?
CREATE INDEX suppressions_address ON suppressions (address);

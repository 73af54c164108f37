-- The operator dashboard: replays of reported snapshots, the triage audit trail, and indexes for its lists.

-- A snapshot re-run from the dashboard against the model and instructions in force at that moment.
-- Never posted anywhere: it exists only here, beside the report it was made for.
CREATE TABLE replays (
  id                        TEXT    PRIMARY KEY,
  report_id                 TEXT    NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
  reply_id                  TEXT    NOT NULL,
  model                     TEXT    NOT NULL,
  params_json               TEXT    NOT NULL,
  instruction_versions_json TEXT    NOT NULL,
  messages_json             TEXT    NOT NULL,
  reply_text                TEXT    NOT NULL,
  status                    TEXT    NOT NULL CHECK (status IN ('complete', 'partial', 'failed')),
  error                     TEXT    NULL,
  latency_ms                INTEGER NOT NULL,
  requested_from            TEXT    NOT NULL,
  created_at                TEXT    NOT NULL
);
-- A report's replays, newest first.
CREATE INDEX replays_report ON replays (report_id, created_at);

-- Who changed what from the dashboard, when and from where (triage, replays).
CREATE TABLE dashboard_audit (
  id          INTEGER PRIMARY KEY,
  at          TEXT NOT NULL,
  action      TEXT NOT NULL,
  report_id   TEXT NULL,
  from_status TEXT NULL,
  to_status   TEXT NULL,
  remote      TEXT NOT NULL,
  user_agent  TEXT NOT NULL
);
CREATE INDEX dashboard_audit_report ON dashboard_audit (report_id, at);

-- Report lists page newest first with (created_at, id) as the cursor: one index walk, no sort, no OFFSET.
CREATE INDEX reports_created_id ON reports (created_at, id);
CREATE INDEX reports_source_created ON reports (source, created_at, id);
CREATE INDEX reports_workspace_created ON reports (platform, workspace_id, created_at, id);
-- The channel filter and the "top channels" chart go through the reply.
CREATE INDEX replies_channel ON replies (platform, workspace_id, channel_id);

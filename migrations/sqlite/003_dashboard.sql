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
-- The channel filter goes through the reply; the index covers the lookup (with platform and workspace).
CREATE INDEX replies_channel ON replies (channel_id, platform, workspace_id, id);
-- The overview groups failures by channel, model and instruction versions: this covering index answers that
-- without reading the reply rows themselves (each holds a whole conversation).
CREATE INDEX replies_overview ON replies (id, channel_id, model, instruction_versions_json);

-- Text search over each report's note and reply (trigram: any substring of 3+ characters, case-insensitive).
-- A LIKE scan would read every reply row, past its large messages_json, on every search.
-- FTS rows are keyed by an INTEGER PRIMARY KEY of their own, which VACUUM never renumbers (reports' rowid may change).
CREATE TABLE report_search_ids (
  rowid     INTEGER PRIMARY KEY,
  report_id TEXT NOT NULL UNIQUE
);
CREATE VIRTUAL TABLE report_search USING fts5 (note, reply, tokenize = 'trigram');

-- In filing order, as the trigger below numbers new reports: a search lists matches newest first by rowid.
INSERT INTO report_search_ids (report_id) SELECT id FROM reports ORDER BY created_at, id;
INSERT INTO report_search (rowid, note, reply)
  SELECT i.rowid, coalesce(r.note, ''), p.reply_text
    FROM report_search_ids i JOIN reports r ON r.id = i.report_id JOIN replies p ON p.id = r.reply_id;

CREATE TRIGGER reports_search_insert AFTER INSERT ON reports BEGIN
  INSERT INTO report_search_ids (report_id) VALUES (new.id);
  INSERT INTO report_search (rowid, note, reply)
    VALUES (last_insert_rowid(), coalesce(new.note, ''),
            coalesce((SELECT reply_text FROM replies WHERE id = new.reply_id), ''));
END;
CREATE TRIGGER reports_search_note AFTER UPDATE OF note ON reports BEGIN
  UPDATE report_search SET note = coalesce(new.note, '')
   WHERE rowid = (SELECT rowid FROM report_search_ids WHERE report_id = new.id);
END;
-- forget-me deletes reports: their text leaves the search index with them.
CREATE TRIGGER reports_search_delete AFTER DELETE ON reports BEGIN
  DELETE FROM report_search WHERE rowid = (SELECT rowid FROM report_search_ids WHERE report_id = old.id);
  DELETE FROM report_search_ids WHERE report_id = old.id;
END;

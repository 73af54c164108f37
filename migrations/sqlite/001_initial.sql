-- Heed's initial schema. Timestamps are ISO-8601 UTC strings (Date#toISOString), so they sort as text.
-- Platform is deliberately not CHECKed: a new platform must not need a table rebuild.

-- Every change to a person's instructions or an operator layer is a new row; "current" is the highest version.
CREATE TABLE instruction_versions (
  id            INTEGER PRIMARY KEY,
  platform      TEXT    NOT NULL,
  workspace_id  TEXT    NOT NULL,
  scope_kind    TEXT    NOT NULL CHECK (scope_kind IN ('user', 'channel', 'workspace')),
  scope_id      TEXT    NOT NULL,
  version       INTEGER NOT NULL CHECK (version >= 1),
  about         TEXT    NOT NULL,
  respond       TEXT    NOT NULL,
  enabled       INTEGER NOT NULL CHECK (enabled IN (0, 1)),
  action        TEXT    NOT NULL,
  actor_id      TEXT    NOT NULL,
  restored_from INTEGER NULL,
  created_at    TEXT    NOT NULL,
  -- This unique index also serves current / history / version(n) / forget: all are prefix lookups on it.
  UNIQUE (platform, workspace_id, scope_kind, scope_id, version)
);

-- Persisted dedupe of incoming messages: one row per message the bot has taken on.
CREATE TABLE message_claims (
  platform     TEXT NOT NULL,
  workspace_id TEXT NOT NULL,
  channel_id   TEXT NOT NULL,
  message_id   TEXT NOT NULL,
  owner        TEXT NOT NULL,
  status       TEXT NOT NULL CHECK (status IN ('in_flight', 'done', 'abandoned')),
  reply_id     TEXT NULL,
  claimed_at   TEXT NOT NULL,
  completed_at TEXT NULL,
  PRIMARY KEY (platform, workspace_id, channel_id, message_id)
);
-- Start-up sweep of other owners' unfinished claims.
CREATE INDEX message_claims_in_flight ON message_claims (owner) WHERE status = 'in_flight';
-- Retention purge.
CREATE INDEX message_claims_claimed_at ON message_claims (claimed_at);

-- A snapshot of exactly what was sent to the model for one reply, and what came back.
CREATE TABLE replies (
  id                        TEXT    PRIMARY KEY,
  platform                  TEXT    NOT NULL,
  workspace_id              TEXT    NOT NULL,
  channel_id                TEXT    NOT NULL,
  thread_id                 TEXT    NULL,
  source_message_id         TEXT    NOT NULL,
  asker_id                  TEXT    NOT NULL,
  model                     TEXT    NOT NULL,
  params_json               TEXT    NOT NULL,
  instruction_versions_json TEXT    NOT NULL,
  messages_json             TEXT    NOT NULL,
  reply_text                TEXT    NOT NULL,
  status                    TEXT    NOT NULL CHECK (status IN ('complete', 'partial', 'failed')),
  error                     TEXT    NULL,
  latency_ms                INTEGER NOT NULL,
  first_token_ms            INTEGER NULL,
  prompt_tokens             INTEGER NULL,
  completion_tokens         INTEGER NULL,
  created_at                TEXT    NOT NULL
);
-- Retention purge.
CREATE INDEX replies_created_at ON replies (created_at);
-- forget-me of an asker.
CREATE INDEX replies_asker ON replies (platform, workspace_id, asker_id);
-- "Has Heed replied in this thread?" for follow-ups without a mention.
CREATE INDEX replies_thread ON replies (platform, workspace_id, channel_id, thread_id) WHERE thread_id IS NOT NULL;

-- Every platform message a reply occupies (one reply may span several), so feedback on any finds it.
CREATE TABLE reply_messages (
  platform     TEXT NOT NULL,
  workspace_id TEXT NOT NULL,
  channel_id   TEXT NOT NULL,
  message_id   TEXT NOT NULL,
  reply_id     TEXT NOT NULL REFERENCES replies (id) ON DELETE CASCADE,
  PRIMARY KEY (platform, workspace_id, channel_id, message_id)
);
-- Loading a reply's message ids, and the cascade when a reply is deleted.
CREATE INDEX reply_messages_reply ON reply_messages (reply_id);

-- Feedback on a reply. No cascade from replies: a reported snapshot must never vanish by accident.
CREATE TABLE reports (
  id           TEXT NOT NULL PRIMARY KEY,
  reply_id     TEXT NOT NULL REFERENCES replies (id),
  platform     TEXT NOT NULL,
  workspace_id TEXT NOT NULL,
  reporter_id  TEXT NOT NULL,
  source       TEXT NOT NULL CHECK (source IN ('reaction', 'button', 'command', 'automatic')),
  signal       TEXT NOT NULL CHECK (signal IN ('bad', 'good')),
  status       TEXT NOT NULL CHECK (status IN ('open', 'triaged', 'resolved', 'withdrawn')),
  note         TEXT NULL,
  created_at   TEXT NOT NULL,
  updated_at   TEXT NOT NULL,
  -- Also serves "does this reply have reports?" (reply_id prefix) for the retention purge.
  UNIQUE (reply_id, reporter_id, signal)
);
-- Operator listing, newest first, optionally since a date.
CREATE INDEX reports_created_at ON reports (created_at);
-- Operator listing by status (e.g. the open queue).
CREATE INDEX reports_status_created_at ON reports (status, created_at);
-- A person's own reports (App Home) and forget-me.
CREATE INDEX reports_reporter ON reports (platform, workspace_id, reporter_id, created_at);

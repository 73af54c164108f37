-- Fewer bytes per reply on disk (issue 12, item 6). Two tables keyed by a primary key other than an
-- integer were stored twice over: once as rows in rowid order and once more as the key's own index.
-- As WITHOUT ROWID tables their rows live in the primary key's B-tree itself; their rows are small, which
-- is what WITHOUT ROWID suits. Rebuilt in place: same columns, constraints and secondary indexes.
-- (reply_messages keeps its rowid: it orders a reply's messages as they were posted.)

CREATE TABLE message_claims_compact (
  platform     TEXT NOT NULL,
  workspace_id TEXT NOT NULL,
  channel_id   TEXT NOT NULL,
  message_id   TEXT NOT NULL,
  owner        TEXT NOT NULL,
  status       TEXT NOT NULL CHECK (status IN ('in_flight', 'done', 'abandoned')),
  reply_id     TEXT NULL,
  claimed_at   TEXT NOT NULL,
  completed_at TEXT NULL,
  lease_until  TEXT NULL,
  PRIMARY KEY (platform, workspace_id, channel_id, message_id)
) WITHOUT ROWID;
INSERT INTO message_claims_compact
  SELECT platform, workspace_id, channel_id, message_id, owner, status, reply_id, claimed_at, completed_at,
         CASE WHEN status = 'in_flight' THEN lease_until END
    FROM message_claims;
DROP TABLE message_claims;
ALTER TABLE message_claims_compact RENAME TO message_claims;
CREATE INDEX message_claims_in_flight ON message_claims (owner) WHERE status = 'in_flight';
CREATE INDEX message_claims_claimed_at ON message_claims (claimed_at);

CREATE TABLE reply_applied_compact (
  reply_id     TEXT NOT NULL PRIMARY KEY REFERENCES replies (id) ON DELETE CASCADE,
  applied_json TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO reply_applied_compact SELECT reply_id, applied_json FROM reply_applied;
DROP TABLE reply_applied;
ALTER TABLE reply_applied_compact RENAME TO reply_applied;

-- Replies are purged by id (ids sort by creation time), so the index on their date goes: one entry
-- less to write per reply.
DROP INDEX replies_created_at;

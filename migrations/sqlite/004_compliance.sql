-- Compliance (issue 11): verifiable checks derived from each instruction version, the result of running
-- them on each reply, rewrites linked to the reply they replace, and people who turned checking off.

-- The checks one instruction version asks for, derived once when it is saved (JSON array of
-- { label, anyOf: [{ id, params }], bind? }). Deleted with the version (forget-me).
CREATE TABLE instruction_checks (
  version_id  INTEGER NOT NULL PRIMARY KEY REFERENCES instruction_versions (id) ON DELETE CASCADE,
  checks_json TEXT    NOT NULL,
  extractor   TEXT    NOT NULL CHECK (extractor IN ('rules', 'rules+model')),
  derived_at  TEXT    NOT NULL
);

-- What ran on a reply and what failed (JSON array of { layer, id, label, ok, detail }). A rewrite is
-- its own reply snapshot; `rewrite_of` links it to the reply it replaced.
CREATE TABLE reply_checks (
  reply_id     TEXT    NOT NULL PRIMARY KEY REFERENCES replies (id) ON DELETE CASCADE,
  passed       INTEGER NOT NULL CHECK (passed IN (0, 1)),
  failed_count INTEGER NOT NULL,
  results_json TEXT    NOT NULL,
  rewrite_of   TEXT    NULL REFERENCES replies (id) ON DELETE SET NULL,
  checked_at   TEXT    NOT NULL
);
-- Figures since a date, and the rewrites of a reply.
CREATE INDEX reply_checks_checked_at ON reply_checks (checked_at);
CREATE INDEX reply_checks_rewrite_of ON reply_checks (rewrite_of) WHERE rewrite_of IS NOT NULL;

-- People who turned checking of their own replies off (`/instructions checks off`).
CREATE TABLE compliance_opt_outs (
  platform     TEXT NOT NULL,
  workspace_id TEXT NOT NULL,
  user_id      TEXT NOT NULL,
  created_at   TEXT NOT NULL,
  PRIMARY KEY (platform, workspace_id, user_id)
);

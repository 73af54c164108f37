-- Issue 15: what shaped each reply (the "applied" line and Why this answer?), per-person display
-- settings, edits drafted from reports, and one profile linked across Slack and Discord.

-- What shaped a reply, as the applied line and Why this answer? show it; deleted with its reply.
CREATE TABLE reply_applied (
  reply_id     TEXT NOT NULL PRIMARY KEY REFERENCES replies (id) ON DELETE CASCADE,
  applied_json TEXT NOT NULL
);

-- A person's own display settings, keyed by their profile key (a linked profile, or the identity itself).
CREATE TABLE person_settings (
  profile_key  TEXT    NOT NULL PRIMARY KEY,
  show_applied INTEGER NOT NULL CHECK (show_applied IN (0, 1)),
  updated_at   TEXT    NOT NULL
);

-- An identity (platform + workspace + user) joined to a shared profile. Only the identities listed here
-- read or write that profile's instructions.
CREATE TABLE profile_links (
  platform     TEXT NOT NULL,
  workspace_id TEXT NOT NULL,
  user_id      TEXT NOT NULL,
  profile_id   TEXT NOT NULL,
  linked_at    TEXT NOT NULL,
  PRIMARY KEY (platform, workspace_id, user_id)
);
-- The members of a profile.
CREATE INDEX profile_links_profile ON profile_links (profile_id);

-- One-time link codes, stored hashed; one live code per identity.
CREATE TABLE link_codes (
  code_hash    TEXT NOT NULL PRIMARY KEY,
  platform     TEXT NOT NULL,
  workspace_id TEXT NOT NULL,
  user_id      TEXT NOT NULL,
  expires_at   TEXT NOT NULL,
  UNIQUE (platform, workspace_id, user_id)
);

-- Failed attempts to redeem a code, for the rate limit; old rows are pruned as new ones arrive.
CREATE TABLE link_attempts (
  platform     TEXT NOT NULL,
  workspace_id TEXT NOT NULL,
  user_id      TEXT NOT NULL,
  attempted_at TEXT NOT NULL
);
CREATE INDEX link_attempts_person ON link_attempts (platform, workspace_id, user_id, attempted_at);

-- An edit of "how to respond" drafted from a report's note; accepted or dismissed by its reporter.
CREATE TABLE edit_suggestions (
  report_id  TEXT NOT NULL PRIMARY KEY REFERENCES reports (id) ON DELETE CASCADE,
  before     TEXT NOT NULL,
  after      TEXT NOT NULL,
  status     TEXT NOT NULL CHECK (status IN ('offered', 'accepted', 'dismissed')),
  created_at TEXT NOT NULL,
  decided_at TEXT NULL
);

-- Issue 9 (security). Slash commands and interactions carry no event id; each invocation carries a
-- trigger id that a replayed copy repeats. One row per invocation taken on, so a captured request
-- replayed inside the signature window runs once. Rows past a day are purged (the window is 5 minutes).
CREATE TABLE request_claims (
  platform     TEXT NOT NULL,
  workspace_id TEXT NOT NULL,
  request_id   TEXT NOT NULL,
  claimed_at   TEXT NOT NULL,
  PRIMARY KEY (platform, workspace_id, request_id)
);
-- Purge.
CREATE INDEX request_claims_claimed_at ON request_claims (claimed_at);

-- Secrets generated once per deployment (the key of the prompt fences' nonce). Never shown or exported.
CREATE TABLE deployment_secrets (
  name       TEXT NOT NULL PRIMARY KEY,
  value      TEXT NOT NULL,
  created_at TEXT NOT NULL
);

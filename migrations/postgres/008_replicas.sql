-- Several replicas on one database.
-- A claim's owner renews its lease while the reply streams; a redelivery may take over a claim whose
-- lease has run out (its owner died). Claims written before this migration have no lease and are
-- taken over like abandoned ones.
ALTER TABLE message_claims ADD COLUMN lease_until TEXT NULL;
-- Renewing every lease of one owner at once uses 001's message_claims_in_flight (owner, in flight only).

-- The per-person rate limit, counted here so that every replica sees the same count: one row per
-- message in the last minute (epoch milliseconds), and the time of the last notice sent.
CREATE TABLE rate_hits (
  person_key TEXT    NOT NULL,
  hit_at     BIGINT  NOT NULL
);
CREATE INDEX rate_hits_person ON rate_hits (person_key, hit_at);
CREATE INDEX rate_hits_at ON rate_hits (hit_at);
CREATE TABLE rate_notices (
  person_key  TEXT    PRIMARY KEY,
  notified_at BIGINT  NOT NULL
);

-- Dashboard sessions, shared so that a load balancer may send a browser to any replica. Only a hash of
-- the session id is kept, so a copy of the database logs nobody in.
CREATE TABLE dashboard_sessions (
  id_hash    TEXT    PRIMARY KEY,
  csrf       TEXT    NOT NULL,
  expires_at BIGINT  NOT NULL
);
CREATE INDEX dashboard_sessions_expiry ON dashboard_sessions (expires_at);

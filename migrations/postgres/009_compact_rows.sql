-- SQLite's 009 rebuilds three tables as WITHOUT ROWID (fewer bytes per reply); PostgreSQL keeps every
-- table as a heap beside its primary key index, so it has no such change. What both share: a claim's
-- lease means nothing once the message is done, and done claims no longer keep one.
UPDATE message_claims SET lease_until = NULL WHERE status <> 'in_flight';

-- Replies are purged by id (ids sort by creation time), so the index on their date goes: one entry
-- less to write per reply.
DROP INDEX replies_created_at;

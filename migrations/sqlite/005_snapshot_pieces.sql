-- Content-addressed pieces of reply snapshots (issue 12, item 6). A system prompt, or a message of a
-- thread's history, is shared by many replies: it is stored once here, and a snapshot's messages_json
-- names it as {"role": …, "piece": "<id>"} instead of repeating its content. Rows written before this
-- migration keep their messages inline and are read exactly as before.
CREATE TABLE snapshot_pieces (
  -- The SHA-256 of the content, base64url, first 24 characters (144 bits).
  id      TEXT    NOT NULL PRIMARY KEY,
  content TEXT    NOT NULL,
  -- How many replies name this piece (each counts once however often it names it).
  refs    INTEGER NOT NULL CHECK (refs >= 0)
);

-- A piece lives exactly as long as a reply names it. Whatever deletes or rewrites a reply (retention
-- purge, forget-me, a redaction that rewrites messages_json) releases the pieces the old row named; a
-- piece nobody names any more is deleted in the same statement, so no one's text outlives the replies.
CREATE TRIGGER replies_release_pieces_on_delete AFTER DELETE ON replies
WHEN old.messages_json LIKE '%"piece":%'
BEGIN
  UPDATE snapshot_pieces SET refs = refs - 1
   WHERE id IN (SELECT DISTINCT json_extract(value, '$.piece') FROM json_each(old.messages_json));
  DELETE FROM snapshot_pieces
   WHERE refs = 0 AND id IN (SELECT json_extract(value, '$.piece') FROM json_each(old.messages_json));
END;

CREATE TRIGGER replies_release_pieces_on_update AFTER UPDATE OF messages_json ON replies
WHEN old.messages_json LIKE '%"piece":%'
BEGIN
  UPDATE snapshot_pieces SET refs = refs - 1
   WHERE id IN (SELECT DISTINCT json_extract(value, '$.piece') FROM json_each(old.messages_json));
  DELETE FROM snapshot_pieces
   WHERE refs = 0 AND id IN (SELECT json_extract(value, '$.piece') FROM json_each(old.messages_json));
END;

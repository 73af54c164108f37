-- The dashboard's compliance views (issue 14): one row per checked reply and check type, kept by triggers
-- from reply_checks (migration 004), and the checks run on each replay.

-- Per reply and catalogue check type: whether every check of that type passed (`ok`), when the reply was
-- checked, and whether it is a rewrite. The overview's pass-rate chart and the reports list's check-type
-- filter read this through indexes; reading reply_checks would parse every results_json on every request.
CREATE TABLE reply_check_types (
  reply_id   TEXT    NOT NULL REFERENCES replies (id) ON DELETE CASCADE,
  check_id   TEXT    NOT NULL,
  ok         INTEGER NOT NULL CHECK (ok IN (0, 1)),
  rewrite    INTEGER NOT NULL CHECK (rewrite IN (0, 1)),
  checked_at TEXT    NOT NULL,
  PRIMARY KEY (reply_id, check_id)
) WITHOUT ROWID;
-- "Reports whose reply failed this check type": the failing replies of a type, by id.
CREATE INDEX reply_check_types_failed ON reply_check_types (check_id, reply_id) WHERE ok = 0;
-- The overview: first replies (rewrites are not counted) per day and type, answered from the index alone.
CREATE INDEX reply_check_types_day ON reply_check_types (checked_at, check_id, ok) WHERE rewrite = 0;

INSERT INTO reply_check_types (reply_id, check_id, ok, rewrite, checked_at)
  SELECT c.reply_id, json_extract(e.value, '$.id'), min(json_extract(e.value, '$.ok')), c.rewrite_of IS NOT NULL,
         c.checked_at
    FROM reply_checks c, json_each(c.results_json) e
   GROUP BY c.reply_id, json_extract(e.value, '$.id');

CREATE TRIGGER reply_check_types_insert AFTER INSERT ON reply_checks BEGIN
  INSERT INTO reply_check_types (reply_id, check_id, ok, rewrite, checked_at)
    SELECT new.reply_id, json_extract(value, '$.id'), min(json_extract(value, '$.ok')), new.rewrite_of IS NOT NULL,
           new.checked_at
      FROM json_each(new.results_json) GROUP BY json_extract(value, '$.id');
END;
-- A re-check (an upsert) replaces the rows; so does a rewrite whose first reply was deleted (rewrite_of cleared).
CREATE TRIGGER reply_check_types_update AFTER UPDATE ON reply_checks BEGIN
  DELETE FROM reply_check_types WHERE reply_id = old.reply_id;
  INSERT INTO reply_check_types (reply_id, check_id, ok, rewrite, checked_at)
    SELECT new.reply_id, json_extract(value, '$.id'), min(json_extract(value, '$.ok')), new.rewrite_of IS NOT NULL,
           new.checked_at
      FROM json_each(new.results_json) GROUP BY json_extract(value, '$.id');
END;
CREATE TRIGGER reply_check_types_delete AFTER DELETE ON reply_checks BEGIN
  DELETE FROM reply_check_types WHERE reply_id = old.reply_id;
END;

-- The checks in force run on a replay's text, as JSON ({ passed, results }); NULL when none applied.
ALTER TABLE replays ADD COLUMN checks_json TEXT NULL;

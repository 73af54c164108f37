-- The dashboard's compliance views (issue 14), PostgreSQL edition of migrations/sqlite/007_dashboard_checks.sql:
-- one row per checked reply and check type, kept by triggers from reply_checks (migration 004), and the
-- checks run on each replay.

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
);
-- "Reports whose reply failed this check type": the failing replies of a type, by id.
CREATE INDEX reply_check_types_failed ON reply_check_types (check_id, reply_id) WHERE ok = 0;
-- The overview: first replies (rewrites are not counted) per day and type, answered from the index alone.
CREATE INDEX reply_check_types_day ON reply_check_types (checked_at, check_id, ok) WHERE rewrite = 0;

-- A type is ok when every check of it passed: min over the 0/1 of each result's JSON boolean `ok`, as
-- SQLite's json_extract gives it.
INSERT INTO reply_check_types (reply_id, check_id, ok, rewrite, checked_at)
  SELECT c.reply_id, e ->> 'id', min(((e ->> 'ok')::boolean)::integer), (c.rewrite_of IS NOT NULL)::integer,
         c.checked_at
    FROM reply_checks c, jsonb_array_elements(c.results_json::jsonb) e
   GROUP BY c.reply_id, e ->> 'id';

CREATE FUNCTION reply_check_types_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO reply_check_types (reply_id, check_id, ok, rewrite, checked_at)
    SELECT NEW.reply_id, e ->> 'id', min(((e ->> 'ok')::boolean)::integer), (NEW.rewrite_of IS NOT NULL)::integer,
           NEW.checked_at
      FROM jsonb_array_elements(NEW.results_json::jsonb) e GROUP BY e ->> 'id';
  RETURN NULL;
END
$$;
CREATE TRIGGER reply_check_types_insert AFTER INSERT ON reply_checks
  FOR EACH ROW EXECUTE FUNCTION reply_check_types_insert();

-- A re-check (an upsert) replaces the rows; so does a rewrite whose first reply was deleted (rewrite_of
-- cleared by ON DELETE SET NULL, which fires this trigger on PostgreSQL as on SQLite).
CREATE FUNCTION reply_check_types_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM reply_check_types WHERE reply_id = OLD.reply_id;
  INSERT INTO reply_check_types (reply_id, check_id, ok, rewrite, checked_at)
    SELECT NEW.reply_id, e ->> 'id', min(((e ->> 'ok')::boolean)::integer), (NEW.rewrite_of IS NOT NULL)::integer,
           NEW.checked_at
      FROM jsonb_array_elements(NEW.results_json::jsonb) e
     -- Unlike SQLite, PostgreSQL runs this after the whole statement: a forget-me deleting a reply and its
     -- rewrite together clears rewrite_of on a row whose reply is gone by then, which must add nothing.
     WHERE EXISTS (SELECT 1 FROM replies WHERE id = NEW.reply_id)
     GROUP BY e ->> 'id';
  RETURN NULL;
END
$$;
CREATE TRIGGER reply_check_types_update AFTER UPDATE ON reply_checks
  FOR EACH ROW EXECUTE FUNCTION reply_check_types_update();

CREATE FUNCTION reply_check_types_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM reply_check_types WHERE reply_id = OLD.reply_id;
  RETURN NULL;
END
$$;
CREATE TRIGGER reply_check_types_delete AFTER DELETE ON reply_checks
  FOR EACH ROW EXECUTE FUNCTION reply_check_types_delete();

-- The checks in force run on a replay's text, as JSON ({ passed, results }); NULL when none applied.
ALTER TABLE replays ADD COLUMN checks_json TEXT NULL;

import type { SqlClient } from '../../src/core/storage/sql.js';

/** The time every row is stamped with. */
export const AT = '2026-01-01T00:00:00.000Z';

/** A few hand-written rows in every table the migrations create (and, through triggers, the derived ones). */
export async function fillEveryTable(sql: SqlClient): Promise<void> {
  await sql.exec(`
    INSERT INTO instruction_versions (platform, workspace_id, scope_kind, scope_id, version, about, respond, enabled,
      action, actor_id, restored_from, created_at)
    VALUES ('slack', 'T1', 'user', 'U1', 1, 'me', 'brief', 1, 'set', 'U1', NULL, '${AT}'),
           ('slack', 'T1', 'user', 'U1', 2, 'me', 'no commas', 1, 'set', 'U1', NULL, '${AT}'),
           ('discord', 'G1', 'channel', 'C9', 1, '', 'formal', 0, 'set', 'U2', 1, '${AT}');
    INSERT INTO instruction_checks (version_id, checks_json, extractor, derived_at)
    VALUES (2, '[{"label":"no commas","anyOf":[{"id":"punctuation:no_comma","params":{}}]}]', 'rules', '${AT}');
    INSERT INTO snapshot_pieces (id, content, refs) VALUES ('piece1', 'You are Heed.', 2);
    INSERT INTO replies (id, platform, workspace_id, channel_id, thread_id, source_message_id, asker_id, model,
      params_json, instruction_versions_json, messages_json, reply_text, status, error, latency_ms, first_token_ms,
      prompt_tokens, completion_tokens, created_at)
    VALUES ('r1', 'slack', 'T1', 'C1', NULL, 'M1', 'U1', 'gpt', '{}', '[1,2]',
            '[{"role":"system","piece":"piece1"},{"role":"user","content":"hi, there"}]', 'Hello, there', 'complete',
            NULL, 120, 30, 50, 7, '${AT}'),
           ('r2', 'slack', 'T1', 'C1', 'M1', 'M2', 'U1', 'gpt', '{}', '[2]',
            '[{"role":"system","piece":"piece1"}]', 'Hello there', 'complete', NULL, 80, NULL, NULL, NULL, '${AT}'),
           ('r3', 'discord', 'G1', 'C9', NULL, 'M3', 'U2', 'gpt', '{}', '[]', '[]', '', 'failed', 'timeout', 9000,
            NULL, NULL, NULL, '${AT}');
    INSERT INTO reply_messages (platform, workspace_id, channel_id, message_id, reply_id)
    VALUES ('slack', 'T1', 'C1', 'B1', 'r1'), ('slack', 'T1', 'C1', 'B2', 'r1'), ('slack', 'T1', 'C1', 'B3', 'r2');
    INSERT INTO message_claims (platform, workspace_id, channel_id, message_id, owner, status, reply_id, claimed_at,
      completed_at)
    VALUES ('slack', 'T1', 'C1', 'M1', 'host-a', 'done', 'r1', '${AT}', '${AT}'),
           ('slack', 'T1', 'C1', 'M4', 'host-a', 'in_flight', NULL, '${AT}', NULL);
    INSERT INTO reply_checks (reply_id, passed, failed_count, results_json, rewrite_of, checked_at)
    VALUES ('r1', 0, 1, '[{"layer":"user","id":"punctuation:no_comma","label":"no commas","ok":false}]', NULL, '${AT}'),
           ('r2', 1, 0, '[{"layer":"user","id":"punctuation:no_comma","label":"no commas","ok":true}]', 'r1', '${AT}');
    INSERT INTO reply_applied (reply_id, applied_json) VALUES ('r1', '{"versions":[2]}');
    INSERT INTO reports (id, reply_id, platform, workspace_id, reporter_id, source, signal, status, note, created_at,
      updated_at)
    VALUES ('rep1', 'r1', 'slack', 'T1', 'U1', 'button', 'bad', 'open', 'It used commas', '${AT}', '${AT}'),
           ('rep2', 'r1', 'slack', 'T1', 'auto', 'automatic', 'bad', 'triaged', NULL, '${AT}', '${AT}'),
           ('rep3', 'r3', 'discord', 'G1', 'U2', 'command', 'good', 'resolved', 'ok', '${AT}', '${AT}');
    DELETE FROM reports WHERE id = 'rep3';
    INSERT INTO replays (id, report_id, reply_id, model, params_json, instruction_versions_json, messages_json,
      reply_text, status, error, latency_ms, requested_from, created_at, checks_json)
    VALUES ('rp1', 'rep1', 'r1', 'gpt', '{}', '[2]', '[]', 'Hello there', 'complete', NULL, 70, '127.0.0.1', '${AT}',
            '{"passed":true,"results":[]}');
    INSERT INTO dashboard_audit (at, action, report_id, from_status, to_status, remote, user_agent)
    VALUES ('${AT}', 'triage', 'rep2', 'open', 'triaged', '127.0.0.1', 'test'),
           ('${AT}', 'replay', 'rep1', NULL, NULL, '127.0.0.1', 'test');
    INSERT INTO edit_suggestions (report_id, before, after, status, created_at, decided_at)
    VALUES ('rep1', 'no commas', 'no commas at all', 'offered', '${AT}', NULL);
    INSERT INTO request_claims (platform, workspace_id, request_id, claimed_at) VALUES ('slack', 'T1', 'trig1', '${AT}');
    INSERT INTO deployment_secrets (name, value, created_at) VALUES ('fence', 'c2VjcmV0', '${AT}');
    INSERT INTO compliance_opt_outs (platform, workspace_id, user_id, created_at) VALUES ('slack', 'T1', 'U9', '${AT}');
    INSERT INTO person_settings (profile_key, show_applied, updated_at) VALUES ('slack:T1:U1', 1, '${AT}');
    INSERT INTO profile_links (platform, workspace_id, user_id, profile_id, linked_at)
    VALUES ('slack', 'T1', 'U1', 'prof1', '${AT}'), ('discord', 'G1', 'U2', 'prof1', '${AT}');
    INSERT INTO link_codes (code_hash, platform, workspace_id, user_id, expires_at)
    VALUES ('hash1', 'slack', 'T1', 'U3', '${AT}');
    INSERT INTO link_attempts (platform, workspace_id, user_id, attempted_at)
    VALUES ('slack', 'T1', 'U3', '${AT}'), ('slack', 'T1', 'U3', '${AT}'), ('slack', 'T1', 'U4', '${AT}');
  `);
}

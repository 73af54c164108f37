import { expect, it } from 'vitest';
import { Sessions } from '../../src/dashboard/auth.js';
import { eachBackend } from '../support/test-databases.js';

eachBackend('dashboard sessions', (database) => {
  it('GIVEN a session made by one replica THEN another on the same database knows it, until logout or expiry', async () => {
    let now = 1_000_000;
    const first = new Sessions(database(), () => now);
    const second = new Sessions(database(), () => now);
    const session = await first.create();
    expect(await second.get(session.id)).toEqual(session);
    expect(await second.get('not-a-session')).toBeUndefined();
    await second.delete(session.id);
    expect(await first.get(session.id)).toBeUndefined();

    const later = await first.create();
    now = later.expiresAt;
    expect(await second.get(later.id)).toBeUndefined();
  });

  it('GIVEN a stored session THEN the database holds only a hash of its id, and expired rows are swept', async () => {
    let now = 2_000_000;
    const sessions = new Sessions(database(), () => now);
    const session = await sessions.create();
    const rows = await database().all<{ id_hash: string }>('SELECT id_hash FROM dashboard_sessions');
    expect(rows).toHaveLength(1);
    expect(rows[0]?.id_hash).not.toContain(session.id);
    now = session.expiresAt + 60_000;
    await sessions.create();
    expect(await database().value('SELECT COUNT(*) FROM dashboard_sessions')).toBe(1);
  });
});

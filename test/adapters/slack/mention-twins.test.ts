/**
 * MentionTwins: of a mention's two copies (`app_mention` and `message`), the second is recognised; a
 * redelivery of the same type, other messages and other subtypes are not twins, and copies are forgotten
 * after a minute.
 */
import { describe, expect, it } from 'vitest';
import { MentionTwins } from '../../../src/adapters/slack/mention-twins.js';

const copy = (type: string, ts: string, extra: Record<string, unknown> = {}) => ({
  type: 'event_callback',
  team_id: 'T1',
  event: { type, channel: 'C1', ts, user: 'U1', text: '<@UBOT> hi', ...extra },
});

describe('MentionTwins', () => {
  it('GIVEN an app_mention and its message twin, in either order THEN the second is the twin', () => {
    const twins = new MentionTwins();
    expect(twins.isTwin(copy('app_mention', '1.1'), 0)).toBe(false);
    expect(twins.isTwin(copy('message', '1.1'), 5)).toBe(true);
    expect(twins.isTwin(copy('message', '2.1'), 10)).toBe(false);
    expect(twins.isTwin(copy('app_mention', '2.1'), 15)).toBe(true);
  });

  it('GIVEN a redelivery of the same type THEN it is not a twin (the core decides on it)', () => {
    const twins = new MentionTwins();
    expect(twins.isTwin(copy('app_mention', '1.1'), 0)).toBe(false);
    expect(twins.isTwin(copy('app_mention', '1.1'), 1_000)).toBe(false);
  });

  it('GIVEN other workspaces, channels, subtypes or event types THEN nothing is a twin', () => {
    const twins = new MentionTwins();
    expect(twins.isTwin(copy('app_mention', '1.1'), 0)).toBe(false);
    expect(twins.isTwin({ ...copy('message', '1.1'), team_id: 'T2' }, 1)).toBe(false);
    expect(twins.isTwin(copy('message', '1.1', { channel: 'C2' }), 2)).toBe(false);
    expect(twins.isTwin(copy('message', '1.1', { subtype: 'message_changed' }), 3)).toBe(false);
    expect(twins.isTwin(copy('reaction_added', '1.1'), 4)).toBe(false);
    expect(twins.isTwin({ type: 'event_callback', team_id: 'T1' }, 5)).toBe(false);
  });

  it('GIVEN a file shared with a mention THEN its message twin (subtype file_share) is recognised', () => {
    const twins = new MentionTwins();
    expect(twins.isTwin(copy('app_mention', '1.1'), 0)).toBe(false);
    expect(twins.isTwin(copy('message', '1.1', { subtype: 'file_share' }), 1)).toBe(true);
  });

  it('GIVEN a copy a minute later THEN the first is forgotten and it goes through', () => {
    const twins = new MentionTwins();
    expect(twins.isTwin(copy('app_mention', '1.1'), 0)).toBe(false);
    expect(twins.isTwin(copy('app_mention', '9.9'), 59_000)).toBe(false);
    expect(twins.isTwin(copy('message', '1.1'), 60_000)).toBe(false);
    expect(twins.isTwin(copy('message', '9.9'), 60_001)).toBe(true);
  });
});

import { randomBytes } from 'node:crypto';

/**
 * A short id that sorts by creation time: 9 base-36 characters of milliseconds since the epoch
 * (fixed width until the year 5188) followed by 12 random hex characters (48 bits). Sortable ids keep
 * related rows together in the primary-key index and make exports read in order.
 */
export function newId(at: Date): string {
  return at.getTime().toString(36).padStart(9, '0') + randomBytes(6).toString('hex');
}

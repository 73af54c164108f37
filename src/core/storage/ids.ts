import { randomBytes } from 'node:crypto';

/** The random part starts below 2^47, so counting up within one millisecond never runs out of room. */
const RANDOM_START_LIMIT = 2 ** 47;

let lastMs = Number.NaN;
let lastRandom = 0;

/**
 * A short id that sorts by creation time: 9 base-36 characters of milliseconds since the epoch
 * (fixed width until the year 5188) followed by 12 hex characters (48 bits), random for a new
 * millisecond and one more than the last id's for another id in the same one. Sortable ids keep related
 * rows together in the primary-key index and make exports read in order; counting within a millisecond
 * makes ids made one after another in a process sort in that order, the tie-break PostgreSQL uses
 * where SQLite has its rowid.
 */
export function newId(at: Date): string {
  const ms = at.getTime();
  lastRandom = ms === lastMs ? lastRandom + 1 : randomBytes(6).readUIntBE(0, 6) % RANDOM_START_LIMIT;
  lastMs = ms;
  return idsBefore(at) + lastRandom.toString(16).padStart(12, '0');
}

/**
 * The bound below which every id made before `at` sorts, and no id made at or after it: `id < idsBefore(at)`
 * selects rows by creation time through the primary key, with no index on a date of their own.
 */
export function idsBefore(at: Date): string {
  return at.getTime().toString(36).padStart(9, '0');
}

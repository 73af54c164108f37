const DAY_MS = 86_400_000;

/** The ISO-8601 UTC instant `days` days before `now`: the cutoff for retention purges. */
export function daysBefore(now: Date, days: number): string {
  return new Date(now.getTime() - days * DAY_MS).toISOString();
}

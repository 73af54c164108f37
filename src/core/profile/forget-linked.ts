/**
 * forget-me across a link: a person linked on several platforms is one person, so forgetting them on
 * either side deletes every linked identity's data and the shared profile, in one transaction.
 */
import { deletePerson, type ForgottenCounts, type PersonalData } from '../privacy/forget-me.js';
import type { PersonRef, Platform } from '../types.js';
import { ownKey, type Linking } from './linking.js';
import type { ProfileStore } from './profile-store.js';

/** What was deleted, and on which other platforms. */
export interface ForgottenEverywhere extends ForgottenCounts {
  elsewhere: Platform[];
}

/** Delete the person and every identity linked to them, with their shared profile; `names` are their display names. */
export function forgetEverywhere(
  data: PersonalData,
  linking: Linking,
  profiles: ProfileStore,
  person: PersonRef,
  names: readonly string[],
): ForgottenEverywhere {
  return data.db.transaction(() => {
    const identities = linking.identities(person);
    const profileId = profiles.profileOf(person);
    const totals: ForgottenEverywhere = { versions: 0, replies: 0, reports: 0, redacted: 0, elsewhere: [] };
    if (profileId) totals.versions += profiles.forgetProfile(profileId, `profile:${profileId}`);
    for (const identity of identities) {
      const counts = deletePerson(data, identity, names);
      totals.versions += counts.versions;
      totals.replies += counts.replies;
      totals.reports += counts.reports;
      totals.redacted += counts.redacted;
      profiles.forgetIdentity(identity, ownKey(identity));
    }
    const others = identities.slice(1).map((identity) => identity.platform);
    totals.elsewhere = [...new Set(others)];
    return totals;
  })();
}

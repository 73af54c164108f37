/**
 * forget-me across a link: a person linked on several platforms is one person, so forgetting them on
 * either side deletes every linked identity's data and the shared profile, in one transaction.
 */
import { deletePerson, type ForgottenCounts, type PersonalData } from '../privacy/forget-me.js';
import type { PersonRef, Platform } from '../types.js';
import { ownKey, type Linking } from './linking.js';
import { ProfileStore } from './profile-store.js';

/** What was deleted, and on which other platforms. */
export interface ForgottenEverywhere extends ForgottenCounts {
  elsewhere: Platform[];
}

/** Delete the person and every identity linked to them, with their shared profile; `names` are their display names. */
export async function forgetEverywhere(
  data: PersonalData,
  linking: Linking,
  person: PersonRef,
  names: readonly string[],
): Promise<ForgottenEverywhere> {
  return data.db.transaction(async (tx) => {
    const profiles = new ProfileStore(tx);
    const onTx: PersonalData = { db: tx };
    const identities = await linking.identities(person, profiles);
    const profileId = await profiles.profileOf(person);
    const totals: ForgottenEverywhere = { versions: 0, replies: 0, reports: 0, redacted: 0, elsewhere: [] };
    if (profileId) totals.versions += await profiles.forgetProfile(profileId, `profile:${profileId}`);
    for (const identity of identities) {
      const counts = await deletePerson(onTx, identity, names);
      totals.versions += counts.versions;
      totals.replies += counts.replies;
      totals.reports += counts.reports;
      totals.redacted += counts.redacted;
      await profiles.forgetIdentity(identity, ownKey(identity));
    }
    const others = identities.slice(1).map((identity) => identity.platform);
    totals.elsewhere = [...new Set(others)];
    return totals;
  });
}

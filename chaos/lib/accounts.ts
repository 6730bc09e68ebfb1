import { seedSandboxAccounts, type Channel, type RunningStack, type SandboxAccounts, type SandboxTarget } from '@autoposter/stack';
import type { ApiClient } from './api.ts';

export type { Channel };

export interface DrillAccounts {
  /** Several identities of every kind, so deliveries of one channel run side by side. */
  sets: SandboxAccounts[];
  /** The fake Facebook user id behind each browser account (for its faults). */
  browserUsers: string[];
}

/** `sets` fresh accounts of every kind for the drill's user, created through the API and seeded into the fakes. */
export async function seedDrillAccounts(stack: RunningStack, api: ApiClient, sets: number): Promise<DrillAccounts> {
  const seeded: SandboxAccounts[] = [];
  for (let n = 1; n <= sets; n++) {
    seeded.push(await seedSandboxAccounts({ apiUrl: api.base, token: api.token, fakeGraphUrl: stack.urls.fakeGraph!, fakeFacebookUrl: stack.urls.fakeFacebook!, namePrefix: `Chaos${n}` }));
  }
  return { sets: seeded, browserUsers: seeded.flatMap((set) => [set.marketplace.fakeUserId, set.facebookGroup.fakeUserId]) };
}

/** The n-th target of a channel, round robin over the sets. */
export function targetFor(accounts: DrillAccounts, channel: Channel, n: number): SandboxTarget {
  return accounts.sets[n % accounts.sets.length]!.targets.find((target) => target.channel === channel)!;
}

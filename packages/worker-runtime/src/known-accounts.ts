import type { Account } from '@autoposter/db/repositories/accounts';
import type { ClaimInput } from '@autoposter/db/repositories/delivery-runs';

/** What pacing needs of an account. */
export type PacingInputs = Pick<Account, 'id' | 'kind' | 'cooldownUntil' | 'limits'>;

/** Accounts remembered at most; past that the longest unused is forgotten (a miss costs one read). */
const DEFAULT_CAPACITY = 10_000;

/**
 * The pacing inputs of the accounts this worker has read, so that a job naming its account can
 * be paced before its delivery is read. Never trusted alone: such a job's claim only lands if
 * the account still has these limits and no cooldown (`pacedAs`), and otherwise the job takes
 * the path that reads first, which refreshes the entry.
 */
export class KnownAccounts {
  private readonly byId = new Map<string, PacingInputs>();

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  recall(accountId: string | undefined): PacingInputs | undefined {
    const known = accountId === undefined ? undefined : this.byId.get(accountId);
    if (known) this.touch(known);
    return known;
  }

  remember(account: Account): void {
    this.touch({ id: account.id, kind: account.kind, cooldownUntil: account.cooldownUntil, limits: account.limits });
  }

  private touch(inputs: PacingInputs): void {
    this.byId.delete(inputs.id);
    this.byId.set(inputs.id, inputs);
    if (this.byId.size > this.capacity) this.byId.delete(this.byId.keys().next().value!);
  }
}

/** The claim condition for a delivery paced from what this worker remembered of its account. */
export const pacedAs = (known: PacingInputs): NonNullable<ClaimInput['pacedAs']> => ({ accountId: known.id, limits: known.limits });

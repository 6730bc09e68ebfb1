import type { Drill } from '../lib/drill.ts';
import { cancelRaces } from './cancel-races.ts';
import { hostileInput } from './hostile-input.ts';
import { providerFaults } from './provider-faults.ts';
import { postgresOutage } from './postgres-outage.ts';
import { redisLoss } from './redis-loss.ts';
import { soak } from './soak.ts';
import { workerKills } from './worker-kills.ts';

/** Every drill, in the order `pnpm chaos` runs them. */
export const drills: Record<string, Drill> = {
  'worker-kills': workerKills,
  'redis-loss': redisLoss,
  'postgres-outage': postgresOutage,
  'provider-faults': providerFaults,
  'cancel-races': cancelRaces,
  'hostile-input': hostileInput,
  soak,
};

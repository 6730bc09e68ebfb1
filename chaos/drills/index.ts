import type { Drill } from '../lib/drill.ts';
import { workerKills } from './worker-kills.ts';

/** Every drill, in the order `pnpm chaos` runs them. */
export const drills: Record<string, Drill> = {
  'worker-kills': workerKills,
};

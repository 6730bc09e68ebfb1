// `pnpm chaos [drill...]`: runs the named fault drills (all of them without a name), one after
// the other, each on a stack of its own, and prints each one's figures and PASS/MISS lines.
// `--short` (or CHAOS_SHORT=1) runs the short rounds that `pnpm test` runs. Exits non-zero when
// a drill missed a target or could not run to the end.
import { loadavg } from 'node:os';
import { drills } from './drills/index.ts';
import { runDrill } from './lib/drill.ts';
import { formatDrillResult } from './lib/report.ts';

const args = process.argv.slice(2);
const short = args.includes('--short') || process.env.CHAOS_SHORT === '1';
const requested = args.filter((arg) => !arg.startsWith('--'));
const unknown = requested.filter((name) => !Object.hasOwn(drills, name));
if (unknown.length > 0) {
  console.error(`Unknown drill ${unknown.join(', ')}. Available:`);
  for (const [name, drill] of Object.entries(drills)) console.error(`  ${name.padEnd(16)} ${drill.describe}`);
  process.exit(2);
}

const load = () => loadavg().map((value) => value.toFixed(2)).join(' ');
const adminDatabaseUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

let failed = 0;
for (const name of requested.length > 0 ? requested : Object.keys(drills)) {
  const drill = drills[name]!;
  console.log(`\n=== ${name}: ${drill.describe}${short ? ' (short round)' : ''} (load average ${load()})`);
  const started = performance.now();
  try {
    const result = await runDrill(name, drill, { adminDatabaseUrl, short });
    console.log(formatDrillResult(result));
    if (result.targets.some((target) => !target.met)) failed++;
  } catch (err) {
    console.error(`  could not run: ${(err as Error).stack ?? err}`);
    failed++;
  }
  console.log(`=== ${name}: done in ${Math.round((performance.now() - started) / 1000)} s (load average ${load()})`);
}
process.exit(failed > 0 ? 1 : 0);

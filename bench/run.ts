// `pnpm bench [name...]`: runs the named benchmarks (all of them without a name), each in a
// process of its own, one after the other. A benchmark prints its figures and a PASS/MISS
// line; this exits non-zero only when one could not run to the end.
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { exitCodeOf, forkTypeScript } from './lib/processes.ts';

const benchmarks = {
  api: 'gateway vs bare Fastify + pg inserts; GET /api/posts over 1M posts (issue 2)',
  memory: 'Redis bytes per scheduled delivery, next month and within the horizon (issue 3)',
  dispatch: 'runtime deliveries/s vs raw BullMQ (issue 3)',
  lateness: 'publisher call time - due_at for 10,000 deliveries due within a minute (issue 3)',
  fuzz: 'every OpenAPI operation under >= 10,000 hostile requests: 5xx and bodies without code (issue 16)',
  meta: 'Meta worker vs direct Graph calls against the fake Graph API; concurrency 1/8/32 at 200 ms per call (issue 17)',
  notifier: 'WebSocket fan-out latency and throughput vs a bare ws + Redis pub/sub server; replay (issue 19)',
  marketplace: 'listings through the browser worker vs a bare Playwright script; concurrency 1/2/4; memory (issue 18)',
  web: "dashboard posts page over 10,000 posts in Chromium vs a bare Vite React page: time to interactive, JS shipped (issue 21)",
} as const;

type Benchmark = keyof typeof benchmarks;
const isBenchmark = (name: string): name is Benchmark => Object.hasOwn(benchmarks, name);

const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !isBenchmark(name));
if (unknown.length > 0) {
  console.error(`Unknown benchmark ${unknown.join(', ')}. Available:`);
  for (const [name, what] of Object.entries(benchmarks)) console.error(`  ${name.padEnd(9)} ${what}`);
  process.exit(2);
}

/** The figures depend on what else the machine is doing: say how busy it was. */
const load = () => loadavg().map((value) => value.toFixed(2)).join(' ');

const failed: string[] = [];
for (const name of requested.length > 0 ? (requested as Benchmark[]) : (Object.keys(benchmarks) as Benchmark[])) {
  console.log(`\n=== ${name}: ${benchmarks[name]} (load average ${load()})`);
  const started = performance.now();
  const code = await exitCodeOf(forkTypeScript(fileURLToPath(new URL(`./${name}.ts`, import.meta.url))));
  console.log(`=== ${name}: ${code === 0 ? 'done' : `FAILED (exit code ${code})`} in ${Math.round((performance.now() - started) / 1000)}s (load average ${load()})`);
  if (code !== 0) failed.push(name);
}
process.exit(failed.length > 0 ? 1 : 0);

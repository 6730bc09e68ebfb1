/**
 * `pnpm stack`: the whole platform as local processes (gateway, notifier, both workers, both
 * fakes), each started by its own `start` script with its output prefixed by its name.
 * Ctrl-C or SIGTERM stops them all gracefully; a service that exits stops the others, so
 * nothing half-runs silently. Once every service answers /readyz, prints where things are.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { concurrently } from 'concurrently';
import { answersReady, stackPlan, type StackService } from '@autoposter/stack';
import { printWelcome } from './stack-welcome.ts';

const READY_TIMEOUT_MS = 120_000;

async function main() {
  const root = resolve(import.meta.dirname, '..');
  const envFile = resolve(root, '.env');
  // Variables already set in the shell win over .env, as with node --env-file.
  if (existsSync(envFile)) process.loadEnvFile(envFile);
  const plan = stackPlan(process.env, root);

  const { result } = concurrently(
    plan.services.map((service) => ({
      name: service.name,
      command: service.command,
      cwd: root,
      env: { ...plan.sharedEnv, ...service.env },
    })),
    {
      prefix: 'name',
      padPrefix: true,
      killOthersOn: ['failure', 'success'],
      killSignal: 'SIGTERM',
      // Longer than SHUTDOWN_GRACE_MS: a worker finishes or hands back its jobs first.
      killTimeout: 35_000,
    },
  );
  const stopped = result.then(
    () => true,
    () => false,
  );

  const ready = await Promise.race([waitUntilReady(plan.services), stopped.then(() => null)]);
  if (ready) await printWelcome(plan).catch((err: Error) => console.error(`stack: ${err.message}`));
  else if (ready === false) console.error(`stack: not every service answered /readyz within ${READY_TIMEOUT_MS / 1000} s`);

  const clean = await stopped;
  process.exit(clean ? 0 : 1);
}

/** True once every service is ready (see `readyPath`); false after the timeout. */
async function waitUntilReady(services: StackService[]): Promise<boolean> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  const pending = new Set(services);
  while (pending.size && Date.now() < deadline) {
    for (const service of [...pending]) if (await answersReady(service)) pending.delete(service);
    if (pending.size) await new Promise((done) => setTimeout(done, 500));
  }
  return pending.size === 0;
}

await main();

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runMigrations, withConnection } from '@autoposter/db';
import { freePort } from './free-port.ts';
import { ProcessGroup } from './process-group.ts';
import { answersReady, stackPlan, type StackPlan, type StackService } from './stack-plan.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const READY_TIMEOUT_MS = 180_000;

export interface StackOptions {
  /** A Postgres database to create the stack's own database from (trust auth). */
  adminDatabaseUrl: string;
  /** An already migrated database to clone, instead of migrating a new one. */
  templateDatabase?: string;
  redisUrl: string;
  /** How long every service gets to answer ready (180 s by default; a loaded machine may need more). */
  readyTimeoutMs?: number;
  /**
   * `launcher`: one `pnpm stack`, exactly as the README starts the platform. `processes`: each
   * service's `start` script on its own, so that a drill can kill and restart one.
   */
  mode?: 'launcher' | 'processes';
  /** Worker processes per worker service in `processes` mode (1 by default). */
  replicas?: { 'meta-worker'?: number; 'marketplace-worker'?: number };
  /** Settings on top of the quick ones below (say, `RETRY_DELAYS`). */
  env?: Record<string, string>;
  /** Print every service's output as it comes (STACK_ECHO=1 does too). */
  echo?: boolean;
  /**
   * The `DATABASE_URL` the services get for the stack's database, when they must reach it some
   * other way than directly (a fault drill's TCP proxy in front of Postgres).
   */
  serviceDatabaseUrl?: (databaseUrl: string) => string | Promise<string>;
}

export interface RunningStack {
  urls: StackPlan['urls'];
  /** What every service got: database, Redis, prefix, secrets, provider URLs. */
  env: Record<string, string>;
  /** The stack's database, reached directly (not through `serviceDatabaseUrl`). */
  databaseUrl: string;
  /** The names of the processes in `processes` mode (`meta-worker`, `meta-worker-2`, ...). */
  names(): string[];
  /** Signals one service's whole process tree (SIGKILL: a crash). */
  kill(name: string, signal?: NodeJS.Signals): Promise<void>;
  /** Starts a stopped service again and waits until it is ready. */
  restart(name: string): Promise<void>;
  isRunning(name: string): boolean;
  /** Where a service answers (its /healthz, /readyz, /metrics). */
  url(name: string): string;
  /** The process group of a service: every process it started (a worker's Chromium too) is in it. */
  processGroupId(name: string): number;
  /** The last lines every process printed. */
  output(): string;
  /** SIGTERM to everything; resolves once every process is gone (or was killed after the grace). */
  stop(): Promise<{ exitedByItself: boolean }>;
}

/** Quick timings so a run settles in seconds: no pacing gaps, short retries, fast dispatch. */
const QUICK_ENV: Record<string, string> = {
  SANDBOX: 'true',
  LOG_LEVEL: 'warn',
  DISPATCH_INTERVAL: '1s',
  RETRY_DELAYS: '1s,2s,4s',
  DEFAULT_MIN_GAP_SECONDS: '0',
  DEFAULT_DAILY_CAP: '100000',
  DEFAULT_BROWSER_MIN_GAP_SECONDS: '0',
  DEFAULT_BROWSER_DAILY_CAP: '100000',
  BROWSER_ACTION_DELAY: '0ms-20ms',
  BROWSER_TYPING_DELAY: '0ms-2ms',
  SHUTDOWN_GRACE_MS: '15000',
  LOGIN_RATE_LIMIT: '1000',
  WEBHOOK_ALLOW_PRIVATE: 'true',
};

/** The platform as real processes on free ports, with a database, prefix and media directory of its own. */
export async function startStack(options: StackOptions): Promise<RunningStack> {
  const database = await createStackDatabase(options.adminDatabaseUrl, options.templateDatabase);
  const mediaDir = mkdtempSync(join(tmpdir(), 'autoposter-stack-media-'));
  const env = await stackEnv(options, options.serviceDatabaseUrl ? await options.serviceDatabaseUrl(database.url) : database.url, mediaDir);
  const plan = stackPlan(env, ROOT);
  const echo = options.echo || process.env.STACK_ECHO === '1' ? (line: string) => process.stderr.write(`${line}\n`) : undefined;
  const groups = new Map<string, ProcessGroup>();
  const services = new Map<string, StackService>();

  const startService = (service: StackService) => {
    groups.set(service.name, new ProcessGroup(service.name, service.command, { cwd: ROOT, env: { ...env, ...plan.sharedEnv, ...service.env }, echo }));
  };

  if (options.mode === 'processes') {
    for (const service of await withReplicas(plan.services, options.replicas ?? {})) services.set(service.name, service);
    for (const service of services.values()) startService(service);
  } else {
    groups.set('stack', new ProcessGroup('stack', 'pnpm --silent stack', { cwd: ROOT, env, echo }));
  }
  const output = () => [...groups.values()].map((group) => `--- ${group.name}\n${group.output()}`).join('\n');

  const stop = async () => {
    for (const group of groups.values()) group.signal('SIGTERM');
    let exitedByItself = true;
    for (const group of groups.values()) exitedByItself = (await group.waitUntilGone(45_000)) && exitedByItself;
    rmSync(mediaDir, { recursive: true, force: true });
    await database.drop();
    return { exitedByItself };
  };

  try {
    await waitUntilReady(options.mode === 'processes' ? [...services.values()] : plan.services, [...groups.values()], options.readyTimeoutMs);
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n${output()}`);
  }

  const group = (name: string) => {
    const found = groups.get(name);
    if (!found || !services.has(name)) throw new Error(`no service ${name} in this stack (processes mode only)`);
    return found;
  };
  return {
    urls: plan.urls,
    env: { ...env, ...plan.sharedEnv },
    databaseUrl: database.url,
    names: () => [...services.keys()],
    async kill(name, signal = 'SIGKILL') {
      const target = group(name);
      target.signal(signal);
      await target.waitUntilGone(45_000);
    },
    async restart(name) {
      if (group(name).isAlive()) throw new Error(`${name} is still running`);
      const service = services.get(name)!;
      startService(service);
      await waitUntilReady([service], [groups.get(name)!], options.readyTimeoutMs);
    },
    isRunning: (name) => group(name).isAlive(),
    url: (name) => {
      group(name);
      return services.get(name)!.url;
    },
    processGroupId: (name) => group(name).pid,
    output,
    stop,
  };
}

async function stackEnv(options: StackOptions, databaseUrl: string, mediaDir: string): Promise<Record<string, string>> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name, value]) => value !== undefined && !/^(VITEST|NODE_ENV$|TEST$)/.test(name)),
  ) as Record<string, string>;
  const ports = await Promise.all(['API_PORT', 'NOTIFIER_PORT', 'META_WORKER_PORT', 'MARKETPLACE_WORKER_PORT', 'FAKE_GRAPH_PORT', 'FAKE_FACEBOOK_PORT'].map(async (name) => [name, String(await freePort())]));
  return {
    ...inherited,
    ...QUICK_ENV,
    ...Object.fromEntries(ports),
    STACK_HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    REDIS_URL: options.redisUrl,
    QUEUE_PREFIX: `{s${randomBytes(5).toString('hex')}}`,
    MEDIA_DIR: mediaDir,
    JWT_SECRET: randomBytes(32).toString('hex'),
    SECRETS_KEYS: `v1=${randomBytes(32).toString('base64')}`,
    MEDIA_URL_SECRET: randomBytes(32).toString('hex'),
    SANDBOX_PASSWORD: '',
    ...options.env,
  };
}

/** Extra copies of the workers, each on a port and with a worker id of its own. */
async function withReplicas(services: StackService[], replicas: NonNullable<StackOptions['replicas']>): Promise<StackService[]> {
  const all: StackService[] = [];
  for (const service of services) {
    const count = replicas[service.name as keyof typeof replicas] ?? 1;
    // With replicas, each records its own name on the attempts it makes (a drill asks who held what).
    all.push(count > 1 ? { ...service, env: { ...service.env, WORKER_ID: service.name } } : service);
    for (let n = 2; n <= count; n++) {
      const port = await freePort();
      const url = new URL(service.url);
      url.port = String(port);
      all.push({ ...service, name: `${service.name}-${n}`, url: url.origin, env: { ...service.env, PORT: String(port), WORKER_ID: `${service.name}-${n}` } });
    }
  }
  return all;
}

async function waitUntilReady(services: StackService[], groups: ProcessGroup[], timeoutMs = READY_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(services);
  while (pending.size) {
    if (Date.now() > deadline) throw new Error(`not ready within ${timeoutMs / 1000} s: ${[...pending].map((s) => s.name).join(', ')}`);
    const dead = groups.find((group) => !group.isAlive());
    if (dead) throw new Error(`${dead.name} exited before the stack was ready`);
    for (const service of [...pending]) if (await answersReady(service)) pending.delete(service);
    if (pending.size) await new Promise((done) => setTimeout(done, 300));
  }
}

async function createStackDatabase(adminUrl: string, template?: string) {
  const name = `autoposter_t_stack_${randomBytes(5).toString('hex')}`;
  await adminQuery(adminUrl, `create database "${name}"${template ? ` template "${template}"` : ''}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  if (!template) await runMigrations(url.toString());
  return {
    url: url.toString(),
    drop: () => adminQuery(adminUrl, `drop database if exists "${name}" with (force)`),
  };
}

const adminQuery = (url: string, sql: string) => withConnection(url, (client) => client.query(sql));

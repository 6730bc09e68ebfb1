import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Keyring } from '@autoposter/crypto';
import { formatKeyring } from '@autoposter/config';

export interface WorkerProcessOptions {
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
  queueName: string;
  providerUrl: string;
  keyring: Keyring;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  workerId?: string;
}

export interface WorkerChild {
  process: ChildProcess;
  /** Resolves with the exit code or signal once the process is gone. */
  exited: Promise<number | NodeJS.Signals | null>;
  kill(signal?: NodeJS.Signals): Promise<number | NodeJS.Signals | null>;
}

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const entry = fileURLToPath(new URL('./worker-process.ts', import.meta.url));

/** Starts worker-process.ts under tsx and resolves once it takes jobs. */
export async function spawnWorkerProcess(options: WorkerProcessOptions): Promise<WorkerChild> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      ...process.env,
      DATABASE_URL: options.databaseUrl,
      REDIS_URL: options.redisUrl,
      QUEUE_PREFIX: options.prefix,
      QUEUE_NAME: options.queueName,
      PROVIDER_URL: options.providerUrl,
      SECRETS_KEYS: formatKeyring(options.keyring.keys),
      LOCK_DURATION_MS: String(options.lockDurationMs ?? 2_000),
      STALLED_INTERVAL_MS: String(options.stalledIntervalMs ?? 1_000),
      ...(options.workerId ? { WORKER_ID: options.workerId } : {}),
    },
  });
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code)),
  );
  await new Promise<void>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('ready')) resolve();
    });
    void exited.then((status) => reject(new Error(`worker process exited before it was ready (${status})`)));
  });
  return {
    process: child,
    exited,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

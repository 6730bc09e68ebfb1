import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { within } from './wait.ts';

export interface ForkOptions {
  env?: Record<string, string>;
  /** Drop the child's stdout (a server's or worker's logs are noise here). */
  quiet?: boolean;
}

/** BENCH_CPU_PROF=1: the runtime worker writes a V8 CPU profile (open it in Chrome DevTools) when it exits. */
const profilingArgs = (script: string) =>
  process.env.BENCH_CPU_PROF && script.endsWith('runtime-worker.ts') ? ['--cpu-prof', `--cpu-prof-dir=${join(tmpdir(), 'autoposter-bench-profiles')}`] : [];

/** Runs a TypeScript file of bench/ in a Node process of its own, with an IPC channel. */
export function forkTypeScript(script: string, options: ForkOptions = {}): ChildProcess {
  return fork(script, [], {
    execArgv: ['--import', 'tsx', ...profilingArgs(script)],
    env: { ...process.env, ...options.env },
    stdio: ['ignore', options.quiet ? 'ignore' : 'inherit', 'inherit', 'ipc'],
  });
}

/** Resolves with the child's exit code. */
export async function exitCodeOf(child: ChildProcess): Promise<number> {
  if (child.exitCode !== null) return child.exitCode;
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  return code ?? (signal ? 128 : 1);
}

/** The next IPC message of `child` that `accept` recognizes. */
export function nextMessage<T>(child: ChildProcess, accept: (message: unknown) => message is T): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onMessage = (message: unknown) => {
      if (!accept(message)) return;
      child.off('exit', onExit);
      child.off('message', onMessage);
      resolve(message);
    };
    const onExit = (code: number | null) => {
      child.off('message', onMessage);
      reject(new Error(`the child process exited (code ${code}) before sending the expected message`));
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

const CHILD_START_TIMEOUT_MS = 60_000;
const CHILD_STOP_TIMEOUT_MS = 15_000;

export interface StartedChild<T> {
  child: ChildProcess;
  /** The message the child sent once ready. */
  ready: T;
  stop(): Promise<void>;
}

/** Starts a quiet child and waits for the message that says it is ready. */
export async function startChild<T>(script: string, env: Record<string, string>, isReady: (message: unknown) => message is T): Promise<StartedChild<T>> {
  const child = forkTypeScript(script, { env, quiet: true });
  try {
    const ready = await within(nextMessage(child, isReady), CHILD_START_TIMEOUT_MS, `${script} starting`);
    return { child, ready, stop: () => stopChild(child) };
  } catch (err) {
    await stopChild(child);
    throw err;
  }
}

/** SIGTERM, then SIGKILL if the child has not exited in time. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

export interface RunningServer {
  url: string;
  stop(): Promise<void>;
}

const isPortMessage = (message: unknown): message is { port: number } => typeof (message as { port?: unknown })?.port === 'number';

/** Starts a bench/servers/*.ts file and waits for the port it announces (see servers/serve.ts). */
export async function startServer(script: string, env: Record<string, string>): Promise<RunningServer> {
  const { ready, stop } = await startChild(script, env, isPortMessage);
  return { url: `http://127.0.0.1:${ready.port}`, stop };
}

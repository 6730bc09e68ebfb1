import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const CHILD = fileURLToPath(new URL('./test/shutdown-child.ts', import.meta.url));

async function startChild(closeMs: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], { env: { ...process.env, CLOSE_MS: String(closeMs) } });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  while (!output.includes('ready')) await new Promise((resolve) => setTimeout(resolve, 20));
  return { child, exited, output: () => output };
}

it('takes signals that come together (Ctrl-C, then the process runner) as one request, and finishes its close', async () => {
  const { child, exited, output } = await startChild(1_500);
  child.kill('SIGINT');
  child.kill('SIGTERM');
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(output()).toContain('shut down cleanly');
  expect(output()).not.toContain('exiting now');
}, 20_000);

it('exits at once when asked again after a while', async () => {
  const { child, exited, output } = await startChild(15_000);
  child.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 3_500));
  const askedAgainAt = Date.now();
  child.kill('SIGTERM');
  expect(await exited).toBe(1);
  expect(Date.now() - askedAgainAt).toBeLessThan(5_000);
  expect(output()).toContain('exiting now');
}, 30_000);

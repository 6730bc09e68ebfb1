import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const loggerModule = fileURLToPath(new URL('./index.ts', import.meta.url));

/** Runs `body` in a Node process of its own with `createLogger` in scope; returns its stdout lines. */
async function stdoutOf(body: string): Promise<Record<string, unknown>[]> {
  const script = `const { createLogger } = await import(${JSON.stringify(loggerModule)});\n${body}`;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]).catch(
    (err: { stdout: string }) => err,
  );
  return stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

describe('createLogger on stdout', () => {
  it('writes every line, with secrets redacted, even when the process exits right after logging', async () => {
    const lines = await stdoutOf(`
      const logger = createLogger({ service: 'exit-test' });
      for (let i = 0; i < 100; i++) logger.info({ i, headers: { authorization: 'Bearer secret' } }, 'line');
      logger.error('last words');
      process.exit(1);
    `);
    expect(lines).toHaveLength(101);
    // The one line whose asynchronous write was in flight at exit may land after those flushed synchronously.
    const numbered = lines.filter((line) => line.msg === 'line');
    expect(numbered.map((line) => line.i).sort((a, b) => Number(a) - Number(b))).toEqual([...Array(100).keys()]);
    for (const line of numbered) expect(line).toMatchObject({ service: 'exit-test', level: 'info', headers: { authorization: '[redacted]' } });
    expect(lines.filter((line) => line.msg === 'last words')).toEqual([expect.objectContaining({ level: 'error' })]);
  });

  it('writes a line without waiting for more to fill a buffer', async () => {
    const lines = await stdoutOf(`
      const logger = createLogger({ service: 'quiet' });
      logger.info('alone');
      await new Promise((resolve) => setTimeout(resolve, 200));
      // Killed without the exit flush: what is out is only what was written on its own.
      process.kill(process.pid, 'SIGKILL');
    `);
    expect(lines).toEqual([expect.objectContaining({ msg: 'alone' })]);
  });
});

import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { REAL_PROVIDERS } from '@autoposter/config';
import { logProviderMode } from './provider-mode.ts';

function loggedLines(providers: Parameters<typeof logProviderMode>[1]) {
  const lines: { level: number; msg: string; providers: unknown }[] = [];
  logProviderMode(pino({}, { write: (line: string) => void lines.push(JSON.parse(line)) }), providers);
  return lines;
}

describe('logProviderMode', () => {
  it('warns of a sandbox when any provider URL is not the real one, naming them all', () => {
    const providers = { ...REAL_PROVIDERS, facebook: 'http://127.0.0.1:3400' };
    expect(loggedLines(providers)).toEqual([expect.objectContaining({ level: 40, msg: expect.stringMatching(/^SANDBOX: .*nothing is published for real/), providers })]);
  });

  it('says so when every provider is the real one', () => {
    expect(loggedLines({ ...REAL_PROVIDERS })).toEqual([expect.objectContaining({ level: 30, msg: 'publishing to the real providers' })]);
  });
});

import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './index.ts';
import { redactLine } from './redact-line.ts';

const redacted = (value: unknown) => JSON.parse(redactLine(JSON.stringify(value)));

describe('redactLine', () => {
  it('leaves a line without secret keys as it is', () => {
    const line = JSON.stringify({ msg: 'the "token": word in a message', fields: { a: [1, { b: 'x' }] } });
    expect(redactLine(line)).toBe(line);
  });

  it('replaces every kind of value of a secret key, at any depth and in any case', () => {
    expect(
      redacted({
        token: 'abc',
        a: { b: { c: { d: { password: 42, keep: 'yes' } } } },
        headers: { Authorization: 'Bearer x', 'set-cookie': ['a=1', 'b=2'] },
        storage_state: { cookies: [{ name: 'c_user', value: '1' }], origins: [] },
        credentials: null,
        secret: 'with \\"escaped\\" quotes, {braces} and [brackets]',
        after: 'kept',
      }),
    ).toEqual({
      token: '[redacted]',
      a: { b: { c: { d: { password: '[redacted]', keep: 'yes' } } } },
      headers: { Authorization: '[redacted]', 'set-cookie': '[redacted]' },
      storage_state: '[redacted]',
      credentials: '[redacted]',
      secret: '[redacted]',
      after: 'kept',
    });
  });

  it('does not mistake a quoted key inside a string value for a field', () => {
    expect(redacted({ msg: '{"token":"looks like json"}' })).toEqual({ msg: '{"token":"looks like json"}' });
  });
});

describe('createLogger redaction', () => {
  it('covers child bindings and serialized errors too', () => {
    const lines: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()));
        done();
      },
    });
    const logger = createLogger({ service: 'redaction-test', destination }).child({ access_token: 'EAAB-secret' });
    const err = Object.assign(new Error('request failed'), { config: { headers: { cookie: 'xs=1' } } });
    logger.error({ err }, 'failed');
    expect(lines[0]).toMatchObject({ access_token: '[redacted]', err: { message: 'request failed', config: { headers: { cookie: '[redacted]' } } } });
    expect(JSON.stringify(lines[0])).not.toMatch(/EAAB-secret|xs=1/);
  });
});

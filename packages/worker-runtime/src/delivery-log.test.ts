import { describe, expect, it } from 'vitest';
import { redactFields } from './redaction.ts';

describe('delivery log redaction', () => {
  it('replaces secret-looking fields at any depth and keeps the rest', () => {
    const fields = {
      step: 'upload',
      access_token: 'EAAB-secret',
      request: { headers: { Authorization: 'Bearer x', accept: 'json' }, cookies: [{ name: 'c_user', value: 'v' }] },
      storageState: { origins: [] },
      attempts: [{ sessionId: 's', status: 200 }],
      at: new Date('2026-01-01T00:00:00Z'),
    };
    const redacted = redactFields(fields);
    expect(redacted).toEqual({
      step: 'upload',
      access_token: '[redacted]',
      request: { headers: { Authorization: '[redacted]', accept: 'json' }, cookies: '[redacted]' },
      storageState: '[redacted]',
      attempts: [{ sessionId: '[redacted]', status: 200 }],
      at: new Date('2026-01-01T00:00:00Z'),
    });
    expect(JSON.stringify(redacted)).not.toMatch(/EAAB|Bearer|c_user/);
  });
});

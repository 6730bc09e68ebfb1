import { describe, expect, it } from 'vitest';
import { accountHealthStatus, sessionAgeDays, type AccountSessionState } from './health.ts';

const now = new Date('2026-06-01T12:00:00Z');
const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000);
const session = (changes: Partial<AccountSessionState> = {}): AccountSessionState => ({
  credentialsEncrypted: 'v1.sealed',
  sessionUpdatedAt: daysAgo(1),
  sessionValid: null,
  sessionCheckTemporaryFailure: false,
  ...changes,
});

describe('account health', () => {
  it('counts whole days since the session was stored', () => {
    expect(sessionAgeDays(session({ sessionUpdatedAt: daysAgo(29.9) }), now)).toBe(29);
    expect(sessionAgeDays(session({ sessionUpdatedAt: now }), now)).toBe(0);
    expect(sessionAgeDays(session({ credentialsEncrypted: '' }), now)).toBeNull();
  });

  it.each([
    ['a fresh, unchecked session', session(), 'healthy'],
    ['a fresh session that passed its check', session({ sessionValid: true }), 'healthy'],
    ['a 29-day-old session', session({ sessionUpdatedAt: daysAgo(29.9) }), 'healthy'],
    ['a 30-day-old session', session({ sessionUpdatedAt: daysAgo(30) }), 'warning'],
    ['a check that failed temporarily', session({ sessionCheckTemporaryFailure: true }), 'warning'],
    ['an account blocked for a while (cooldown)', session({ cooldownUntil: new Date(now.getTime() + 3_600_000) }), 'warning'],
    ['an account whose cooldown is over', session({ cooldownUntil: daysAgo(1) }), 'healthy'],
    ['a session known invalid', session({ sessionValid: false }), 'error'],
    ['an old session known invalid', session({ sessionValid: false, sessionUpdatedAt: daysAgo(90) }), 'error'],
    ['no session', session({ credentialsEncrypted: '' }), 'error'],
  ])('%s is %s', (_case, row, expected) => {
    expect(accountHealthStatus(row, now)).toBe(expected);
  });
});

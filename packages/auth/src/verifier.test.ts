import { createSigner } from 'fast-jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeTokens } from '@autoposter/db/repositories/users';
import { createTestDatabase, insertUser, type TestDatabase } from '@autoposter/testing';
import { createTokenSigner } from './tokens.ts';
import { createTokenVerifier, MAX_USER_CACHE_MS, type TokenVerifierOptions } from './verifier.ts';

const secret = 'a-test-secret-of-at-least-thirty-two-characters';
const sign = createTokenSigner({ secret, ttlSeconds: 3600 });
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.destroy());

function verifierAt(clock: { now: number }, options: Partial<TokenVerifierOptions> = {}) {
  return createTokenVerifier({ db: db.db, secret, adminEmails: new Set(), userCacheMs: 30_000, now: () => clock.now, ...options });
}

const reasonOf = (promise: Promise<unknown>) => promise.then(() => 'accepted', (err: { reason?: string }) => err.reason ?? String(err));

describe('createTokenVerifier', () => {
  it('answers the user as the database has them, whatever role or email the token claims', async () => {
    const user = await insertUser(db.db, { email: 'Boss@Example.test' });
    const forged = createSigner({ key: secret, expiresIn: 60_000 })({ sub: user.id, role: 'admin', email: 'other@example.test' });
    expect(await verifierAt({ now: Date.now() }).verify(forged)).toEqual({ id: user.id, email: 'Boss@Example.test', role: 'user' });
    const listed = verifierAt({ now: Date.now() }, { adminEmails: new Set(['boss@example.test']) });
    expect((await listed.verify(sign({ sub: user.id, gen: 0 }))).role).toBe('admin');
  });

  it('validates the claims like any input: a sub that is no UUID, null or a number, no expiry, another key', async () => {
    const verifier = verifierAt({ now: Date.now() });
    const signWith = createSigner({ key: secret, expiresIn: 60_000 });
    const user = await insertUser(db.db);
    expect(await reasonOf(verifier.verify(signWith({ sub: 'not-a-uuid' })))).toBe('invalid_claims');
    expect(await reasonOf(verifier.verify(signWith({ sub: null })))).toBe('invalid_claims');
    expect(await reasonOf(verifier.verify(signWith({ sub: 12 })))).toBe('invalid_claims');
    expect(await reasonOf(verifier.verify(signWith({ sub: `urn:uuid:${user.id}` })))).toBe('invalid_claims');
    expect(await reasonOf(verifier.verify(signWith({ sub: user.id, gen: -1 })))).toBe('invalid_claims');
    expect(await reasonOf(verifier.verify(signWith({ sub: user.id, gen: 'x' })))).toBe('invalid_claims');
    expect(await reasonOf(verifier.verify(createSigner({ key: secret })({ sub: user.id })))).toBe('malformed');
    expect(await reasonOf(verifier.verify(createSigner({ key: 'another-secret-of-thirty-two-characters!!' })({ sub: user.id })))).toBe('malformed');
    expect(await reasonOf(verifier.verify('not.a.token'))).toBe('malformed');
    const expired = createSigner({ key: secret, expiresIn: 1, clockTimestamp: Date.now() - 10_000 })({ sub: user.id });
    expect(await reasonOf(verifier.verify(expired))).toBe('expired');
  });

  it('refuses a deleted user once the cache lapses (at most a minute), and at once where it was forgotten', async () => {
    const clock = { now: Date.now() };
    const user = await insertUser(db.db);
    const token = sign({ sub: user.id, gen: 0 });
    const here = verifierAt(clock);
    const elsewhere = verifierAt(clock);
    await here.verify(token);
    await elsewhere.verify(token);
    await db.pool.query('delete from users where id = $1', [user.id]);
    here.forget(user.id);
    expect(await reasonOf(here.verify(token))).toBe('unknown_user');
    expect(await reasonOf(elsewhere.verify(token))).toBe('accepted');
    clock.now += 30_001;
    expect(await reasonOf(elsewhere.verify(token))).toBe('unknown_user');
  });

  it('refuses tokens of an earlier generation after a revocation, and takes a role away within the bound', async () => {
    const clock = { now: Date.now() };
    const user = await insertUser(db.db, { role: 'admin' });
    const before = sign({ sub: user.id, gen: 0 });
    const verifier = verifierAt(clock);
    expect((await verifier.verify(before)).role).toBe('admin');
    const revoked = await revokeTokens(db.db, user.id);
    await db.pool.query(`update users set role = 'user' where id = $1`, [user.id]);
    expect(await reasonOf(verifier.verify(before))).toBe('accepted');
    clock.now += 30_001;
    expect(await reasonOf(verifier.verify(before))).toBe('revoked');
    expect(await verifier.verify(sign({ sub: user.id, gen: revoked!.tokenGeneration }))).toMatchObject({ role: 'user' });
  });

  it('accepts no cache longer than the contract allows', () => {
    expect(() => verifierAt({ now: 0 }, { userCacheMs: MAX_USER_CACHE_MS + 1 })).toThrow(/userCacheMs/);
  });
});

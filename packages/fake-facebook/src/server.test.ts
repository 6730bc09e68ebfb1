import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeFacebook, type FakeFacebook } from './server.ts';
import { numericId } from './state.ts';

let fake: FakeFacebook;

beforeAll(async () => {
  fake = await startFakeFacebook();
});
afterAll(() => fake.close());

/** The Cookie header of an account's exported session, as the control API gives it. */
async function sessionOf(userId: string): Promise<string> {
  const response = await fetch(`${fake.url}/__control/accounts/${userId}`);
  expect(response.status).toBe(200);
  const account = (await response.json()) as { userId: string; cookies: { name: string; value: string }[] };
  expect(account.userId).toBe(userId);
  return account.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
}

describe('fake Facebook permalinks', () => {
  it("serves a group post's permalink to a logged-in visitor, and 404 for a post it does not hold", async () => {
    const member = fake.state.addAccount({ name: 'Member' });
    const group = fake.state.addGroup({ name: 'Swap shop' });
    const post = { id: numericId(), groupId: group.id, userId: member.userId, text: 'A bike, barely used', photoCount: 0, status: 'posted' as const, createdAt: new Date().toISOString() };
    fake.state.groupPosts.push(post, { ...post, id: numericId(), status: 'pending' });
    const cookie = await sessionOf(member.userId);

    const opened = await fetch(`${fake.url}/groups/${group.id}/posts/${post.id}/`, { headers: { cookie }, redirect: 'manual' });
    expect(opened.status).toBe(200);
    expect(await opened.text()).toContain('A bike, barely used');
    const pending = fake.state.groupPosts.at(-1)!;
    for (const path of [`/groups/${group.id}/posts/${pending.id}/`, `/groups/${group.id}/posts/${numericId()}/`, `/groups/${numericId()}/posts/${post.id}/`]) {
      expect((await fetch(`${fake.url}${path}`, { headers: { cookie }, redirect: 'manual' })).status, path).toBe(404);
    }
    const anonymous = await fetch(`${fake.url}/groups/${group.id}/posts/${post.id}/`, { redirect: 'manual' });
    expect([anonymous.status, anonymous.headers.get('location')]).toEqual([302, expect.stringMatching(/^\/login\//)]);
  });

  it('answers 404 from the control API for an account it never seeded', async () => {
    expect((await fetch(`${fake.url}/__control/accounts/${numericId()}`)).status).toBe(404);
  });
});

describe('fake Facebook health', () => {
  it('answers /healthz without a session and without recording it as a visit', async () => {
    const before = fake.state.requests.length;
    const res = await fetch(`${fake.url}/healthz`);
    expect(res.status).toBe(200);
    expect(fake.state.requests.length).toBe(before);
  });
});

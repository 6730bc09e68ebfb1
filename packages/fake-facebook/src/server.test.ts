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

describe('fake Facebook layouts', () => {
  const control = (path: string, body: object) =>
    fetch(`${fake.url}/__control${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const page = async (path: string, cookie: string) => (await fetch(`${fake.url}${path}`, { headers: { cookie } })).text();

  it("serves an account's pages in its layout, others in the default one, and the login page by the c_user it is sent", async () => {
    const alt = (await (await control('/accounts', { layout: 'alt', next_steps: 3 })).json()) as { userId: string };
    const classic = fake.state.addAccount({});
    const altCookie = await sessionOf(alt.userId);
    const altForm = await page('/marketplace/create/item', altCookie);
    const classicForm = await page('/marketplace/create/item', await sessionOf(classic.userId));
    expect(altForm).toContain('<button type="button" data-action="add-photos">Add Photos</button>');
    expect(altForm).toContain('"steps":4');
    expect(altForm).not.toContain('data-action="more-details"');
    expect(classicForm).toContain('role="button"');
    expect(classicForm).toContain('data-action="more-details"');
    expect(await page('/login/', `c_user=${alt.userId}; xs=stale`)).toContain('>Log In</button>');

    expect((await control('/layout', { layout: 'alt' })).status).toBe(204);
    expect(await page('/marketplace/create/item', await sessionOf(classic.userId))).toContain('Add Photos');
    expect((await control('/layout', { user_id: classic.userId, layout: 'classic' })).status).toBe(204);
    expect(await page('/marketplace/create/item', await sessionOf(classic.userId))).toContain('data-action="more-details"');
    fake.state.layout = { name: 'classic' };
  });

  it('answers 400 for a layout it does not have, a step count out of range or an unknown account', async () => {
    for (const body of [{ layout: 'modern' }, { layout: 'alt', next_steps: 4 }, { layout: 'classic', next_steps: 1 }, { user_id: numericId(), layout: 'alt' }]) {
      const res = await control('/layout', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBeTruthy();
    }
    expect((await control('/accounts', { layout: 'alt', next_steps: -1 })).status).toBe(400);
  });
});

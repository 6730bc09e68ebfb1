import type { StackPlan } from '@autoposter/stack';

export const SANDBOX_EMAIL = 'sandbox@autoposter.local';

/** Signs in the sandbox user (registering it on the first run) and returns its token. */
export async function sandboxToken(api: string, password: string): Promise<string> {
  const call = (path: string) =>
    fetch(`${api}/api/auth/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: SANDBOX_EMAIL, password }),
    });
  let response = await call('login');
  if (response.status === 401) response = await call('register');
  if (!response.ok) throw new Error(`cannot sign in ${SANDBOX_EMAIL}: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { token: string }).token;
}

/** The one block a person needs once the stack is up. */
export async function printWelcome(plan: StackPlan, env = process.env) {
  const { api, notifier, fakeGraph, fakeFacebook } = plan.urls;
  const lines = [
    '',
    `autoposter is up${plan.sandbox ? ' in SANDBOX mode: nothing is published for real' : ''}`,
    `  API docs      ${api}/docs`,
    `  Bull Board    ${api}/admin/queues (admins; sign in first)`,
    `  notifier      ${notifier.replace(/^http/, 'ws')}/ws?token=<token>`,
  ];
  if (fakeGraph && fakeFacebook) {
    lines.push(`  fake Graph    ${fakeGraph}`, `  fake Facebook ${fakeFacebook}`);
    if (env.SANDBOX_PASSWORD) {
      const token = await sandboxToken(api, env.SANDBOX_PASSWORD);
      lines.push(
        `  sign in as    ${SANDBOX_EMAIL} / SANDBOX_PASSWORD from .env`,
        `  ready token   ${token}`,
      );
    }
    lines.push('To publish for real, set SANDBOX=false in .env (then add real accounts) and restart.');
  }
  console.log(lines.join('\n') + '\n');
}

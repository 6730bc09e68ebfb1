// The gateway, real workers and the notifier together: a client follows a posting run through
// the URLs start-posting answers with, as a browser would.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '@autoposter/stack';
import { createTestApi, type TestApi } from '../services/api/src/test/test-app.ts';
import { userWithAccounts } from '../services/api/src/test/posting-fixtures.ts';
import { startWorkers, type RunningWorkers } from '../services/api/src/test/running-worker.ts';
import { openEventStream, openSocket, startTestNotifier, type TestNotifier } from '../services/notifier/src/test/test-notifier.ts';

let api: TestApi;
let workers: RunningWorkers;
let notifier: TestNotifier;

beforeAll(async () => {
  const port = await freePort();
  api = await createTestApi({ NOTIFIER_PUBLIC_URL: `http://127.0.0.1:${port}` });
  notifier = await startTestNotifier({ db: api.db, redis: api.redis, jwtSecret: api.config.auth.jwtSecret }, {}, port);
  workers = await startWorkers(api);
});
afterAll(async () => {
  await workers.close();
  await notifier.close();
  await api.close();
});

it('follows a 20-post run over status_stream_url and ws_url to its final event, which agrees with GET /api/jobs/:id', async () => {
  const alice = await userWithAccounts(api);
  const bob = await userWithAccounts(api);
  const posts: string[] = [];
  for (let i = 0; i < 20; i++) posts.push((await alice.post(['facebook_page'])).post.id);
  const bobsPost = (await bob.post(['facebook_page'])).post.id;

  // Bob's socket is open throughout: none of Alice's events may reach it.
  const bobSocket = await openSocket(`${notifier.wsUrl}/ws?token=${bob.token}`);
  const started = await api.app.inject({ method: 'POST', url: '/api/posts/start-posting', headers: alice.headers, payload: { post_ids: posts } });
  expect(started.statusCode).toBe(202);
  const { job_id: jobId, status_stream_url: streamUrl, ws_url: wsUrl } = started.json();
  expect(streamUrl).toBe(`${notifier.url}/api/posts/status-stream/${jobId}/`);

  const socket = await openSocket(`${wsUrl}&token=${alice.token}`);
  const stream = await openEventStream(`${streamUrl}?token=${alice.token}`);
  expect(stream.status).toBe(200);
  const bobStarted = await api.app.inject({ method: 'POST', url: '/api/posts/start-posting', headers: bob.headers, payload: { post_ids: [bobsPost] } });
  expect((await fetch(`${streamUrl}?token=${bob.token}`)).status).toBe(404);

  await stream.ended;
  const last = stream.events.at(-1)!;
  expect(last.data).toMatchObject({ final: true, status: 'completed', completed_posts: 20, total_posts: 20 });
  expect(stream.events.filter((e) => e.data.final)).toHaveLength(1);
  const done = stream.events.map((e) => Number(e.data.completed_posts) + Number(e.data.failed_posts));
  expect(done).toEqual([...done].sort((a, b) => a - b));
  const job = await api.app.inject({ url: `/api/jobs/${jobId}`, headers: alice.headers });
  expect({ ...job.json(), final: true }).toEqual(last.data);

  // The socket saw the same run: every post's delivery posted, and the final progress.
  const deadline = Date.now() + 15_000;
  while (!socket.messages.some((m) => m.type === 'job.progress' && m.data.final) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const posted = new Set(socket.messages.filter((m) => m.type === 'delivery.updated' && m.data.status === 'posted').map((m) => m.data.post_id));
  expect(posted).toEqual(new Set(posts));
  expect(socket.messages.every((m) => m.data.job_id === jobId || (m.type === 'delivery.updated' && posts.includes(m.data.post_id as string)))).toBe(true);

  const bobJob = bobStarted.json().job_id as string;
  while (!bobSocket.messages.some((m) => m.type === 'job.progress' && m.data.final) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(bobSocket.messages.length).toBeGreaterThan(0);
  expect(bobSocket.messages.every((m) => m.data.job_id === bobJob || m.data.post_id === bobsPost)).toBe(true);
  socket.socket.close();
  bobSocket.socket.close();
});

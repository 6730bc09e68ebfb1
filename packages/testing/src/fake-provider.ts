import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import type { ErrorType } from '@autoposter/publisher';

/** How the fake answers one publish call. Unscripted calls succeed. */
export type FakeFault =
  | { kind: 'succeed' }
  | {
      kind: 'fail';
      type: ErrorType;
      message?: string;
      retryAfterMs?: number;
      screenshot?: boolean;
      outcomeUnknown?: boolean;
      /** Answers with the failure only after this long (a slow provider that then refuses). */
      delayMs?: number;
    }
  /** Stores nothing and never answers, until `release()` (then it succeeds) or the caller goes away. */
  | { kind: 'hang' }
  /** Stores the post, then never answers until `release()`: the caller cannot know it worked. */
  | { kind: 'accept_then_hang' }
  | { kind: 'delay'; ms: number };

export interface FakePublication {
  id: string;
  delivery_id: string;
  account_id: string;
  channel: string;
  target_id: string | null;
  title: string | null;
  body: string;
  media_count: number;
  /** What the caller authenticated with (a token, or "cookies:N"), proving credentials were decrypted. */
  credential: string | null;
  /** The provider state the attempt resumed from. */
  saved_state: Record<string, unknown> | null;
  created_at: string;
}

export interface PublishCall {
  delivery_id: string;
  attempt_no: number;
  started_at: number;
}

export interface FakeProvider {
  url: string;
  /** Posts it stored, oldest first; only those of one delivery when given its id. */
  publications(deliveryId?: string): FakePublication[];
  /** Every publish call received, including failed and hung ones; only one delivery's when given its id. */
  calls(deliveryId?: string): PublishCall[];
  /** How many times a caller asked whether a post exists. */
  lookups(): number;
  /** The next publish calls behave like these, in order. */
  script(...faults: FakeFault[]): void;
  /** Resolves once `count` publish calls arrived. */
  waitForCalls(count: number, timeoutMs?: number): Promise<void>;
  /** Lets hung calls answer. */
  release(): void;
  close(): Promise<void>;
}

export interface FakePublishBody {
  delivery_id: string;
  attempt_no: number;
  account_id: string;
  channel: string;
  target_id: string | null;
  title: string | null;
  body: string;
  media_count: number;
  saved_state: Record<string, unknown> | null;
}

/** What the fake answers for a scripted failure; the test publisher turns it back into a PublishError. */
export interface FakeErrorBody {
  error: { type: ErrorType; message: string; retry_after_ms?: number; outcome_unknown?: boolean; screenshot_base64?: string };
}

/** A 1x1 PNG, standing in for a browser screenshot. */
export const FAKE_SCREENSHOT = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

const statusFor: Partial<Record<ErrorType, number>> = {
  session_expired: 401,
  invalid_token: 401,
  permission_denied: 403,
  validation_error: 400,
  rate_limit: 429,
  provider_unavailable: 503,
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A provider stand-in over real HTTP, whose answers a test scripts call by call. */
export async function startFakeProvider(): Promise<FakeProvider> {
  const app = Fastify({ forceCloseConnections: true });
  const stored: FakePublication[] = [];
  const calls: PublishCall[] = [];
  const faults: FakeFault[] = [];
  const hung = new Set<() => void>();
  const callWaiters = new Set<() => void>();
  let lookups = 0;

  /** Resolves true when released, false when the caller hung up first. */
  const hangUntilReleased = (raw: NodeJS.EventEmitter) =>
    new Promise<boolean>((resolve) => {
      const release = () => {
        hung.delete(release);
        resolve(true);
      };
      hung.add(release);
      raw.once('close', () => {
        hung.delete(release);
        resolve(false);
      });
    });

  const store = (body: FakePublishBody, authorization: string | undefined) => {
    const publication: FakePublication = {
      id: `fake_${randomUUID()}`,
      delivery_id: body.delivery_id,
      account_id: body.account_id,
      channel: body.channel,
      target_id: body.target_id,
      title: body.title,
      body: body.body,
      media_count: body.media_count,
      credential: authorization?.replace(/^Bearer /, '') ?? null,
      saved_state: body.saved_state,
      created_at: new Date().toISOString(),
    };
    stored.push(publication);
    return { id: publication.id, permalink: `https://fake.example/posts/${publication.id}` };
  };

  app.post<{ Body: FakePublishBody }>('/posts', async (request, reply) => {
    calls.push({ delivery_id: request.body.delivery_id, attempt_no: request.body.attempt_no, started_at: Date.now() });
    for (const wake of callWaiters) wake();
    const fault = faults.shift() ?? { kind: 'succeed' };
    const auth = request.headers.authorization;
    switch (fault.kind) {
      case 'succeed':
        return store(request.body, auth);
      case 'delay':
        await sleep(fault.ms);
        return store(request.body, auth);
      case 'hang':
        if (!(await hangUntilReleased(reply.raw))) return reply;
        return store(request.body, auth);
      case 'accept_then_hang': {
        const created = store(request.body, auth);
        if (!(await hangUntilReleased(reply.raw))) return reply;
        return created;
      }
      case 'fail': {
        if (fault.delayMs) await sleep(fault.delayMs);
        const body: FakeErrorBody = {
          error: {
            type: fault.type,
            message: fault.message ?? `fake provider says ${fault.type}`,
            ...(fault.retryAfterMs !== undefined ? { retry_after_ms: fault.retryAfterMs } : {}),
            ...(fault.outcomeUnknown ? { outcome_unknown: true } : {}),
            ...(fault.screenshot ? { screenshot_base64: FAKE_SCREENSHOT.toString('base64') } : {}),
          },
        };
        return reply.code(statusFor[fault.type] ?? 500).send(body);
      }
    }
  });

  app.get<{ Querystring: { delivery_id: string; since?: string } }>('/posts/lookup', async (request, reply) => {
    lookups += 1;
    const since = request.query.since ? Date.parse(request.query.since) : 0;
    const found = stored.find((p) => p.delivery_id === request.query.delivery_id && Date.parse(p.created_at) >= since);
    if (!found) return reply.code(404).send({ error: 'not found' });
    return { id: found.id, permalink: `https://fake.example/posts/${found.id}` };
  });

  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url: address,
    publications: (deliveryId) => stored.filter((p) => deliveryId === undefined || p.delivery_id === deliveryId),
    calls: (deliveryId) => calls.filter((c) => deliveryId === undefined || c.delivery_id === deliveryId),
    lookups: () => lookups,
    script: (...next) => faults.push(...next),
    waitForCalls(count, timeoutMs = 10_000) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (calls.length < count) return;
          cleanup();
          resolve();
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`fake provider: expected ${count} publish calls, got ${calls.length}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          callWaiters.delete(check);
        };
        callWaiters.add(check);
        check();
      });
    },
    release: () => [...hung].forEach((release) => release()),
    close: () => app.close(),
  };
}

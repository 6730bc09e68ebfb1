import { randomBytes } from 'node:crypto';
import { buildFakeGraph, FakeGraphControl, permalinkPrefixes, type FakeGraphOptions } from './server.ts';

export { buildFakeGraph, FakeGraphControl, type FakeGraphOptions } from './server.ts';
export { defaultSeed, type SeedData } from './seed.ts';
export type { Fault, FaultRule, GraphErrorSpec, UsageSettings, BusinessUsage } from './faults.ts';
export type { GraphSettings } from './graph-api.ts';
export type * from './store.ts';

export interface StartedFakeGraph {
  /** Where it listens; also `GRAPH_API_BASE_URL`. */
  url: string;
  /** `INSTAGRAM_GRAPH_BASE_URL`: the same server under `/instagram`. */
  instagramUrl: string;
  control: FakeGraphControl;
  /** A new Page with its own token (and a connected Instagram account when asked). */
  newPage(options?: { instagram?: boolean }): { pageId: string; pageToken: string; igUserId: string | null };
  /** A new Instagram Login account with its own token. */
  newInstagramLogin(): { igUserId: string; token: string };
  /** A user token (not a Page's). */
  newUserToken(): string;
  close(): Promise<void>;
}

const secretish = (prefix: string) => `${prefix}${randomBytes(18).toString('base64url')}`;

/** Starts the fake on a free port of 127.0.0.1 (tests) unless told where. */
export async function startFakeGraph(options: FakeGraphOptions & { port?: number; host?: string } = {}): Promise<StartedFakeGraph> {
  const control = new FakeGraphControl(options);
  const app = buildFakeGraph(control, { logger: options.logger ?? false });
  const url = (await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' })).replace('[::1]', '127.0.0.1');
  // Permalinks lead to the fake, which serves them: nothing it publishes can pass for a real post.
  control.configure({
    facebookUrl: options.settings?.facebookUrl ?? `${url}${permalinkPrefixes.facebook}`,
    instagramUrl: options.settings?.instagramUrl ?? `${url}${permalinkPrefixes.instagram}`,
  });
  const { store } = control;
  return {
    url,
    instagramUrl: `${url}/instagram`,
    control,
    newPage({ instagram = false } = {}) {
      const pageId = store.newId();
      const pageToken = secretish('EAAPAGE');
      const igUserId = instagram ? `178414${store.newId()}` : null;
      store.addPage({ id: pageId, name: `Page ${pageId}`, ...(igUserId ? { instagramId: igUserId } : {}) });
      store.addToken({ token: pageToken, kind: 'page', subjectId: pageId });
      if (igUserId) store.addIgUser({ id: igUserId, username: `ig.${igUserId}`, login: 'facebook' });
      return { pageId, pageToken, igUserId };
    },
    newInstagramLogin() {
      const igUserId = `178414${store.newId()}`;
      const token = secretish('IGQ');
      store.addIgUser({ id: igUserId, username: `ig.${igUserId}`, login: 'instagram' });
      store.addToken({ token, kind: 'instagram_login', subjectId: igUserId });
      return { igUserId, token };
    },
    newUserToken() {
      const token = secretish('EAAUSER');
      store.addToken({ token, kind: 'user', subjectId: store.newId() });
      return token;
    },
    close: () => app.close(),
  };
}
export { startMediaServer, type MediaServer } from './media-server.ts';

import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { FaultScript, usageHeaders, type Fault, type FaultRule, type UsageSettings } from './faults.ts';
import { defaultSettings, FakeGraphApi, GraphError, type GraphSettings, type Host, type Params } from './graph-api.ts';
import { seedDefaults, type SeedData } from './seed.ts';
import { GraphStore } from './store.ts';

export interface FakeGraphOptions {
  settings?: Partial<GraphSettings>;
  /** Identities to start with; the documented defaults (seed.ts) when absent. */
  seed?: SeedData;
  logger?: boolean;
}

/** The fake's state and controls, shared by the HTTP control API and tests in the same process. */
export class FakeGraphControl {
  readonly store = new GraphStore();
  readonly faults = new FaultScript();
  readonly settings: GraphSettings;
  readonly api: FakeGraphApi;
  usage: UsageSettings = {};

  constructor(options: FakeGraphOptions = {}) {
    this.settings = { ...defaultSettings, ...options.settings };
    this.api = new FakeGraphApi(this.store, this.settings);
    seedDefaults(this.store, options.seed);
  }

  fault(rule: FaultRule): void {
    this.faults.add(rule);
  }

  configure(settings: Partial<GraphSettings>): void {
    Object.assign(this.settings, settings);
  }

  /** Everything stored, as the control API shows it. */
  snapshot() {
    const { store } = this;
    return {
      pages: [...store.pages.values()],
      ig_users: [...store.igUsers.values()],
      posts: [...store.posts.values()],
      photos: [...store.photos.values()],
      videos: [...store.videos.values()],
      containers: [...store.containers.values()],
      ig_media: [...store.igMedia.values()],
      calls: store.calls,
      faults_applied: this.faults.applied,
    };
  }
}

const versionPattern = /^v\d+\.0$/;

const graphRouteSchema = {
  params: {
    type: 'object',
    properties: { version: { type: 'string' }, node: { type: 'string' }, edge: { type: 'string' } },
  },
} as const;

/** A Fastify app answering like graph.facebook.com at `/vNN.0/...` and graph.instagram.com at `/instagram/vNN.0/...`. */
export function buildFakeGraph(control: FakeGraphControl, options: { logger?: boolean } = {}): FastifyInstance {
  const app = Fastify({ logger: options.logger ?? false, forceCloseConnections: true });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  // Graph answers its own error body even for requests it cannot parse.
  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const graphError = new GraphError({ code: 100, message: `(#100) ${error.message}` });
    void reply.code(error.statusCode && error.statusCode < 500 ? error.statusCode : 500).send(graphError.body(traceId()));
    request.log.debug({ err: error }, 'request refused');
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(400).send(new GraphError({ code: 2500, message: `Unknown path components: ${request.url.split('?')[0]}` }).body(traceId()));
  });

  for (const [prefix, host] of [['', 'facebook'], ['/instagram', 'instagram']] as const) {
    const handler = (request: FastifyRequest, reply: FastifyReply) => answerGraphCall(control, host, request, reply);
    for (const path of ['/:version/:node', '/:version/:node/:edge']) {
      app.route({ method: ['GET', 'POST', 'DELETE'], url: `${prefix}${path}`, schema: graphRouteSchema, handler });
    }
    app.route({ method: 'GET', url: `${prefix}/refresh_access_token`, handler });
  }
  registerPermalinkPages(app, control);
  registerControlRoutes(app, control);
  // Like every service of the stack, for container health checks.
  app.get('/healthz', async () => ({ status: 'ok' }));
  return app;
}

/** Where the fake serves the pages its permalinks point at (a Page's posts and videos, Instagram media). */
export const permalinkPrefixes = { facebook: '/sandbox/facebook', instagram: '/sandbox/instagram' } as const;

/** A person opening a permalink sees the publication (200), or Facebook's "not available" (404). */
function registerPermalinkPages(app: FastifyInstance, control: FakeGraphControl) {
  const { store } = control;
  const page = (reply: FastifyReply, found: { title: string; text: string } | null) =>
    reply
      .code(found ? 200 : 404)
      .type('text/html; charset=utf-8')
      .send(`<!doctype html><title>${escapeHtml(found?.title ?? 'Page not found')}</title><p>${escapeHtml(found?.text ?? "This content isn't available right now")}</p>`);

  app.get(`${permalinkPrefixes.facebook}/:pageId/posts/:postId`, async (request, reply) => {
    const { pageId, postId } = request.params as { pageId: string; postId: string };
    const post = store.posts.get(`${pageId}_${postId}`);
    return page(reply, post?.isPublished ? { title: store.pages.get(pageId)?.name ?? pageId, text: post.message } : null);
  });
  app.get(`${permalinkPrefixes.facebook}/:pageId/videos/:videoId/`, async (request, reply) => {
    const { pageId, videoId } = request.params as { pageId: string; videoId: string };
    const video = store.videos.get(videoId);
    return page(reply, video?.published && video.pageId === pageId ? { title: video.title || pageId, text: video.description } : null);
  });
  app.get(`${permalinkPrefixes.instagram}/p/:code/`, async (request, reply) => {
    const mediaId = Buffer.from((request.params as { code: string }).code, 'base64url').toString();
    const media = store.igMedia.get(mediaId);
    return page(reply, media ? { title: `@${store.igUsers.get(media.igUserId)?.username ?? media.igUserId}`, text: media.caption } : null);
  });
}

const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const traceId = () => randomBytes(8).toString('base64url');

function tokenOf(request: FastifyRequest, params: Params): string | null {
  const header = request.headers.authorization;
  const fromHeader = header ? /^(?:Bearer|OAuth)\s+(.+)$/i.exec(header)?.[1] : undefined;
  return fromHeader ?? (typeof params.access_token === 'string' ? params.access_token : null);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function answerGraphCall(control: FakeGraphControl, host: Host, request: FastifyRequest, reply: FastifyReply) {
  const routeParams = request.params as { version?: string; node?: string; edge?: string };
  const version = routeParams.version ?? '';
  const node = routeParams.node ?? 'refresh_access_token';
  const path = routeParams.node ? `/${node}${routeParams.edge ? `/${routeParams.edge}` : ''}` : '/refresh_access_token';
  const method = request.method as 'GET' | 'POST' | 'DELETE';
  const record = (status: number) => control.store.calls.push({ method, path, host, version, at: new Date(), status });
  if (routeParams.node && !versionPattern.test(version)) {
    record(400);
    return reply.code(400).send(new GraphError({ code: 2500, message: `Unknown path components: /${version}${path}` }).body(traceId()));
  }
  if (control.settings.latencyMs > 0) await sleep(control.settings.latencyMs);
  const fault = control.faults.take(method, path);
  if (fault?.kind === 'drop') return drop(request, reply, record);
  if (fault?.kind === 'error') {
    record(fault.error.status ?? 400);
    return reply
      .code(fault.error.status ?? 400)
      .headers(usageHeaders({ ...control.usage, ...fault.usage }, [node]))
      .send(new GraphError(fault.error).body(traceId()));
  }
  const params: Params = { ...(request.query as Params), ...((request.body as Params | undefined) ?? {}) };
  try {
    const answer = await control.api.handle({ host, method, node, edge: routeParams.edge ?? null, params, token: tokenOf(request, params) });
    return await afterCommit(fault, request, reply, record, () => {
      const reported = fault?.kind === 'usage' ? { ...control.usage, ...fault.usage } : control.usage;
      const usage = answer.tokenKind === 'page' ? { page: reported.page ?? 0, ...reported } : reported;
      record(200);
      return reply.headers(usageHeaders(usage, answer.objectIds)).send(answer.body);
    });
  } catch (err) {
    if (!(err instanceof GraphError)) throw err;
    if (fault?.kind === 'slow') await sleep(fault.ms);
    record(err.status);
    return reply.code(err.status).headers(usageHeaders(control.usage, [node])).send(err.body(traceId()));
  }
}

/** The write is done: answer as scripted (a 500, a dropped connection, late) or normally. */
async function afterCommit(
  fault: Fault | null,
  request: FastifyRequest,
  reply: FastifyReply,
  record: (status: number) => void,
  answer: () => FastifyReply,
) {
  if (fault?.kind === 'drop_after_commit') return drop(request, reply, record);
  if (fault?.kind === 'error_after_commit') {
    record(500);
    return reply.code(500).send(new GraphError({ status: 500, code: 2, isTransient: true, message: 'An unexpected error has occurred. Please retry your request later.' }).body(traceId()));
  }
  if (fault?.kind === 'slow') await sleep(fault.ms);
  return answer();
}

function drop(request: FastifyRequest, reply: FastifyReply, record: (status: number) => void) {
  record(0);
  reply.hijack();
  request.raw.socket.destroy();
}

interface ControlFaultBody {
  method?: string;
  path: string;
  times?: number;
  chance?: number;
  fault: Fault;
}

/** `/_control/*`: seed identities, script faults, change settings and read what was stored. */
function registerControlRoutes(app: FastifyInstance, control: FakeGraphControl) {
  app.get('/_control/state', async () => control.snapshot());
  app.post('/_control/faults', async (request, reply) => {
    const body = request.body as ControlFaultBody;
    if (!body?.path || !body.fault?.kind) return reply.code(400).send({ error: 'Give {path, fault: {kind, ...}, method?, times?}' });
    control.fault({ ...body, path: new RegExp(body.path) });
    return reply.code(201).send({ pending: control.faults.pending });
  });
  app.delete('/_control/faults', async () => {
    control.faults.clear();
    return { pending: 0 };
  });
  app.patch('/_control/settings', async (request) => {
    const body = (request.body ?? {}) as Partial<GraphSettings> & { usage?: UsageSettings };
    const { usage, ...settings } = body;
    control.configure(settings);
    if (usage) control.usage = usage;
    return { settings: control.settings, usage: control.usage };
  });
  app.post('/_control/seed', async (request, reply) => {
    seedDefaults(control.store, request.body as SeedData);
    return reply.code(201).send({ pages: control.store.pages.size, ig_users: control.store.igUsers.size, tokens: control.store.tokens.size });
  });
  app.post('/_control/tokens/:token/revoke', async (request, reply) => {
    const token = control.store.tokens.get((request.params as { token: string }).token);
    if (!token) return reply.code(404).send({ error: 'No such token' });
    token.revoked = true;
    return { revoked: true };
  });
  app.post('/_control/containers/:id/expire', async (request, reply) => {
    try {
      control.api.expireContainer((request.params as { id: string }).id);
      return { expired: true };
    } catch {
      return reply.code(404).send({ error: 'No such container' });
    }
  });
  app.post('/_control/reset', async () => {
    control.store.clearContent();
    control.faults.clear();
    return { reset: true };
  });
}

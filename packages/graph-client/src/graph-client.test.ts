import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGraph, type StartedFakeGraph } from '@autoposter/fake-graph';
import { classifyGraphFailure } from './classification.ts';
import { GraphApiError, GraphClient, GraphNetworkError } from './graph-client.ts';

let graph: StartedFakeGraph;
let client: GraphClient;
const seen: number[] = [];

beforeAll(async () => {
  graph = await startFakeGraph();
  client = new GraphClient({
    graphBaseUrl: graph.url,
    instagramBaseUrl: graph.instagramUrl,
    version: 'v31.0',
    timeoutMs: 10_000,
    onUsage: (usage) => seen.push(usage.percent),
  });
});
afterAll(() => graph.close());

describe('GraphClient over HTTP', () => {
  it('calls the configured version with the token in a header, never in the URL', async () => {
    const { pageId, pageToken } = graph.newPage();
    const { body } = await client.request<{ id: string }>({ host: 'facebook', method: 'GET', path: '/me', token: pageToken, params: { fields: 'id,name' } });
    expect(body.id).toBe(pageId);
    expect(graph.control.store.calls.at(-1)).toMatchObject({ version: 'v31.0', path: '/me', status: 200 });
  });

  it('sends writes as form parameters, objects as JSON', async () => {
    const { pageId, pageToken } = graph.newPage();
    const { body } = await client.request<{ id: string }>({ host: 'facebook', method: 'POST', path: `/${pageId}/feed`, token: pageToken, params: { message: 'a & b', published: false } });
    expect(graph.control.store.posts.get(body.id)).toMatchObject({ message: 'a & b', isPublished: false });
  });

  it("throws Meta's error with its code, without the token, and reads the usage headers", async () => {
    const { pageId, pageToken } = graph.newPage();
    graph.control.fault({
      path: /\/feed$/,
      fault: { kind: 'error', error: { code: 613, subcode: 1996, message: 'Calls to this api have exceeded the rate limit.' }, usage: { app: 95, business: { [pageId]: { percent: 100, etaMinutes: 4 } } } },
    });
    const error = await client.request({ host: 'facebook', method: 'POST', path: `/${pageId}/feed`, token: pageToken, params: { message: 'x' } }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(GraphApiError);
    const apiError = error as GraphApiError;
    expect(apiError.message).toBe('(#613/1996) Calls to this api have exceeded the rate limit.');
    expect(apiError.usage).toEqual({ percent: 100, regainAccessMs: 240_000 });
    expect(classifyGraphFailure(apiError)).toMatchObject({ type: 'rate_limit', action: 'wait', waitMs: 240_000 });
    expect(JSON.stringify({ ...apiError, message: apiError.message, stack: apiError.stack })).not.toContain(pageToken);
    expect(seen.at(-1)).not.toBe(100); // refusals are classified, not metered
  });

  it('times out a slow answer (GRAPH_API_TIMEOUT) and says a write may have landed', async () => {
    const { pageId, pageToken } = graph.newPage();
    graph.control.fault({ path: /\/feed$/, fault: { kind: 'slow', ms: 5_000 } });
    const impatient = new GraphClient({ ...client.options, timeoutMs: 500 });
    const error = await impatient.request({ host: 'facebook', method: 'POST', path: `/${pageId}/feed`, token: pageToken, params: { message: 'slow' } }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(GraphNetworkError);
    expect((error as GraphNetworkError).timedOut).toBe(true);
    expect(classifyGraphFailure(error)).toMatchObject({ type: 'network_error', outcomeUnknown: true });
  });

  it('a dropped connection after the write is a network error with an unknown outcome; the post exists', async () => {
    const { pageId, pageToken } = graph.newPage();
    graph.control.fault({ path: /\/feed$/, fault: { kind: 'drop_after_commit' } });
    const error = await client.request({ host: 'facebook', method: 'POST', path: `/${pageId}/feed`, token: pageToken, params: { message: 'dropped' } }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(GraphNetworkError);
    expect((error as Error).message).not.toContain(pageToken);
    expect(classifyGraphFailure(error)).toMatchObject({ type: 'network_error', outcomeUnknown: true });
    expect([...graph.control.store.posts.values()].some((post) => post.pageId === pageId)).toBe(true);
  });

  it('a 500 after a committed write is provider_unavailable with an unknown outcome', async () => {
    const { pageId, pageToken } = graph.newPage();
    graph.control.fault({ path: /\/feed$/, fault: { kind: 'error_after_commit' } });
    const error = await client.request({ host: 'facebook', method: 'POST', path: `/${pageId}/feed`, token: pageToken, params: { message: 'x' } }).catch((err: unknown) => err);
    expect(classifyGraphFailure(error)).toMatchObject({ type: 'provider_unavailable', action: 'retry', outcomeUnknown: true });
  });

  it('a revoked token is invalid_token', async () => {
    const { pageToken } = graph.newPage();
    graph.control.store.tokens.get(pageToken)!.revoked = true;
    const error = await client.request({ host: 'facebook', method: 'GET', path: '/me', token: pageToken }).catch((err: unknown) => err);
    expect(classifyGraphFailure(error)).toMatchObject({ type: 'invalid_token', action: 'fail' });
  });
});

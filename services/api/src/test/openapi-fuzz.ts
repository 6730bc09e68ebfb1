import { randomBytes, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { multipartForm, samplePng } from '@autoposter/media/test-samples';

// Fuzzes every operation of the gateway's own OpenAPI document (`/docs/json`): routes added
// later are covered without a list to keep. Each operation gets fixed shapes of hostile input
// (deep nesting, non-finite numbers, NUL bytes, ids that are not UUIDs, wrong types, wrong
// content types) and random requests built from its schemas, some valid, most mutated. A
// response passes when it is below 500 and, from 400 on, a JSON `{error, code}` body.

interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  const?: unknown;
  format?: string;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  minItems?: number;
}

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  schema?: Schema;
}

export interface Operation {
  method: string;
  /** OpenAPI path, `{id}` style. */
  path: string;
  parameters: Parameter[];
  body?: Schema;
}

export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
  /** What the request tries, for reports. */
  shape: string;
  /** Sent with its own Authorization (or none) rather than the session's. */
  ownAuth?: boolean;
}

export interface FuzzFailure {
  operation: string;
  shape: string;
  url: string;
  status: number;
  body: string;
}

export interface FuzzTally {
  operations: number;
  requests: number;
  serverErrors: FuzzFailure[];
  withoutCode: FuzzFailure[];
  /** Requests per operation, `METHOD /path`. */
  perOperation: Map<string, number>;
  /** Responses per status code. */
  statuses: Map<number, number>;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/** Every operation of the document. */
export function operationsOf(doc: { paths: Record<string, Record<string, { parameters?: Parameter[]; requestBody?: { content?: Record<string, { schema?: Schema }> } }>> }): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods)
      .filter(([method]) => HTTP_METHODS.includes(method))
      .map(([method, operation]) => ({
        method: method.toUpperCase(),
        path,
        parameters: operation.parameters ?? [],
        body: operation.requestBody?.content?.['application/json']?.schema,
      })),
  );
}

// Placeholders for numbers JSON cannot write: replaced in the raw text, so the body parses to ±Infinity.
const INFINITY = '\u0001fuzz:+inf';
const MINUS_INFINITY = '\u0001fuzz:-inf';
const toJsonText = (value: unknown) =>
  JSON.stringify(value).replaceAll(JSON.stringify(INFINITY), '1e309').replaceAll(JSON.stringify(MINUS_INFINITY), '-1e309');

const deepArrays = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const deepObjects = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

/** Values that have broken storage, parsers or validators somewhere, for any JSON field. */
const hostileValues: unknown[] = [
  INFINITY,
  MINUS_INFINITY,
  '\u0000',
  'a\u0000b',
  '\ud800',
  'not-a-uuid',
  `urn:uuid:${randomUUID()}`,
  '',
  ' ',
  'x'.repeat(10_000),
  '9'.repeat(400),
  '2030-02-30T25:61:00Z',
  -1,
  0,
  1.5,
  2 ** 31,
  2 ** 53 + 1,
  -(2 ** 63),
  true,
  null,
  [],
  {},
  [null],
  JSON.parse('{"__proto__":{"admin":true}}'),
];

/** Query, path and header text at the edges. */
const hostileText = ['Infinity', '-Infinity', '1e309', '-1e309', 'NaN', '-1', '0', '0x10', '1.5', '1e2', '\u0000', 'a\u0000b', '', 'not-a-uuid', `urn:uuid:${randomUUID()}`, 'x'.repeat(5_000), '..', '%', '\ud800', 'true', 'null', '[]', '{}'];

const contentTypes = [
  'text/plain',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=fuzz',
  'multipart/form-data',
  'application/json; charset=latin1',
  'application/octet-stream',
  'image/png',
  'application/json',
];

/** Values shaped like the schema asks, with ids taken from `ids` (the caller's own) half the time. */
function valueFor(schema: Schema | undefined, ids: string[], depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 4) return fc.jsonValue({ maxDepth: 2 });
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants?.length) return fc.oneof(...variants.map((variant) => valueFor(variant, ids, depth + 1)));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const properties = schema.properties ?? {};
      const record = Object.fromEntries(Object.entries(properties).map(([key, property]) => [key, valueFor(property, ids, depth + 1)]));
      return fc.record(record, { requiredKeys: (schema.required ?? []).filter((key) => key in properties) });
    }
    case 'array':
      return fc.array(valueFor(schema.items, ids, depth + 1), { minLength: Math.min(schema.minItems ?? 0, 3), maxLength: 3 });
    case 'string':
      if (schema.format === 'uuid') return ids.length > 0 ? fc.oneof(fc.constantFrom(...ids), fc.uuid()) : fc.uuid();
      if (schema.format === 'date-time') return fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
      if (schema.format === 'email') return fc.emailAddress();
      return fc.string({ maxLength: Math.min(schema.maxLength ?? 30, 30) });
    case 'integer':
      return fc.integer({ min: Math.max(schema.minimum ?? -10, -1e6), max: Math.min(schema.maximum ?? 1000, 1e6) });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** A valid-looking body with one field (at any depth) replaced by a hostile or wrongly typed value, or removed. */
function mutatedBody(schema: Schema, ids: string[]): fc.Arbitrary<unknown> {
  return fc
    .record({
      body: valueFor(schema, ids),
      pick: fc.nat(),
      replacement: fc.oneof(fc.constantFrom(...hostileValues), fc.jsonValue({ maxDepth: 3 })),
      remove: fc.boolean(),
    })
    .map(({ body, pick, replacement, remove }) => {
      const containers = objectsIn(body);
      if (containers.length === 0) return replacement;
      const target = containers[pick % containers.length]!;
      const keys = Object.keys(target);
      const key = keys.length > 0 && pick % 5 !== 0 ? keys[pick % keys.length]! : 'unexpected_field';
      if (remove) delete target[key];
      else target[key] = replacement;
      return body;
    });
}

function objectsIn(value: unknown): Record<string, unknown>[] {
  if (value === null || typeof value !== 'object') return [];
  const children = Object.values(value).flatMap(objectsIn);
  return Array.isArray(value) ? children : [value as Record<string, unknown>, ...children];
}

/** Header values must be visible ASCII to be sent at all. */
const headerSafe = (text: string) => /^[\x20-\x7e]*$/.test(text);

/** Percent-encodes any text, a lone surrogate included (as the bytes a careless client sends for it). */
function encode(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return [...text].map((char) => (/[\ud800-\udfff]/.test(char) ? '%ED%A0%80' : encodeURIComponent(char))).join('');
  }
}

/** A path segment sent as is: a percent sequence that does not decode. */
const UNDECODABLE = '%E0%A4%A';

function urlOf(operation: Operation, path: Record<string, string>, query: [string, string][]): string {
  const segment = (value: string) => (value === UNDECODABLE ? value : encode(value));
  const filled = operation.path.replace(/\{([^}]+)\}/g, (_, name: string) => segment(path[name] ?? randomUUID()));
  const search = query.map(([key, value]) => `${encode(key)}=${encode(value)}`).join('&');
  return search ? `${filled}?${search}` : filled;
}

const paramsIn = (operation: Operation, place: Parameter['in']) => operation.parameters.filter((p) => p.in === place);

/** Uploads that have broken media handling: cut short, lying about their size, badly named, several at once. */
function hostileFiles(): [string, Parameters<typeof multipartForm>][] {
  const png = samplePng(3, 2);
  const tall = Buffer.from(png);
  tall.writeUInt32BE(3_000_000_000, 20);
  return [
    ['a PNG signature alone', [{ data: png.subarray(0, 8) }]],
    ['a cut ZIP header', [{ data: Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00]) }]],
    ['a PNG without its end', [{ data: png.subarray(0, 40) }]],
    ['a PNG 3,000,000,000 pixels tall', [{ data: tall }]],
    ['a NUL in the file name', [{ data: png, filename: 'x\u0000.png' }]],
    ['two files', [{ data: png }, { data: png }]],
    ['bytes of no type', [{ data: Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 37) % 256)) }]],
    ['an empty file', [{ data: Buffer.alloc(0) }]],
  ];
}

/** The fixed shapes every operation gets. */
function shapedRequests(operation: Operation, ids: string[]): FuzzRequest[] {
  const ownPath = Object.fromEntries(paramsIn(operation, 'path').map((p) => [p.name, ids[0] ?? randomUUID()]));
  const request = (shape: string, overrides: Partial<FuzzRequest> & { path?: Record<string, string>; query?: [string, string][] } = {}): FuzzRequest => ({
    method: operation.method,
    url: urlOf(operation, { ...ownPath, ...overrides.path }, overrides.query ?? []),
    headers: { ...overrides.headers },
    payload: overrides.payload,
    shape,
    ownAuth: overrides.ownAuth,
  });
  const json = { 'content-type': 'application/json' };
  const requests: FuzzRequest[] = [
    request('deeply nested arrays', { headers: json, payload: deepArrays(5_000) }),
    request('deeply nested objects', { headers: json, payload: deepObjects(5_000) }),
    request('non-finite number body', { headers: json, payload: '1e309' }),
    request('NUL string body', { headers: json, payload: '"\\u0000"' }),
    request('empty JSON body', { headers: json, payload: '' }),
    request('not JSON', { headers: json, payload: '{"a":' }),
    request('no token', { ownAuth: true }),
    request('a token that is not one', { headers: { authorization: 'Bearer not.a.token' }, ownAuth: true }),
    ...[[], 'text', 42, null, true].map((value) => request(`top-level ${JSON.stringify(value)}`, { headers: json, payload: JSON.stringify(value) })),
    ...contentTypes.map((type) => request(`content type ${type}`, { headers: { 'content-type': type }, payload: 'a=b&c=\u0000' })),
    ...hostileFiles().map(([shape, files]) => {
      const form = multipartForm(...files);
      return request(`multipart: ${shape}`, { headers: form.headers, payload: form.payload });
    }),
  ];
  for (const param of paramsIn(operation, 'path')) {
    for (const value of ['not-a-uuid', '\u0000', 'x'.repeat(300), `urn:uuid:${randomUUID()}`, ids[0]?.toUpperCase() ?? 'A', UNDECODABLE]) {
      requests.push(request(`path ${param.name}=${JSON.stringify(value.slice(0, 20))}`, { path: { [param.name]: value } }));
    }
  }
  for (const param of paramsIn(operation, 'query')) {
    for (const value of hostileText) requests.push(request(`query ${param.name}=${JSON.stringify(value.slice(0, 20))}`, { query: [[param.name, value]] }));
    requests.push(request(`query ${param.name} repeated`, { query: [[param.name, '1'], [param.name, '2']] }));
  }
  for (const param of paramsIn(operation, 'header')) {
    for (const value of hostileText.filter(headerSafe)) requests.push(request(`header ${param.name}`, { headers: { [param.name]: value } }));
  }
  if (operation.body) {
    const valid = fc.sample(valueFor(operation.body, ids), { numRuns: 1, seed: 1 })[0];
    for (const container of objectsIn(valid)) {
      for (const key of Object.keys(container)) {
        const original = container[key];
        for (const value of [INFINITY, MINUS_INFINITY, 'a\u0000b', 'not-a-uuid', 12, [], {}, null]) {
          container[key] = value;
          requests.push(request(`body ${key}=${JSON.stringify(value)}`, { headers: json, payload: toJsonText(valid) }));
        }
        container[key] = original;
      }
    }
  }
  return requests;
}

/** Random requests from the operation's schemas: path ids, query values, headers, body and content type. */
function randomRequest(operation: Operation, ids: string[]): fc.Arbitrary<FuzzRequest> {
  const idOrHostile = fc.oneof(fc.constantFrom(...(ids.length > 0 ? ids : [randomUUID()])), fc.uuid(), fc.constantFrom(...hostileText), fc.string());
  const path = fc.record(Object.fromEntries(paramsIn(operation, 'path').map((p) => [p.name, idOrHostile])));
  const query = fc.tuple(
    ...paramsIn(operation, 'query').map((p) =>
      fc.option(
        fc.oneof(valueFor(p.schema, ids).map((value) => (typeof value === 'string' ? value : JSON.stringify(value))), fc.constantFrom(...hostileText), fc.string()).map(
          (value) => [p.name, value] as [string, string],
        ),
        { nil: undefined },
      ),
    ),
  );
  const headers = fc.record(
    Object.fromEntries(paramsIn(operation, 'header').map((p) => [p.name, fc.oneof(fc.constantFrom(...hostileText.filter(headerSafe)), fc.stringMatching(/^[\x21-\x7e]{1,300}$/))])),
    { requiredKeys: [] },
  );
  const body = operation.body
    ? fc.oneof(
        { weight: 3, arbitrary: mutatedBody(operation.body, ids) },
        { weight: 1, arbitrary: valueFor(operation.body, ids) },
        { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
      )
    : fc.option(fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom(...hostileValues)), { nil: undefined });
  const contentType = fc.oneof({ weight: 6, arbitrary: fc.constant('application/json') }, { weight: 1, arbitrary: fc.constantFrom(...contentTypes) });
  return fc.record({ path, query, headers, body, contentType }).map(({ path: pathValues, query: queryValues, headers: headerValues, body: bodyValue, contentType: type }) => ({
    method: operation.method,
    url: urlOf(operation, pathValues, queryValues.filter((entry): entry is [string, string] => entry !== undefined)),
    headers: { ...(headerValues as Record<string, string>), ...(bodyValue === undefined ? {} : { 'content-type': type }) },
    payload: bodyValue === undefined ? undefined : toJsonText(bodyValue),
    shape: 'random',
  }));
}

export interface FuzzSession {
  headers: Record<string, string>;
  /** The caller's own ids of every kind (post, delivery, job, account, media). */
  ids: string[];
}

/** A user with an account, an image, a post with deliveries and a posting job, made through the API itself. */
export async function provisionSession(app: FastifyInstance): Promise<FuzzSession> {
  const must = async (options: InjectOptions, status: number) => {
    const res = await app.inject(options);
    if (res.statusCode !== status) throw new Error(`fuzz set-up: ${options.method} ${String(options.url)} answered ${res.statusCode} ${res.body}`);
    return res.json();
  };
  const email = `fuzz-${randomBytes(6).toString('hex')}@example.test`;
  const { token } = await must({ method: 'POST', url: '/api/auth/register', payload: { email, password: 'fuzzing password' } }, 201);
  const headers = { authorization: `Bearer ${token}` };
  const account = await must(
    { method: 'POST', url: '/api/accounts', headers, payload: { kind: 'facebook_browser', name: 'fuzz', credentials: { cookies: [{ name: 'c_user', value: '1' }, { name: 'xs', value: 'fuzz-session' }] } } },
    201,
  );
  const form = multipartForm({ data: samplePng() });
  const media = await must({ method: 'POST', url: '/api/media', headers: { ...headers, ...form.headers }, payload: form.payload }, 201);
  const post = await must(
    {
      method: 'POST',
      url: '/api/posts',
      headers,
      payload: { body: 'fuzz', media_ids: [media.id], targets: [{ channel: 'facebook_group', account_id: account.id, target_id: '123' }] },
    },
    201,
  );
  const started = await must({ method: 'POST', url: `/api/posts/${post.id}/publish-now`, headers }, 202);
  const deliveryIds = (post.deliveries as { id: string }[]).map((d) => d.id);
  return { headers, ids: [post.id, ...deliveryIds, started.job_id, account.id, media.id].filter(Boolean) };
}

const failureOf = (operation: Operation, request: FuzzRequest, res: LightMyRequestResponse): FuzzFailure => ({
  operation: `${operation.method} ${operation.path}`,
  shape: request.shape,
  url: request.url.slice(0, 200),
  status: res.statusCode,
  body: res.body.slice(0, 300),
});

function hasErrorBody(res: LightMyRequestResponse): boolean {
  try {
    const body = res.json();
    return typeof body?.error === 'string' && typeof body?.code === 'string';
  } catch {
    return false;
  }
}

/** A request that may end the session's tokens (logout-all, password change, account deletion). */
const endsSession = (operation: Operation, res: LightMyRequestResponse) =>
  operation.path.startsWith('/api/auth/') && operation.method !== 'GET' && !/\/(register|login)$/.test(operation.path) && res.statusCode < 300;

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/;

/**
 * Makes `fetch` in this process refuse every host but loopback while fuzzing: random requests to
 * routes that call a provider (a Graph API token check) must reach a local fake or nothing,
 * never the internet. Returns the function that restores it.
 */
export function refuseOutboundFetch(): () => void {
  const original = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (!LOOPBACK.test(url.hostname)) return Promise.reject(new TypeError(`fetch failed: ${url.hostname} is off limits while fuzzing`));
    return original(input, init);
  };
  return () => {
    globalThis.fetch = original;
  };
}

export interface FuzzOptions {
  /** Random requests per operation, on top of the fixed shapes. */
  randomPerOperation: number;
  seed?: number;
  /** A fresh user every this many requests, so deletions by earlier requests do not hollow the run out. */
  refreshEvery?: number;
}

/** Fuzzes every operation of `app`'s OpenAPI document. */
export async function fuzzOpenApi(app: FastifyInstance, options: FuzzOptions): Promise<FuzzTally> {
  const restoreFetch = refuseOutboundFetch();
  try {
    return await fuzzOperations(app, options);
  } finally {
    restoreFetch();
  }
}

async function fuzzOperations(app: FastifyInstance, options: FuzzOptions): Promise<FuzzTally> {
  const doc = (await app.inject({ url: '/docs/json' })).json();
  const operations = operationsOf(doc);
  const tally: FuzzTally = { operations: operations.length, requests: 0, serverErrors: [], withoutCode: [], perOperation: new Map(), statuses: new Map() };
  let session = await provisionSession(app);
  let sinceRefresh = 0;
  for (const [index, operation] of operations.entries()) {
    const name = `${operation.method} ${operation.path}`;
    const random = fc.sample(randomRequest(operation, session.ids), { numRuns: options.randomPerOperation, seed: (options.seed ?? 16) + index });
    for (const request of [...shapedRequests(operation, session.ids), ...random]) {
      const headers = request.ownAuth ? request.headers : { ...session.headers, ...request.headers };
      const res = await app.inject({ method: request.method as InjectOptions['method'], url: request.url, headers, payload: request.payload });
      tally.requests += 1;
      tally.perOperation.set(name, (tally.perOperation.get(name) ?? 0) + 1);
      tally.statuses.set(res.statusCode, (tally.statuses.get(res.statusCode) ?? 0) + 1);
      if (res.statusCode >= 500) tally.serverErrors.push(failureOf(operation, request, res));
      else if (res.statusCode >= 400 && !hasErrorBody(res)) tally.withoutCode.push(failureOf(operation, request, res));
      sinceRefresh += 1;
      if (endsSession(operation, res) || sinceRefresh >= (options.refreshEvery ?? 250)) {
        session = await provisionSession(app);
        sinceRefresh = 0;
      }
    }
  }
  return tally;
}

/**
 * Providers the fuzzed gateway may reach: nothing answers on port 9, so a Graph API check fails
 * at once (a temporary failure, the account is saved), and no marketplace worker takes a browser
 * session check, which gives up after a second instead of SESSION_CHECK_TIMEOUT's 120.
 */
export const FUZZ_PROVIDER_ENV = {
  GRAPH_API_BASE_URL: 'http://127.0.0.1:9',
  INSTAGRAM_GRAPH_BASE_URL: 'http://127.0.0.1:9',
  SESSION_CHECK_TIMEOUT: '1s',
};

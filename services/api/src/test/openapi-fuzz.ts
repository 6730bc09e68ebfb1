import { createHash, randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import { connect } from 'node:net';
import fc from 'fast-check';
import { createSigner } from 'fast-jwt';
import type { FastifyInstance, InjectOptions } from 'fastify';
// For `app.config` (the gateway's decorators), also when a drill or benchmark compiles this file.
import type {} from '../plugins/services.ts';
import { multipartForm, samplePng } from '@autoposter/media/test-samples';

// Fuzzes every operation of the gateway's own OpenAPI document (`/docs/json`): routes added
// later are covered without a list to keep. Each operation gets fixed shapes of hostile input
// (deep nesting, non-finite numbers, NUL bytes, ids that are not UUIDs, wrong types, wrong
// content types) and random requests built from its schemas, some valid, most mutated. A
// response passes when it is below 500 and, from 400 on, a JSON `{error, code}` body; a token
// that must not open anything (none, malformed, a deleted user's, or signed with the gateway's
// secret but carrying claims it never signs) must get a 401 `unauthorized` from every operation
// that needs a token. Given another user's data (`foreign`), every id position also gets that
// user's real ids, and a response that shows one of them (or one of its distinctive values) is a
// cross-tenant read.
// In process (`app.inject`) or over HTTP against a running gateway (`httpSender`). Given a raw
// socket sender (`rawSocketSender`, a listening gateway), each operation also gets what only
// Node's HTTP parser sees: oversized headers, a `Content-Length` that is no number, a body
// shorter or longer than its `Content-Length`.

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
  operationId?: string;
  method: string;
  /** OpenAPI path, `{id}` style. */
  path: string;
  /** Whether it needs a token (the document's security, unless the operation's own is empty). */
  secured: boolean;
  parameters: Parameter[];
  body?: Schema;
  /** The 502 and 504 it documents: a provider or worker it waits on did not answer. */
  upstreamStatuses: number[];
}

/** Statuses that say a dependency outside the gateway failed, not the gateway. */
const UPSTREAM_STATUSES = [502, 504];

export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
  /** What the request tries, for reports. */
  shape: string;
  /** Sent with its own Authorization (or none) rather than the session's. */
  ownAuth?: boolean;
  /** Its Authorization must not open anything: an operation that needs a token answers 401. */
  badToken?: boolean;
  /** Sent as these bytes on a socket of its own (`FuzzOptions.sendRaw`), not through `Send`. */
  raw?: string;
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
  /**
   * 502/504 answers the operation documents, with the contract's body: the provider or worker it
   * waits on did not answer (the fuzz runs none). Not counted as 5xx.
   */
  upstreamUnavailable: FuzzFailure[];
  withoutCode: FuzzFailure[];
  /** Requests that got no answer at all (the connection closed or timed out): over HTTP only. */
  unanswered: FuzzFailure[];
  /** Responses that showed another user's id or distinctive value the request did not carry. */
  crossTenantReads: FuzzFailure[];
  /** Requests with a token that must not open anything, to operations that need one. */
  badTokenChecks: number;
  /** Of those, the ones not answered 401 `unauthorized`. */
  badTokensAccepted: FuzzFailure[];
  /** Requests that carried another user's id. */
  withForeignIds: number;
  /** Requests per operation, `METHOD /path`. */
  perOperation: Map<string, number>;
  /** Responses per status code. */
  statuses: Map<number, number>;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/** Every operation of the document. */
export function operationsOf(doc: {
  security?: unknown[];
  paths: Record<
    string,
    Record<string, { operationId?: string; security?: unknown[]; parameters?: Parameter[]; requestBody?: { content?: Record<string, { schema?: Schema }> }; responses?: Record<string, unknown> }>
  >;
}): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods)
      .filter(([method]) => HTTP_METHODS.includes(method))
      .map(([method, operation]) => ({
        operationId: operation.operationId,
        method: method.toUpperCase(),
        path,
        secured: (operation.security ?? doc.security ?? []).length > 0,
        parameters: operation.parameters ?? [],
        body: operation.requestBody?.content?.['application/json']?.schema,
        upstreamStatuses: UPSTREAM_STATUSES.filter((status) => operation.responses?.[String(status)] !== undefined),
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

/** Where ids come from: the session's own, another user's, or none (a random UUID). */
export interface IdPool {
  own: string[];
  foreign: string[];
}

/** An id for any id position: the caller's own, another user's or a random one, about equally often. */
function idFrom(pool: IdPool): fc.Arbitrary<string> {
  const lists = [pool.own, pool.foreign].filter((ids) => ids.length > 0);
  return fc.oneof(...lists.map((ids) => fc.constantFrom(...ids)), fc.uuid());
}

/** The id a fixed shape puts in every path parameter: the caller's own if it has one. */
const primaryId = (pool: IdPool) => pool.own[0] ?? pool.foreign[0];

/** Values shaped like the schema asks, with every UUID position filled by `id`. */
function valueFor(schema: Schema | undefined, id: fc.Arbitrary<string>, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 4) return fc.jsonValue({ maxDepth: 2 });
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants?.length) return fc.oneof(...variants.map((variant) => valueFor(variant, id, depth + 1)));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const properties = schema.properties ?? {};
      const record = Object.fromEntries(Object.entries(properties).map(([key, property]) => [key, valueFor(property, id, depth + 1)]));
      return fc.record(record, { requiredKeys: (schema.required ?? []).filter((key) => key in properties) });
    }
    case 'array':
      return fc.array(valueFor(schema.items, id, depth + 1), { minLength: Math.min(schema.minItems ?? 0, 3), maxLength: 3 });
    case 'string':
      if (schema.format === 'uuid') return id;
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

/** Whether the schema has a UUID position anywhere. */
function takesIds(schema: Schema | undefined, depth = 0): boolean {
  if (!schema || depth > 4) return false;
  if (schema.format === 'uuid') return true;
  const children = [...Object.values(schema.properties ?? {}), ...(schema.items ? [schema.items] : []), ...(schema.anyOf ?? []), ...(schema.oneOf ?? [])];
  return children.some((child) => takesIds(child, depth + 1));
}

/** A valid-looking body with one field (at any depth) replaced by a hostile or wrongly typed value, or removed. */
function mutatedBody(schema: Schema, id: fc.Arbitrary<string>): fc.Arbitrary<unknown> {
  return fc
    .record({
      body: valueFor(schema, id),
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

/** Uploads that have broken media or CSV handling: cut short, lying about their size, NUL in names, fields or cells, several at once. */
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
    ['a NUL in the alt_text field', [{ data: png }, { field: 'alt_text', filename: null, data: Buffer.from('a chair\u0000') }]],
    // The target names the account provisionSession makes, so that the row gets as far as storing.
    ['a CSV with NUL cells', [{ data: Buffer.from('body,media,targets\n"a\u0000b",,facebook_group:fuzz:1\nx,"chair\u0000.jpg",facebook_group:fuzz:1\n'), filename: 'posts.csv', contentType: 'text/csv' }]],
    ['two files', [{ data: png }, { data: png }]],
    ['bytes of no type', [{ data: Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 37) % 256)) }]],
    ['an empty file', [{ data: Buffer.alloc(0) }]],
  ];
}

type RequestOverrides = Partial<FuzzRequest> & { path?: Record<string, string>; query?: [string, string][] };

/** Builds the operation's requests, its path parameters set to `pathId` unless overridden. */
function requestBuilder(operation: Operation, pathId: string | undefined) {
  const defaultPath = Object.fromEntries(paramsIn(operation, 'path').map((p) => [p.name, pathId ?? randomUUID()]));
  return (shape: string, overrides: RequestOverrides = {}): FuzzRequest => ({
    method: operation.method,
    url: urlOf(operation, { ...defaultPath, ...overrides.path }, overrides.query ?? []),
    headers: { ...overrides.headers },
    payload: overrides.payload,
    shape,
    ownAuth: overrides.ownAuth,
    badToken: overrides.badToken,
  });
}

const JSON_TYPE = { 'content-type': 'application/json' };

/** An Authorization header that must not open anything, and what it is. */
export interface BadToken {
  shape: string;
  authorization?: string;
}

/** Signs a token with the gateway's secret, whatever its claims (`sub`, `gen`). */
export type TokenSigner = (claims: Record<string, unknown>) => string;

export const tokenSigner = (secret: string): TokenSigner => createSigner({ key: secret, algorithm: 'HS256', expiresIn: 3_600_000 });

/** The user id a session's own token names (its payload is not checked here, only read). */
function subjectOf(session: FuzzSession): string | undefined {
  const payload = session.headers.authorization?.split(' ')[1]?.split('.')[1];
  return payload ? (JSON.parse(Buffer.from(payload, 'base64url').toString()) as { sub?: string }).sub : undefined;
}

/**
 * Tokens every operation gets: none, malformed, a deleted user's and, given the gateway's
 * secret, correctly signed ones whose claims it never signs (a `sub` that is no UUID, null, a
 * number, no user's; the session user's own `sub` with a generation it never had).
 */
async function badTokens(send: Send, sign: TokenSigner | undefined, session: FuzzSession): Promise<BadToken[]> {
  const bearer = (token: string) => `Bearer ${token}`;
  const tokens: BadToken[] = [
    { shape: 'no token' },
    { shape: 'a token that is not one', authorization: 'Bearer not.a.token' },
    { shape: "a deleted user's token", authorization: bearer(await deletedUserToken(send)) },
  ];
  if (!sign) return tokens;
  const sub = subjectOf(session);
  const claims: [string, Record<string, unknown>][] = [
    ["sub 'x'", { sub: 'x' }],
    ['sub null', { sub: null }],
    ['sub 12', { sub: 12 }],
    ['no sub', {}],
    ["a UUID that is no user's", { sub: randomUUID() }],
    ...(sub ? ([['gen -1', { sub, gen: -1 }], ['a generation the user never had', { sub, gen: 1_000_000 }]] as [string, Record<string, unknown>][]) : []),
  ];
  return [...tokens, ...claims.map(([shape, claim]) => ({ shape: `signed token, ${shape}`, authorization: bearer(sign(claim)) }))];
}

/** The token of a user registered and then deleted through the API. */
async function deletedUserToken(send: Send): Promise<string> {
  const email = `fuzz-deleted-${randomBytes(6).toString('hex')}@example.test`;
  const registered = await send({ method: 'POST', url: '/api/auth/register', headers: JSON_TYPE, payload: JSON.stringify({ email, password: 'fuzzing password' }) });
  const { token } = JSON.parse(registered.body) as { token: string };
  const deleted = await send({ method: 'DELETE', url: '/api/auth/me', headers: { authorization: `Bearer ${token}` } });
  if (deleted.status !== 204) throw new Error(`fuzz set-up: deleting a user answered ${deleted.status} ${deleted.body}`);
  return token;
}

/** The fixed shapes every operation gets. */
function shapedRequests(operation: Operation, pool: IdPool, tokens: BadToken[]): FuzzRequest[] {
  const pathId = primaryId(pool);
  const request = requestBuilder(operation, pathId);
  const requests: FuzzRequest[] = [
    request('deeply nested arrays', { headers: JSON_TYPE, payload: deepArrays(5_000) }),
    request('deeply nested objects', { headers: JSON_TYPE, payload: deepObjects(5_000) }),
    request('non-finite number body', { headers: JSON_TYPE, payload: '1e309' }),
    request('NUL string body', { headers: JSON_TYPE, payload: '"\\u0000"' }),
    request('empty JSON body', { headers: JSON_TYPE, payload: '' }),
    request('not JSON', { headers: JSON_TYPE, payload: '{"a":' }),
    ...tokens.map(({ shape, authorization }) => request(shape, { headers: authorization ? { authorization } : {}, ownAuth: true, badToken: true })),
    ...[[], 'text', 42, null, true].map((value) => request(`top-level ${JSON.stringify(value)}`, { headers: JSON_TYPE, payload: JSON.stringify(value) })),
    ...contentTypes.map((type) => request(`content type ${type}`, { headers: { 'content-type': type }, payload: 'a=b&c=\u0000' })),
    ...hostileFiles().map(([shape, files]) => {
      const form = multipartForm(...files);
      return request(`multipart: ${shape}`, { headers: form.headers, payload: form.payload });
    }),
  ];
  for (const param of paramsIn(operation, 'path')) {
    for (const value of ['not-a-uuid', '\u0000', 'x'.repeat(300), `urn:uuid:${randomUUID()}`, pathId?.toUpperCase() ?? 'A', UNDECODABLE]) {
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
    const valid = fc.sample(valueFor(operation.body, idFrom(pool)), { numRuns: 1, seed: 1 })[0];
    for (const container of objectsIn(valid)) {
      for (const key of Object.keys(container)) {
        const original = container[key];
        for (const value of [INFINITY, MINUS_INFINITY, 'a\u0000b', 'not-a-uuid', 12, [], {}, null]) {
          container[key] = value;
          requests.push(request(`body ${key}=${JSON.stringify(value)}`, { headers: JSON_TYPE, payload: toJsonText(valid) }));
        }
        container[key] = original;
      }
    }
  }
  return requests;
}

/**
 * Each of another user's ids in each id position the operation has (path, query and body), in
 * an otherwise well-formed request, so that it gets past validation to where ownership counts.
 */
function foreignIdRequests(operation: Operation, foreign: string[]): FuzzRequest[] {
  const request = requestBuilder(operation, undefined);
  const requests: FuzzRequest[] = [];
  const bodyWith = (id: string) => {
    if (!operation.body) return {};
    const [body] = fc.sample(valueFor(operation.body, fc.constant(id)), { numRuns: 1, seed: requests.length });
    return { headers: JSON_TYPE, payload: toJsonText(body) };
  };
  for (const id of foreign) {
    for (const param of paramsIn(operation, 'path')) requests.push(request(`path ${param.name}=another user's id`, { path: { [param.name]: id }, ...bodyWith(id) }));
    for (const param of paramsIn(operation, 'query').filter((p) => takesIds(p.schema))) {
      requests.push(request(`query ${param.name}=another user's id`, { query: [[param.name, id]], ...bodyWith(id) }));
    }
    if (operation.body && takesIds(operation.body) && paramsIn(operation, 'path').length === 0) {
      requests.push(request("another user's id in every id of the body", bodyWith(id)));
    }
  }
  return requests;
}

/**
 * Requests only a raw socket can send, refused by Node's HTTP parser before Fastify sees them
 * (the session's token rides along, so that a route that reads the body gets that far).
 */
function rawRequests(operation: Operation, pool: IdPool, authorization: string | undefined): FuzzRequest[] {
  const { method, url } = requestBuilder(operation, primaryId(pool))('raw');
  const head = (headers: string[]) => [`${method} ${url} HTTP/1.1`, 'Host: fuzz', ...(authorization ? [`Authorization: ${authorization}`] : []), ...headers, '', ''].join('\r\n');
  const shapes: [string, string][] = [
    ['oversized headers', head([`X-Fuzz: ${'a'.repeat(20_000)}`])],
    ['Content-Length: abc', `${head(['Content-Type: application/json', 'Content-Length: abc'])}{}`],
    ['a body shorter than its Content-Length', `${head(['Content-Type: application/json', 'Content-Length: 100'])}{}`],
    ['a body longer than its Content-Length', `${head(['Content-Type: application/json', 'Content-Length: 1'])}{"a":1}`],
  ];
  return shapes.map(([shape, raw]) => ({ method, url, headers: {}, shape: `raw socket: ${shape}`, raw }));
}

/** Random requests from the operation's schemas: path ids, query values, headers, body and content type. */
function randomRequest(operation: Operation, pool: IdPool): fc.Arbitrary<FuzzRequest> {
  const id = idFrom(pool);
  const idOrHostile = fc.oneof(id, fc.uuid(), fc.constantFrom(...hostileText), fc.string());
  const path = fc.record(Object.fromEntries(paramsIn(operation, 'path').map((p) => [p.name, idOrHostile])));
  const query = fc.tuple(
    ...paramsIn(operation, 'query').map((p) =>
      fc.option(
        fc.oneof(valueFor(p.schema, id).map((value) => (typeof value === 'string' ? value : JSON.stringify(value))), fc.constantFrom(...hostileText), fc.string()).map(
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
        { weight: 3, arbitrary: mutatedBody(operation.body, id) },
        { weight: 1, arbitrary: valueFor(operation.body, id) },
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

/** At most `max` of `requests`, spread evenly over them (every shape kind keeps a share). */
function spread<T>(requests: T[], max: number | undefined): T[] {
  if (max === undefined || requests.length <= max) return requests;
  return Array.from({ length: max }, (_, i) => requests[Math.floor((i * requests.length) / max)]!);
}

export interface SentRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
}

export interface Answer {
  status: number;
  body: string;
  /** Of the body's bytes: a file served is compared by it. */
  sha256: string;
}

const sha256Of = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Sends one request to the gateway: in process or over HTTP. */
export type Send = (request: SentRequest) => Promise<Answer>;

/** Requests through `app.inject`, in process. */
export const injectSender =
  (app: FastifyInstance): Send =>
  async (request) => {
    const res = await app.inject({ method: request.method as InjectOptions['method'], url: request.url, headers: request.headers, payload: request.payload });
    return { status: res.statusCode, body: res.body, sha256: sha256Of(res.rawPayload) };
  };

/**
 * Requests over HTTP to a running gateway, one at a time on a kept-alive connection. Node's
 * http client rather than fetch: fetch refuses a body on GET, and the fuzz sends one.
 */
export function httpSender(baseUrl: string, timeoutMs = 60_000): Send {
  const base = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const once = (request: SentRequest) =>
    new Promise<Answer>((resolve, reject) => {
      const payload = request.payload === undefined ? undefined : Buffer.from(request.payload);
      const headers = payload ? { ...request.headers, 'content-length': String(payload.length) } : request.headers;
      const req = http.request({ host: base.hostname, port: base.port, path: request.url, method: request.method, headers, agent, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const bytes = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, body: bytes.toString(), sha256: sha256Of(bytes) });
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', (err) => reject(Object.assign(err, { reusedSocket: req.reusedSocket })));
      req.end(payload);
    });
  return async (request) => {
    try {
      return await once(request);
    } catch (err) {
      // A kept-alive connection the server closed while idle: the request never reached it.
      if ((err as { reusedSocket?: boolean; code?: string }).reusedSocket && (err as { code?: string }).code === 'ECONNRESET') return once(request);
      throw err;
    }
  };
}

/** Sends bytes on a connection of their own and answers the first response on it. */
export type RawSend = (bytes: string) => Promise<Answer>;

/**
 * Raw requests to a listening gateway. The socket is half-closed once the bytes are written, so
 * a body shorter than its `Content-Length` ends there rather than waiting for the server's timeout.
 */
export function rawSocketSender(baseUrl: string, timeoutMs = 10_000): RawSend {
  const { hostname, port } = new URL(baseUrl);
  return (bytes) =>
    new Promise<Answer>((resolve, reject) => {
      const socket = connect(Number(port), hostname);
      const chunks: Buffer[] = [];
      const timer = setTimeout(() => socket.destroy(), timeoutMs);
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      // The server may reset the connection after answering: what it sent still counts.
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearTimeout(timer);
        const answer = firstResponse(Buffer.concat(chunks));
        if (answer) resolve(answer);
        else reject(new Error(`no answer on the socket within ${timeoutMs} ms`));
      });
      socket.end(bytes, 'latin1');
    });
}

/** The status and body of the first HTTP response in `bytes`, if a whole head arrived. */
function firstResponse(bytes: Buffer): Answer | undefined {
  const text = bytes.toString('latin1');
  const headEnd = text.indexOf('\r\n\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1];
  if (headEnd === -1 || !status) return undefined;
  const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, headEnd))?.[1];
  const body = bytes.subarray(headEnd + 4, length === undefined ? undefined : headEnd + 4 + Number(length));
  return { status: Number(status), body: body.toString(), sha256: sha256Of(body) };
}

export interface FuzzSession {
  headers: Record<string, string>;
  /** The caller's own ids of every kind (post, delivery, job, account, media). */
  ids: string[];
}

/** A user with an account, an image, a post with deliveries and a posting job, made through the API itself. */
export async function provisionSession(send: Send): Promise<FuzzSession> {
  const must = async (request: Omit<SentRequest, 'headers' | 'payload'> & { headers?: Record<string, string>; payload?: unknown }, status: number) => {
    const json = request.payload !== undefined && !Buffer.isBuffer(request.payload);
    const answer = await send({
      method: request.method,
      url: request.url,
      headers: { ...(json ? JSON_TYPE : {}), ...request.headers },
      payload: json ? JSON.stringify(request.payload) : (request.payload as Buffer | undefined),
    });
    if (answer.status !== status) throw new Error(`fuzz set-up: ${request.method} ${request.url} answered ${answer.status} ${answer.body}`);
    return JSON.parse(answer.body);
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

const failureOf = (operation: Operation, request: FuzzRequest, status: number, body: string): FuzzFailure => ({
  operation: `${operation.method} ${operation.path}`,
  shape: request.shape,
  url: request.url.slice(0, 200),
  status,
  body: body.slice(0, 300),
});

function hasErrorBody(answer: Answer): boolean {
  return typeof errorBodyOf(answer)?.error === 'string' && codeOf(answer) !== undefined;
}

function errorBodyOf(answer: Answer): { error?: unknown; code?: unknown } | undefined {
  try {
    return JSON.parse(answer.body) ?? undefined;
  } catch {
    return undefined;
  }
}

function codeOf(answer: Answer): string | undefined {
  const code = errorBodyOf(answer)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A request that may end the session's tokens (logout-all, password change, account deletion). */
const endsSession = (operation: Operation, answer: Answer) =>
  operation.path.startsWith('/api/auth/') && operation.method !== 'GET' && !/\/(register|login)$/.test(operation.path) && answer.status < 300;

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

/** Another user's data, as the fuzz sees it. */
export interface ForeignData {
  /** Its ids of every kind: each goes into every id position, and none may come back unasked. */
  ids: string[];
  /**
   * Text only its data holds (a marker in its posts, account names, file names; the sha256 of
   * its files): none may come back, nor a body whose sha256 is one of them.
   */
  markers: string[];
}

export interface FuzzOptions {
  /** Random requests per operation, on top of the fixed shapes. */
  randomPerOperation: number;
  seed?: number;
  /** A fresh user every this many requests, so deletions by earlier requests do not hollow the run out. */
  refreshEvery?: number;
  /** Another user's data: its ids join the session's own in every id position, and no response may show it. */
  foreign?: ForeignData;
  /**
   * Fuzz as this user throughout, without sending any of its own ids, so that its data made
   * before must come out unchanged; operations that act on all of a user's data at once
   * belong in `skipOperations`.
   */
  session?: Omit<FuzzSession, 'ids'>;
  /** operationIds not to fuzz. */
  skipOperations?: string[];
  /** Sends raw bytes to the gateway (`rawSocketSender`): each operation also gets the shapes only Node's parser sees. */
  sendRaw?: RawSend;
  /** Signs tokens with the gateway's secret (`tokenSigner`), for the shapes of claims it never signs; without it, only unsigned bad tokens are sent. */
  signToken?: TokenSigner;
  /** At most this many of the fixed hostile shapes per operation (each foreign id is sent in each id position regardless). */
  shapesPerOperation?: number;
  /** Told of progress every `progressEvery` (1,000) requests. */
  progress?: (tally: FuzzTally) => void;
  progressEvery?: number;
}

/** Fuzzes every operation of `app`'s OpenAPI document, in process. */
export async function fuzzOpenApi(app: FastifyInstance, options: FuzzOptions): Promise<FuzzTally> {
  const restoreFetch = refuseOutboundFetch();
  try {
    return await fuzzOpenApiWith(injectSender(app), { signToken: tokenSigner(app.config.auth.jwtSecret), ...options });
  } finally {
    restoreFetch();
  }
}

/** The request's own text, lower-cased: what a response may echo without reading anything. */
const sentText = (request: FuzzRequest) => `${decodeURIComponentSafe(request.url)} ${request.payload?.toString() ?? ''} ${JSON.stringify(request.headers)}`.toLowerCase();

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Another user's id or marker in the response that the request did not carry, or another user's file. */
function foreignValueIn(answer: Answer, request: FuzzRequest, values: string[]): string | undefined {
  if (values.includes(answer.sha256)) return `the file of sha256 ${answer.sha256}`;
  const body = answer.body.toLowerCase();
  const present = values.filter((value) => body.includes(value));
  if (present.length === 0) return undefined;
  const sent = sentText(request);
  return present.find((value) => !sent.includes(value));
}

/** Fuzzes every operation of the OpenAPI document of the gateway behind `send`. */
export async function fuzzOpenApiWith(send: Send, options: FuzzOptions): Promise<FuzzTally> {
  const doc = JSON.parse((await send({ method: 'GET', url: '/docs/json', headers: {} })).body);
  const operations = operationsOf(doc).filter((operation) => !options.skipOperations?.includes(operation.operationId ?? ''));
  const tally: FuzzTally = {
    operations: operations.length,
    requests: 0,
    serverErrors: [],
    upstreamUnavailable: [],
    withoutCode: [],
    unanswered: [],
    crossTenantReads: [],
    badTokenChecks: 0,
    badTokensAccepted: [],
    withForeignIds: 0,
    perOperation: new Map(),
    statuses: new Map(),
  };
  const foreignIds = (options.foreign?.ids ?? []).map((id) => id.toLowerCase());
  const forbidden = [...foreignIds, ...(options.foreign?.markers ?? []).map((marker) => marker.toLowerCase())];
  const fixed = options.session;
  const newSession = async (): Promise<FuzzSession> => (fixed ? { ...fixed, ids: [] } : provisionSession(send));
  let session = await newSession();
  const tokens = await badTokens(send, options.signToken, session);
  let sinceRefresh = 0;
  for (const [index, operation] of operations.entries()) {
    const name = `${operation.method} ${operation.path}`;
    const pool = { own: session.ids, foreign: foreignIds };
    const shapes = [
      ...spread(shapedRequests(operation, pool, tokens), options.shapesPerOperation),
      ...foreignIdRequests(operation, foreignIds),
      ...(options.sendRaw ? rawRequests(operation, pool, session.headers.authorization) : []),
    ];
    const random = fc.sample(randomRequest(operation, pool), { numRuns: options.randomPerOperation, seed: (options.seed ?? 16) + index });
    for (const request of [...shapes, ...random]) {
      const headers = request.ownAuth ? request.headers : { ...session.headers, ...request.headers };
      const answer = await (request.raw !== undefined && options.sendRaw ? options.sendRaw(request.raw) : send({ method: request.method, url: request.url, headers, payload: request.payload })).catch(
        (err: Error) => err,
      );
      tally.requests += 1;
      tally.perOperation.set(name, (tally.perOperation.get(name) ?? 0) + 1);
      const sent = foreignIds.length > 0 ? sentText(request) : '';
      if (foreignIds.some((id) => sent.includes(id))) tally.withForeignIds += 1;
      if (answer instanceof Error) {
        tally.unanswered.push(failureOf(operation, request, 0, answer.message));
      } else {
        tally.statuses.set(answer.status, (tally.statuses.get(answer.status) ?? 0) + 1);
        if (operation.upstreamStatuses.includes(answer.status) && hasErrorBody(answer)) tally.upstreamUnavailable.push(failureOf(operation, request, answer.status, answer.body));
        else if (answer.status >= 500) tally.serverErrors.push(failureOf(operation, request, answer.status, answer.body));
        else if (answer.status >= 400 && !hasErrorBody(answer)) tally.withoutCode.push(failureOf(operation, request, answer.status, answer.body));
        if (request.badToken && operation.secured) {
          tally.badTokenChecks += 1;
          if (answer.status !== 401 || codeOf(answer) !== 'unauthorized') tally.badTokensAccepted.push(failureOf(operation, request, answer.status, answer.body));
        }
        const leaked = forbidden.length > 0 ? foreignValueIn(answer, request, forbidden) : undefined;
        if (leaked) tally.crossTenantReads.push({ ...failureOf(operation, request, answer.status, answer.body), shape: `${request.shape}; showed ${leaked}` });
      }
      if (tally.requests % (options.progressEvery ?? 1_000) === 0) options.progress?.(tally);
      sinceRefresh += 1;
      if (!fixed && ((!(answer instanceof Error) && endsSession(operation, answer)) || sinceRefresh >= (options.refreshEvery ?? 250))) {
        session = await newSession();
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

import { parse } from 'node:querystring';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { badRequest } from './errors.ts';

/**
 * How deeply a JSON body may nest. Far more than any route's schema takes (a Playwright storage
 * state is 4 levels), and few enough that walking a body (the schema, the NUL check) cannot
 * overflow the stack. The body's size is bounded by Fastify's `bodyLimit`.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * `?status=&limit=` is how forms and URL builders say "not given": an empty value is left out
 * rather than validated (an empty string is no UUID, number or status), repeated or not.
 */
export function parseQueryString(query: string): Record<string, string | string[]> {
  const given: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(parse(query))) {
    const values = (Array.isArray(value) ? value : [value ?? '']).filter((item) => item !== '');
    if (values.length > 0) given[key] = values.length === 1 ? values[0]! : values;
  }
  return given;
}

/**
 * A request with `Content-Type: application/json` and no body (many HTTP clients send the
 * header by default) has no body, rather than an invalid one: publish-now and retry take none,
 * and a route that needs one still answers 400 naming it. Any other body goes through Fastify's
 * own JSON parser, its prototype-poisoning checks included, and a body nested deeper than
 * `MAX_JSON_DEPTH` is refused before anything walks it.
 */
export const emptyJsonBody = fp(
  async (app: FastifyInstance) => {
    const parseJson = app.getDefaultJsonParser('error', 'error');
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      if ((body as string).trim() === '') {
        done(null, undefined);
        return;
      }
      parseJson(request, body as string, (err, parsed) => {
        if (err) return done(err, undefined);
        if (nestedDeeperThan(parsed, MAX_JSON_DEPTH)) {
          return done(badRequest(`The JSON body is nested more than ${MAX_JSON_DEPTH} levels deep`, 'invalid_body'), undefined);
        }
        done(null, parsed);
      });
    });
  },
  { name: 'empty-json-body' },
);

/** Whether arrays and objects in `value` nest deeper than `limit`; iterative, so any depth is safe to measure. */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  const pending: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (pending.length > 0) {
    const { value: item, depth } = pending.pop()!;
    if (item === null || typeof item !== 'object') continue;
    if (depth >= limit) return true;
    for (const child of Object.values(item)) pending.push({ value: child, depth: depth + 1 });
  }
  return false;
}

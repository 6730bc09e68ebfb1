import { parse } from 'node:querystring';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

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
 * own JSON parser, its prototype-poisoning checks included.
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
      parseJson(request, body as string, done);
    });
  },
  { name: 'empty-json-body' },
);

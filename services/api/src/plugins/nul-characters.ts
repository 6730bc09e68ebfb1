import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { badRequest } from './errors.ts';

// Postgres text cannot hold U+0000: text carrying it is refused with a 400 naming where it was,
// rather than failing on insert. JSON bodies, queries and path parameters are checked here for
// every route; text that arrives outside them (multipart form fields and file names, CSV cells)
// is checked where it is read, with the same functions.

export const hasNul = (text: string) => text.includes('\u0000');

/** "body.alt_text must not contain ...": the refusal's sentence for the named field. */
export const nulMessage = (field: string) => `${field} must not contain the NUL character (\\u0000)`;

/** The text, or a 400 naming `field` when it carries NUL. */
export function withoutNul(text: string, field: string): string {
  if (hasNul(text)) throw badRequest(nulMessage(field));
  return text;
}

/** Runs after schema validation. */
export const nulCharacters = fp(
  async (app: FastifyInstance) => {
    app.addHook('preHandler', rejectNulCharacters);
  },
  { name: 'nul-characters' },
);

async function rejectNulCharacters(request: FastifyRequest): Promise<void> {
  const field = fieldWithNul(request.body, 'body') ?? fieldWithNul(request.query, 'querystring') ?? fieldWithNul(request.params, 'params');
  if (field) throw badRequest(nulMessage(field));
}

function fieldWithNul(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return hasNul(value) ? path : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  const entries = Array.isArray(value) ? value.map((item, index) => [`[${index}]`, item] as const) : Object.entries(value).map(([key, item]) => [`.${key}`, item] as const);
  for (const [step, item] of entries) {
    const found = fieldWithNul(item, `${path}${step}`);
    if (found) return found;
  }
  return undefined;
}

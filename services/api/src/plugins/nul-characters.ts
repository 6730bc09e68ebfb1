import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { badRequest } from './errors.ts';

/**
 * Postgres text cannot hold U+0000, so every JSON body carrying it is refused with a 400
 * naming the field, rather than failing on insert. Runs after schema validation.
 */
export const nulCharacters = fp(
  async (app: FastifyInstance) => {
    app.addHook('preHandler', rejectNulCharacters);
  },
  { name: 'nul-characters' },
);

async function rejectNulCharacters(request: FastifyRequest): Promise<void> {
  const field = fieldWithNul(request.body, 'body');
  if (field) throw badRequest(`${field} must not contain the NUL character (\\u0000)`);
}

function fieldWithNul(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  const entries = Array.isArray(value) ? value.map((item, index) => [`[${index}]`, item] as const) : Object.entries(value).map(([key, item]) => [`.${key}`, item] as const);
  for (const [step, item] of entries) {
    const found = fieldWithNul(item, `${path}${step}`);
    if (found) return found;
  }
  return undefined;
}

import { AjvCompiler } from '@fastify/ajv-compiler';
import type { FastifyServerOptions } from 'fastify';
import { UUID_REGEX } from '@autoposter/db';

/**
 * Query strings and path params arrive as text, so they are coerced ("20" -> 20). JSON bodies
 * are not: a string where a number belongs, or a lone value where an array belongs, is a 400
 * naming the field rather than something quietly converted. Both read the `uuid` format as
 * `UUID_REGEX`: ajv-formats' own also takes a `urn:uuid:` prefix, which Postgres refuses (a
 * 500 instead of a 400). A coerced number must also be finite: ajv turns "Infinity" or "1e309"
 * into Infinity and then skips `minimum`/`maximum` (it only compares finite numbers).
 */
export function validationCompilers(): FastifyServerOptions['schemaController'] {
  const strict = AjvCompiler();
  const coercing = AjvCompiler();
  const common = { removeAdditional: false, useDefaults: true, allErrors: false } as const;
  const onCreate = (ajv: { addFormat(name: string, format: RegExp): unknown }) => ajv.addFormat('uuid', UUID_REGEX);
  return {
    compilersFactory: {
      buildValidator(externalSchemas: Parameters<ReturnType<typeof AjvCompiler>>[0], options: Parameters<ReturnType<typeof AjvCompiler>>[1]) {
        const body = strict(externalSchemas, { ...options, onCreate, customOptions: { ...common, coerceTypes: false } } as typeof options);
        const other = coercing(externalSchemas, { ...options, onCreate, customOptions: { ...common, coerceTypes: 'array' } } as typeof options);
        return (route: { httpPart?: string } & Parameters<typeof body>[0]) =>
          route.httpPart === 'body' ? body(route) : finiteNumbersOnly(other(route));
      },
    },
  };
}

type Validate = ((data: unknown) => boolean) & { errors?: unknown[] | null };

/** `validate`, refusing any coerced value (a query, params or header field) that is a non-finite number. */
function finiteNumbersOnly<V extends Validate>(validate: V): V {
  const checked = ((data: unknown) => {
    const valid = validate(data);
    checked.errors = validate.errors;
    if (!valid) return false;
    const field = nonFiniteField(data);
    if (field === undefined) return true;
    checked.errors = [{ instancePath: `/${field}`, keyword: 'finite', params: {}, message: 'must be a finite number' }];
    return false;
  }) as V;
  return checked;
}

function nonFiniteField(data: unknown): string | undefined {
  if (data === null || typeof data !== 'object') return undefined;
  for (const [key, value] of Object.entries(data)) {
    const values: unknown[] = Array.isArray(value) ? value : [value];
    if (values.some((item) => typeof item === 'number' && !Number.isFinite(item))) return key;
  }
  return undefined;
}

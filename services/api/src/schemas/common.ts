import Type from 'typebox';

/** The contract's error body. */
export const ErrorBody = Type.Object(
  {
    error: Type.String({ description: 'what went wrong, in a sentence a person can act on' }),
    code: Type.String({ description: 'machine-readable code' }),
    details: Type.Optional(Type.Array(Type.Unknown())),
  },
  { $id: 'ErrorBody' },
);

export const Uuid = Type.String({ format: 'uuid' });
export const IdParams = Type.Object({ id: Uuid });
/** ISO 8601 with seconds 00-59: ajv's date-time accepts a leap second (":60") that Date cannot represent. */
export const TIMESTAMP_PATTERN = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:[0-5]\\d(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$';
export const Timestamp = Type.String({ format: 'date-time', pattern: TIMESTAMP_PATTERN });
export const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);
export const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

/** Error responses a route can give, for its schema (and so the OpenAPI). */
export const errorResponses = (...codes: (400 | 401 | 404 | 409 | 413 | 422 | 429 | 502 | 504)[]) =>
  Object.fromEntries(codes.map((code) => [code, ErrorBody]));

export const toIso = (date: Date | null | undefined) => (date ? date.toISOString() : null);

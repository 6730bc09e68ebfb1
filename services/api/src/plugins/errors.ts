import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { UseCaseError } from '@autoposter/engine';
import { TIMESTAMP_PATTERN } from '../schemas/common.ts';

/** An error whose message a person can act on, answered with the contract's error body. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: unknown[],
  ) {
    super(message);
  }
}

export const badRequest = (message: string, code = 'validation_error', details?: unknown[]) =>
  new HttpError(400, code, message, details);
export const notFound = (what: string) => new HttpError(404, 'not_found', `${what} not found`);
export const conflict = (message: string, code = 'conflict') => new HttpError(409, code, message);
export const malformedUpload = () => badRequest('The multipart body is malformed or ends before the file does', 'invalid_body');

export const oneFileOnly = () => badRequest('Send one file per upload: this request has more than one', 'too_many_files');

/**
 * An error from reading a multipart upload (every upload route takes one file): more than one
 * file is a 400, the parser's other limits carry their own status, the rest is a body that
 * cannot be read.
 */
export function multipartError(err: unknown): unknown {
  if ((err as { code?: string }).code === 'FST_FILES_LIMIT') return oneFileOnly();
  return (err as { statusCode?: number }).statusCode ? err : malformedUpload();
}

export const unauthorized = (message = 'Missing or invalid token') => new HttpError(401, 'unauthorized', message);

const useCaseStatus: Record<UseCaseError['kind'], number> = { invalid: 400, not_found: 404, conflict: 409 };

export interface ValidationIssue {
  instancePath: string;
  message?: string;
  keyword: string;
  params: Record<string, unknown>;
}

/** "body.targets[0].channel must be one of ..." from a schema validation failure. */
export function describeValidation(context: string, issue: ValidationIssue): string {
  const path = issue.instancePath
    .split('/')
    .filter(Boolean)
    .map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part}`))
    .join('');
  const field =
    issue.keyword === 'required'
      ? `${context}${path}.${String(issue.params.missingProperty ?? (issue.params.requiredProperties as string[] | undefined)?.[0])}`
      : issue.keyword === 'additionalProperties'
        ? `${context}${path}.${String(issue.params.additionalProperty)}`
        : `${context}${path}`;
  if (issue.keyword === 'required') return `${field} is required`;
  if (issue.keyword === 'additionalProperties') return `${field} is not an accepted field`;
  if (issue.keyword === 'enum' || (issue.keyword === 'const' && issue.params.allowedValues)) {
    const allowed = (issue.params.allowedValues as unknown[] | undefined)?.join(', ');
    return `${field} must be one of: ${allowed}`;
  }
  if (issue.keyword === 'format' && issue.params.format === 'uuid') return `${field} must be a UUID`;
  if ((issue.keyword === 'format' && issue.params.format === 'date-time') || issue.params.pattern === TIMESTAMP_PATTERN) {
    return `${field} must be an ISO 8601 date-time such as 2030-01-31T09:30:00Z`;
  }
  return `${field} ${issue.message ?? 'is invalid'}`;
}

/**
 * SQLSTATEs of a value Postgres cannot take as the type it was sent for: the request's fault.
 * The checks at the edge (schemas, the NUL check) should refuse such input first; this is the
 * backstop for one they miss, so it answers 400 rather than 500 (and is logged as a warning).
 */
const POSTGRES_INPUT_ERRORS: Record<string, string> = {
  '22021': 'A text value holds a character that cannot be stored, such as NUL (\\u0000)',
  '22P05': 'A text value holds a character that cannot be stored',
  '22P02': 'A value is not valid for its type',
  '22003': 'A number is out of range',
  '22007': 'A date or time is not valid',
  '22008': 'A date or time is out of range',
  '22001': 'A text value is too long',
};

/** The 400 for an error of Postgres (or a query error caused by one) refusing a value, else undefined. */
export function postgresInputError(err: unknown): HttpError | undefined {
  for (let cause = err, depth = 0; cause instanceof Error && depth < 4; cause = cause.cause, depth += 1) {
    const code = (cause as { code?: unknown }).code;
    const message = typeof code === 'string' && typeof (cause as { severity?: unknown }).severity === 'string' ? POSTGRES_INPUT_ERRORS[code] : undefined;
    if (message) return badRequest(message);
  }
  return undefined;
}

/** One error handler for every route: the contract's `{error, code, details?}` body, never internals. */
export const errorHandler = fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler((error: FastifyError | HttpError | UseCaseError, request, reply) => {
      if (error instanceof UseCaseError) {
        return reply.code(useCaseStatus[error.kind]).send({ error: error.message, code: error.code });
      }
      if (error instanceof HttpError) {
        return reply.code(error.statusCode).send({ error: error.message, code: error.code, details: error.details });
      }
      const fastifyError = error as FastifyError;
      if (fastifyError.validation) {
        const issues = fastifyError.validation as unknown as ValidationIssue[];
        const context = fastifyError.validationContext ?? 'body';
        const messages = issues.map((issue) => describeValidation(context, issue));
        return reply.code(400).send({ error: messages[0] ?? 'Invalid request', code: 'validation_error', details: messages });
      }
      const status = fastifyError.statusCode ?? 500;
      if (status >= 400 && status < 500) {
        return reply.code(status).send({ error: clientMessage(fastifyError), code: clientCode(fastifyError) });
      }
      const input = postgresInputError(error);
      if (input) {
        request.log.warn({ err: error }, 'a value Postgres refused got past the request checks');
        return reply.code(400).send({ error: input.message, code: input.code });
      }
      request.log.error({ err: error }, 'unexpected error');
      return reply.code(500).send({ error: 'Something went wrong on our side; it was logged.', code: 'internal_error' });
    });
    app.setNotFoundHandler((request, reply) =>
      reply.code(404).send({ error: `No route for ${request.method} ${request.url.split('?')[0]}`, code: 'not_found' }),
    );
  },
  { name: 'error-handler' },
);

function clientMessage(error: FastifyError): string {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'The request body is not valid JSON';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'Unsupported Content-Type; send application/json';
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'The request body is too large';
    default:
      return error.message;
  }
}

function clientCode(error: FastifyError): string {
  if (error.statusCode === 429) return 'rate_limited';
  if (error.statusCode === 401) return 'unauthorized';
  if (error.statusCode === 413) return 'payload_too_large';
  if (error.statusCode === 415) return 'unsupported_media_type';
  return error.code?.startsWith('FST_ERR_CTP') ? 'invalid_body' : 'bad_request';
}

import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { UUID_REGEX } from '@autoposter/db';
import { STREAM_ID_PATTERN } from '../routes/schemas.ts';

/** An error answered with the contract's `{error, code}` body. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const unauthorized = (message = 'Missing or invalid token') => new HttpError(401, 'unauthorized', message);
export const notFound = (what: string) => new HttpError(404, 'not_found', `${what} not found`);

/** The contract's error body for every route; schema failures name the field. */
export const errorHandler = fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler((error: FastifyError | HttpError, request, reply) => {
      if (error instanceof HttpError) return reply.code(error.statusCode).send({ error: error.message, code: error.code });
      if (error.validation) {
        const [issue] = error.validation;
        const field = `${error.validationContext ?? 'request'}${issue?.instancePath.replaceAll('/', '.') ?? ''}`;
        const pattern = issue?.params.pattern;
        const problem =
          pattern === UUID_REGEX.source ? 'must be a UUID' : pattern === STREAM_ID_PATTERN ? 'must be an event id such as 1733380000000-0' : (issue?.message ?? 'is invalid');
        return reply.code(400).send({ error: `${field} ${problem}`, code: 'validation_error' });
      }
      if (error.statusCode && error.statusCode < 500) return reply.code(error.statusCode).send({ error: error.message, code: error.code ?? 'bad_request' });
      request.log.error({ err: error }, 'request failed');
      return reply.code(500).send({ error: 'Internal error; try again', code: 'internal_error' });
    });
    app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: 'Route not found', code: 'not_found' }));
  },
  { name: 'errors' },
);

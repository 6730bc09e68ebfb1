import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

/** The URL with its query string's `token` masked (browsers must put their token there). */
export function urlWithoutToken(url: string): string {
  const queryStart = url.indexOf('?');
  if (queryStart < 0) return url;
  const query = new URLSearchParams(url.slice(queryStart + 1));
  if (!query.has('token')) return url;
  query.set('token', '[redacted]');
  return `${url.slice(0, queryStart)}?${query.toString()}`;
}

export const requestFields = (request: FastifyRequest) => ({
  method: request.method,
  url: urlWithoutToken(request.url),
  remote_address: request.ip,
});

const quiet = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Fastify's request lines with the URL's token masked: its own would log the raw URL. Probes
 * are not logged.
 */
export class TokenlessLogController extends LogController {
  constructor() {
    super({ disableRequestLogging: (request: FastifyRequest) => quiet.has(request.url) });
  }

  override incomingRequest(request: FastifyRequest): void {
    request.log.info({ req: requestFields(request) }, 'incoming request');
  }

  override requestCompleted(error: Error | null, request: FastifyRequest, reply: FastifyReply): void {
    const fields = { req: requestFields(request), res: { statusCode: reply.statusCode }, responseTime: reply.elapsedTime };
    if (error) reply.log.error({ ...fields, err: error }, 'request errored');
    else reply.log.info(fields, 'request completed');
  }
}

import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyServerOptions } from 'fastify';

/**
 * Fastify's answers to requests that never reach a route, in the contract's `{error, code}`
 * shape: a URL it cannot decode or route (`frameworkErrors`), and what Node's HTTP parser refuses
 * before Fastify sees a request at all (`clientErrorHandler`), which is written to the socket by hand.
 */
export const frameworkErrors: FastifyServerOptions['frameworkErrors'] = (error, _request, reply) => {
  const message =
    error.code === 'FST_ERR_BAD_URL'
      ? 'The URL is not valid: a percent-encoded sequence in it does not decode'
      : error.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? 'A path segment of the URL is too long'
        : error.message;
  const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 400;
  void (reply as FastifyReply).code(status).send({ error: message, code: 'bad_request' });
};

interface ClientErrorAnswer {
  status: number;
  error: string;
  code: string;
}

/** What Node's parser refused, as the status and body a client can act on. */
export function clientErrorAnswer(err: NodeJS.ErrnoException): ClientErrorAnswer {
  switch (err.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, error: 'The request took too long to arrive', code: 'request_timeout' };
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, error: 'The request headers are too large', code: 'headers_too_large' };
    case 'HPE_INVALID_CONTENT_LENGTH':
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return { status: 400, error: 'The Content-Length header is not valid for this request', code: 'bad_request' };
    case 'HPE_INVALID_EOF_STATE':
      return { status: 400, error: 'The request ended before it was complete (a body shorter than its Content-Length, or headers cut off)', code: 'bad_request' };
    default:
      return { status: 400, error: 'The request is not valid HTTP', code: 'bad_request' };
  }
}

export function clientErrorHandler(this: FastifyInstance, err: FastifyError | NodeJS.ErrnoException, socket: Socket) {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const { status, error, code } = clientErrorAnswer(err);
  this.log.debug({ err }, 'client error');
  if (socket.writable) {
    const body = JSON.stringify({ error, code });
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\n\r\n${body}`,
    );
  }
  socket.destroy(err as Error);
}

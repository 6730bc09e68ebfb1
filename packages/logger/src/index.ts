import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

const secretKeys = [
  'authorization',
  'cookie',
  'set-cookie',
  'cookies',
  'password',
  'password_hash',
  'token',
  'access_token',
  'accessToken',
  'refresh_token',
  'storage_state',
  'storageState',
  'credentials',
  'secret',
];

/** Secret field names redacted at the top level and up to three levels deep. */
export const redactPaths = secretKeys.flatMap((key) => {
  const k = /^[a-z_]+$/i.test(key) ? key : `["${key}"]`;
  const dot = k.startsWith('[') ? '' : '.';
  return [k, `*${dot}${k}`, `*.*${dot}${k}`, `*.*.*${dot}${k}`];
});

export interface CreateLoggerOptions {
  service: string;
  level?: string;
  /** Where JSON lines go; stdout by default. Tests pass a stream to read them back. */
  destination?: DestinationStream;
}

export function createLogger({ service, level = 'info', destination }: CreateLoggerOptions): Logger {
  const options: LoggerOptions = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: redactPaths, censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
  };
  return pino(options, destination ?? stdout());
}

/**
 * Standard output, written asynchronously: a line is handed to libuv instead of a blocking
 * write per line, and lines logged while a write is in flight go out together in the next one.
 * Nothing waits for a buffer to fill, so a quiet service's lines appear at once; pino flushes
 * what is pending synchronously when the process exits (including after an uncaught error).
 */
function stdout(): DestinationStream {
  return pino.destination({ dest: 1, sync: false });
}

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
  return destination ? pino(options, destination) : pino(options);
}

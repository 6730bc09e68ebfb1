import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { serializeError } from './query-errors.ts';
import { redactLine } from './redact-line.ts';

export type { Logger } from 'pino';
export { serializeError, statementName } from './query-errors.ts';

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
    hooks: { streamWrite: redactLine },
    serializers: { err: serializeError },
    formatters: { level: (label) => ({ level: label }) },
  };
  return pino(options, destination ?? stdout());
}

/**
 * Standard output, written asynchronously: a line is handed to libuv instead of a blocking
 * write per line, and lines logged while a write is in flight go out together in the next one.
 * Nothing waits for a buffer to fill, so a quiet service's lines appear at once; pino flushes
 * what is pending synchronously when the process exits (including after an uncaught error).
 * The price: a write still in flight at exit can land after the lines flushed then (every
 * line carries its `time`).
 */
function stdout(): DestinationStream {
  return pino.destination({ dest: 1, sync: false });
}

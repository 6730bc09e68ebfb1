import type { Db } from '@autoposter/db';
import { appendDeliveryLogs, type NewDeliveryLog } from '@autoposter/db/repositories/delivery-logs';
import type { Logger } from '@autoposter/logger';
import type { LogLevel } from '@autoposter/publisher';

const secretLookingKey = /token|cookie|password|passwd|secret|storage_?state|credential|authorization|api_?key|session_?id/i;
const MAX_DEPTH = 6;

/** Copies log fields with every secret-looking key's value replaced, at any depth. */
export function redactFields(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH) return '[truncated]';
  if (Array.isArray(value)) return value.map((item) => redactFields(item, depth + 1));
  if (value instanceof Date || value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, secretLookingKey.test(key) ? '[redacted]' : redactFields(item, depth + 1)]),
  );
}

const pinoLevel = { INFO: 'info', WARNING: 'warn', ERROR: 'error' } as const;

/**
 * The user-facing log of one attempt (delivery_logs rows), mirrored to the service log.
 * Writes are queued in order and never block or fail the publisher; `flush` waits for them.
 */
export class DeliveryLog {
  private written: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly deliveryId: string,
    private readonly attemptNo: number | null,
    private readonly logger: Logger,
  ) {}

  write(level: LogLevel, message: string, fields: Record<string, unknown> = {}): void {
    const line = this.line(level, message, fields);
    this.written = this.written
      .then(() => appendDeliveryLogs(this.db, [line]))
      .catch((err: unknown) => this.logger.warn({ err }, 'could not write a delivery log line'));
  }

  /**
   * A line for the caller to insert itself (in the transaction that records an outcome, so the
   * log never lags the status). Call `flush` first: ids keep the order lines were written in.
   */
  line(level: LogLevel, message: string, fields: Record<string, unknown> = {}): NewDeliveryLog {
    const safe = redactFields(fields) as Record<string, unknown>;
    this.logger[pinoLevel[level]](safe, message);
    return { deliveryId: this.deliveryId, attemptNo: this.attemptNo, level, message, fields: safe };
  }

  flush(): Promise<void> {
    return this.written;
  }
}

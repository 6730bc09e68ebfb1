import type { Db } from '@autoposter/db';
import { appendDeliveryLogs, type NewDeliveryLog } from '@autoposter/db/repositories/delivery-logs';
import type { Logger } from '@autoposter/logger';
import type { LogLevel } from '@autoposter/publisher';
import { Redactor } from './redaction.ts';

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
    /** Scrubs the attempt's secrets from messages and fields. */
    private readonly redactor: Redactor = new Redactor(),
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
    return this.mirror(this.draft(level, message, fields));
  }

  /** A scrubbed line not yet mirrored to the service log: for a write that may not land (call `mirror` once it did). */
  draft(level: LogLevel, message: string, fields: Record<string, unknown> = {}): NewDeliveryLog {
    const safe = this.redactor.fields(fields);
    return { deliveryId: this.deliveryId, attemptNo: this.attemptNo, level, message: this.redactor.text(message), fields: safe };
  }

  mirror(line: NewDeliveryLog): NewDeliveryLog {
    this.logger[pinoLevel[line.level]](line.fields, line.message);
    return line;
  }

  flush(): Promise<void> {
    return this.written;
  }
}

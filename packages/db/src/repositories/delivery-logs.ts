import type { DbOrTx } from '../client.ts';
import { deliveryLogs } from '../schema.ts';
import type { LogLevel } from '../statuses.ts';

export interface NewDeliveryLog {
  deliveryId: string;
  attemptNo: number | null;
  level: LogLevel;
  message: string;
  fields: Record<string, unknown>;
}

/** Appends lines to deliveries' logs, in the given order (ids are increasing). */
export async function appendDeliveryLogs(db: DbOrTx, lines: NewDeliveryLog[]): Promise<void> {
  if (lines.length === 0) return;
  await db.insert(deliveryLogs).values(lines);
}

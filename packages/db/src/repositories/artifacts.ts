import type { DbOrTx } from '../client.ts';
import { artifacts } from '../schema.ts';

/** Stores the HTML of a failing page (already scrubbed of secrets); returns its id. */
export async function insertPageHtml(db: DbOrTx, input: { userId: string; deliveryId: string; html: string }): Promise<string> {
  const [row] = await db
    .insert(artifacts)
    .values({ userId: input.userId, deliveryId: input.deliveryId, kind: 'page_html', mime: 'text/html; charset=utf-8', data: Buffer.from(input.html, 'utf8') })
    .returning({ id: artifacts.id });
  return row!.id;
}

/** Stores a failure screenshot of a delivery's attempt; returns its id. */
export async function insertScreenshot(
  db: DbOrTx,
  input: { userId: string; deliveryId: string; data: Buffer; mime?: string },
): Promise<string> {
  const [row] = await db
    .insert(artifacts)
    .values({ userId: input.userId, deliveryId: input.deliveryId, kind: 'screenshot', mime: input.mime ?? 'image/png', data: input.data })
    .returning({ id: artifacts.id });
  return row!.id;
}

/** Redis stream ids (`<ms>-<seq>`), compared as the stream orders them. */

const STREAM_ID = /^(\d{1,20})(?:-(\d{1,20}))?$/;

/** `1700000000000-0`, or a bare `1700000000000` (its sequence is 0). */
export const isStreamId = (value: string) => STREAM_ID.test(value);

function parts(id: string): [bigint, bigint] {
  const match = STREAM_ID.exec(id);
  if (!match) throw new Error(`not a stream id: ${id}`);
  return [BigInt(match[1]!), BigInt(match[2] ?? 0)];
}

export function compareStreamIds(a: string, b: string): number {
  const [aMs, aSeq] = parts(a);
  const [bMs, bSeq] = parts(b);
  if (aMs !== bMs) return aMs < bMs ? -1 : 1;
  if (aSeq !== bSeq) return aSeq < bSeq ? -1 : 1;
  return 0;
}

/** When Redis appended the entry (its clock), in epoch milliseconds. */
export const streamIdTime = (id: string) => Number(parts(id)[0]);

/** What the benchmark worker processes (bench/workers/*.ts) and their parent say over IPC. */
export type WorkerMessage =
  | { kind: 'ready' }
  /** Parent -> runtime worker: send the publisher calls recorded so far. */
  | { kind: 'send-calls' }
  /** Each publisher call: the delivery and Date.now() when the runtime called the publisher. */
  | { kind: 'calls'; calls: [deliveryId: string, calledAt: number][] }
  /** Raw worker: the moment its last expected job completed. */
  | { kind: 'finished'; at: number };

export const isMessage =
  <K extends WorkerMessage['kind']>(kind: K) =>
  (message: unknown): message is Extract<WorkerMessage, { kind: K }> =>
    (message as { kind?: unknown } | null)?.kind === kind;

export function send(message: WorkerMessage) {
  process.send?.(message);
}

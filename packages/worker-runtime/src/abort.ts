/** The worker is stopping and its grace period ran out: the attempt is handed back, not failed. */
export class WorkerShutdownError extends Error {
  override name = 'WorkerShutdownError';
  constructor() {
    super('worker shutting down');
  }
}

/** Another worker took the delivery over (this one stalled): stop without writing anything. */
export class ClaimLostError extends Error {
  override name = 'ClaimLostError';
  constructor() {
    super('the claim on this delivery was taken over by another worker');
  }
}

/**
 * Settles with `work`, or rejects with the signal's reason as soon as it aborts: a publisher
 * that ignores its signal cannot hold the attempt past a timeout or a shutdown.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

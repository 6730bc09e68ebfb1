import closeWithGrace from 'close-with-grace';
import type { Logger } from 'pino';

const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;
/**
 * Signals this close together are one request to stop: Ctrl-C reaches every process of the
 * terminal's group, and a process runner (`pnpm stack`) forwards its own on top. Only a signal
 * that comes later means "stop now" and cuts the grace period short.
 */
const SAME_REQUEST_MS = 3_000;

/**
 * Runs `close` once on SIGTERM/SIGINT (or an uncaught error), giving it `graceMs` to let
 * in-flight work finish before the process exits anyway.
 */
export function onShutdown(logger: Logger, graceMs: number, close: () => Promise<void>): void {
  const shutdown = closeWithGrace({ delay: graceMs, skip: [...STOP_SIGNALS] }, async ({ err }) => {
    if (err) logger.error({ err }, 'shutting down after an uncaught error');
    await close();
    logger.info('shut down cleanly');
  });
  let firstSignalAt: number | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    if (firstSignalAt === null) {
      firstSignalAt = Date.now();
      logger.info({ signal }, 'shutting down');
      void shutdown.close();
    } else if (Date.now() - firstSignalAt > SAME_REQUEST_MS) {
      logger.error({ signal }, 'asked again to stop while shutting down: exiting now');
      process.exit(1);
    }
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
}

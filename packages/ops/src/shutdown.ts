import closeWithGrace from 'close-with-grace';
import type { Logger } from 'pino';

/**
 * Runs `close` once on SIGTERM/SIGINT (or an uncaught error), giving it `graceMs` to let
 * in-flight work finish before the process exits anyway.
 */
export function onShutdown(logger: Logger, graceMs: number, close: () => Promise<void>): void {
  closeWithGrace({ delay: graceMs }, async ({ signal, err }) => {
    if (err) logger.error({ err }, 'shutting down after an uncaught error');
    else logger.info({ signal }, 'shutting down');
    await close();
    logger.info('shut down cleanly');
  });
}

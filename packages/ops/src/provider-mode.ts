import type { Logger } from 'pino';
import { isSandbox, type ProviderUrls } from '@autoposter/config';

/** The line every service logs at start, so a sandbox is never mistaken for the real thing. */
export function logProviderMode(logger: Logger, providers: ProviderUrls): void {
  if (isSandbox(providers)) logger.warn({ providers }, 'SANDBOX: provider URLs point away from Facebook and Meta; nothing is published for real');
  else logger.info({ providers }, 'publishing to the real providers');
}

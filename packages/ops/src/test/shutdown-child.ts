// A process whose close takes CLOSE_MS, for the shutdown test. Prints "ready" once it listens for signals.
import pino from 'pino';
import { onShutdown } from '../shutdown.ts';

const logger = pino({ base: null, timestamp: false });
onShutdown(logger, 20_000, () => new Promise((resolve) => setTimeout(resolve, Number(process.env.CLOSE_MS))));
setInterval(() => undefined, 1_000);
process.stdout.write('ready\n');

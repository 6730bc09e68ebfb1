// Raw BullMQ for comparison: a worker with a processor that does nothing.
import { Worker } from 'bullmq';
import { createRedisConnection, publishJobRetention } from '@autoposter/queue';
import { send } from '../lib/worker-messages.ts';

const expectedJobs = Number(process.env.RAW_JOBS);
const connection = createRedisConnection(process.env.REDIS_URL!, 'worker');
const worker = new Worker(process.env.RAW_QUEUE!, async () => undefined, {
  connection,
  prefix: process.env.QUEUE_PREFIX!,
  concurrency: Number(process.env.WORKER_CONCURRENCY),
  ...publishJobRetention,
});

let completed = 0;
worker.on('completed', () => {
  if (++completed === expectedJobs) send({ kind: 'finished', at: Date.now() });
});
await worker.waitUntilReady();

process.once('SIGTERM', () => {
  void worker
    .close()
    .then(() => connection.disconnect())
    .finally(() => process.exit(0));
});
send({ kind: 'ready' });

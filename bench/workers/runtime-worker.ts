// A worker service as deployed (config from the environment, startWorkerService), minus its
// HTTP port, with a publisher that answers at once and records when it was called.
import { parseConfig } from '@autoposter/config';
import type { Publisher } from '@autoposter/publisher';
import { startWorkerService, workerConfigSections } from '@autoposter/worker-runtime';
import { isMessage, send } from '../lib/worker-messages.ts';

const calls: [string, number][] = [];

const instantPublisher: Publisher = {
  channels: ['facebook_page', 'instagram'],
  async publish(request) {
    calls.push([request.deliveryId, Date.now()]);
    return { providerPostId: `bench-${request.deliveryId}` };
  },
  async findExisting() {
    return null;
  },
};

const service = await startWorkerService(parseConfig(workerConfigSections, process.env), {
  service: 'bench-worker',
  queueName: 'meta',
  publisher: instantPublisher,
});
await service.worker.worker.waitUntilReady();

process.on('message', (message) => {
  if (isMessage('send-calls')(message)) send({ kind: 'calls', calls });
});
process.once('SIGTERM', () => {
  void service.close().finally(() => process.exit(0));
});
send({ kind: 'ready' });

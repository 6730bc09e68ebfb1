import { Counter, Histogram, type Registry } from 'prom-client';

/** How an attempt that a worker claimed ended. */
export type AttemptEndLabel = 'posted' | 'adopted' | 'retrying' | 'failed' | 'canceled' | 'released' | 'deferred' | 'claim_lost';

export interface PublishMetrics {
  attemptFinished(input: { channel: string; outcome: AttemptEndLabel; durationSeconds: number }): void;
}

export function createPublishMetrics(registry: Registry): PublishMetrics {
  const processed = new Counter({
    name: 'deliveries_processed_total',
    help: 'Delivery attempts finished, by channel and outcome',
    labelNames: ['channel', 'outcome'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'publish_duration_seconds',
    help: 'Time from claim to recorded outcome of a delivery attempt',
    labelNames: ['channel', 'outcome'],
    buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [registry],
  });
  return {
    attemptFinished({ channel, outcome, durationSeconds }) {
      processed.inc({ channel, outcome });
      duration.observe({ channel, outcome }, durationSeconds);
    },
  };
}

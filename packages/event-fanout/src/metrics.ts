import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type Transport = 'ws' | 'sse';

export interface FanoutMetrics {
  connected: Gauge<'transport'>;
  sent: Counter<'transport'>;
  dropped: Counter<'transport' | 'reason'>;
  lag: Histogram;
}

export function fanoutMetrics(registry: Registry): FanoutMetrics {
  const registers = [registry];
  return {
    connected: new Gauge({ name: 'notifier_clients', help: 'Connected WebSocket clients and open SSE streams', labelNames: ['transport'], registers }),
    sent: new Counter({ name: 'notifier_events_sent_total', help: 'Events sent to clients', labelNames: ['transport'], registers }),
    dropped: new Counter({
      name: 'notifier_clients_dropped_total',
      help: 'Clients closed by the notifier: too slow, no pong, token expired',
      labelNames: ['transport', 'reason'],
      registers,
    }),
    lag: new Histogram({
      name: 'notifier_event_lag_seconds',
      help: "From an event's append to the stream to its send to a client",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 30, 300],
      registers,
    }),
  };
}

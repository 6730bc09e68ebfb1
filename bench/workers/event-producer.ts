// Appends the benchmark's events from a process of its own: to the event stream (as workers
// do, `appendEvents`) or to a pub/sub channel (the bare baseline). Each event carries `t`, the
// time it was sent, for the clients' latency. Steady: `rate` events per second in 10 ms ticks;
// burst (rate 0): pipelines of 500 back to back.
import { Redis } from 'ioredis';
import { appendEvents, type PlatformEvent } from '@autoposter/queue';

interface Order {
  mode: 'stream' | 'pubsub';
  users: string[];
  count: number;
  rate: number;
}

const redis = new Redis(process.env.REDIS_URL!);
const prefix = process.env.BENCH_PREFIX!;
const channel = process.env.BENCH_CHANNEL!;

async function send(order: Order, from: number, to: number) {
  const t = Date.now();
  const events: PlatformEvent[] = [];
  for (let n = from; n < to; n++) events.push({ type: 'delivery.updated', user_id: order.users[n % order.users.length]!, data: { n, t } });
  if (order.mode === 'stream') {
    await appendEvents(redis, prefix, events);
    return;
  }
  const pipeline = redis.pipeline();
  for (const event of events) pipeline.publish(channel, JSON.stringify({ user_id: event.user_id, type: event.type, data: event.data }));
  await pipeline.exec();
}

process.once('message', async (order: Order) => {
  const started = performance.now();
  if (order.rate === 0) {
    for (let n = 0; n < order.count; n += 500) await send(order, n, Math.min(order.count, n + 500));
  } else {
    const perTick = order.rate / 100;
    let sent = 0;
    while (sent < order.count) {
      const due = Math.min(order.count, Math.floor(((performance.now() - started) / 10 + 1) * perTick));
      if (due > sent) {
        await send(order, sent, due);
        sent = due;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
  process.send?.({ done: true, elapsedMs: performance.now() - started });
  redis.disconnect();
});
process.send?.({ ready: true });

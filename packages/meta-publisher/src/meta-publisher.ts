import type { Redis } from 'ioredis';
import { GraphClient, type GraphClientOptions } from '@autoposter/graph-client';
import { PublishError, type Publisher, type PublishAccount, type PublishRequest, type PublishResult, type SessionCheck } from '@autoposter/publisher';
import { checkMetaAccount } from './account-check.ts';
import { GraphSession, identityOf } from './graph-session.ts';
import { findOnInstagram, publishToInstagram, type ContainerPolling } from './instagram-publisher.ts';
import { findOnPage, publishToPage } from './page-publisher.ts';
import { UsageMeter } from './usage-meter.ts';

export interface MetaPublisherOptions {
  graph: Omit<GraphClientOptions, 'onUsage'>;
  /** GRAPH_USAGE_SLOWDOWN: above this usage percent, an account's next delivery is paced out. */
  usageSlowdownPercent: number;
  /** How long an account waits once its usage crossed the threshold, when Meta gives no estimate. */
  slowdownMs?: number;
  /** Keeps usage readings in Redis, so every replica paces the account (in memory without it). */
  usageRedis?: { client: Redis; prefix: string };
  polling?: Partial<ContainerPolling>;
}

const defaultPolling: ContainerPolling = { intervalMs: 3_000, timeoutMs: 4 * 60_000 };
const DEFAULT_SLOWDOWN_MS = 5 * 60_000;

export function createMetaPublisher(options: MetaPublisherOptions): Publisher & { readonly client: GraphClient } {
  const meter = new UsageMeter({
    thresholdPercent: options.usageSlowdownPercent,
    slowdownMs: options.slowdownMs ?? DEFAULT_SLOWDOWN_MS,
    ...(options.usageRedis ? { redis: options.usageRedis } : {}),
  });
  const client = new GraphClient({ ...options.graph, onUsage: (usage, call) => meter.record(call.objectId, usage) });
  const polling = { ...defaultPolling, ...options.polling };

  const session = (request: PublishRequest) => {
    try {
      return new GraphSession(client, identityOf(request.account), request.signal);
    } catch (err) {
      throw new PublishError('validation_error', (err as Error).message);
    }
  };

  return {
    channels: ['facebook_page', 'instagram'],
    client,
    async publish(request: PublishRequest): Promise<PublishResult> {
      const graph = session(request);
      const slowdown = await meter.deferral(graph.identity.objectId);
      if (slowdown) throw slowdown;
      return request.channel === 'instagram' ? publishToInstagram(request, graph, polling) : publishToPage(request, graph);
    },
    async findExisting(request: PublishRequest): Promise<PublishResult | null> {
      const graph = session(request);
      return request.channel === 'instagram' ? findOnInstagram(request, graph) : findOnPage(request, graph);
    },
    async checkSession(account: PublishAccount, signal: AbortSignal): Promise<SessionCheck> {
      return checkMetaAccount(client, account, signal);
    },
  };
}

import { GraphClient, type GraphClientOptions, type GraphUsage } from '@autoposter/graph-client';
import { PublishDeferral, PublishError, type Publisher, type PublishAccount, type PublishRequest, type PublishResult, type SessionCheck } from '@autoposter/publisher';
import { checkMetaAccount } from './account-check.ts';
import { GraphSession, identityOf } from './graph-session.ts';
import { findOnInstagram, publishToInstagram, type ContainerPolling } from './instagram-publisher.ts';
import { findOnPage, publishToPage } from './page-publisher.ts';

export interface MetaPublisherOptions {
  graph: Omit<GraphClientOptions, 'onUsage'>;
  /** GRAPH_USAGE_SLOWDOWN: above this usage percent, an account's next delivery is paced out. */
  usageSlowdownPercent: number;
  /** How long an account waits once its usage crossed the threshold, when Meta gives no estimate. */
  slowdownMs?: number;
  polling?: Partial<ContainerPolling>;
}

const defaultPolling: ContainerPolling = { intervalMs: 3_000, timeoutMs: 4 * 60_000 };
const DEFAULT_SLOWDOWN_MS = 5 * 60_000;

/**
 * The usage Meta last reported for each Page / IG user (from any answer), kept in memory:
 * the next delivery of an account past the threshold waits before it makes a call.
 */
class UsageMeter {
  private readonly high = new Map<string, { usage: GraphUsage; at: number }>();

  constructor(
    private readonly thresholdPercent: number,
    private readonly slowdownMs: number,
  ) {}

  record(objectId: string, usage: GraphUsage): void {
    if (usage.percent >= this.thresholdPercent || usage.regainAccessMs > 0) this.high.set(objectId, { usage, at: Date.now() });
    else this.high.delete(objectId);
  }

  /** A deferral when the account was near its limit at its last call; asked once, then forgotten. */
  deferral(objectId: string): PublishDeferral | null {
    const entry = this.high.get(objectId);
    if (!entry) return null;
    this.high.delete(objectId);
    const until = entry.at + (entry.usage.regainAccessMs || this.slowdownMs);
    if (until <= Date.now()) return null;
    return new PublishDeferral(new Date(until), `Meta reports ${entry.usage.percent}% of this account's call budget used: slowing down before it refuses`, { accountWide: true });
  }
}

export function createMetaPublisher(options: MetaPublisherOptions): Publisher & { readonly client: GraphClient } {
  const meter = new UsageMeter(options.usageSlowdownPercent, options.slowdownMs ?? DEFAULT_SLOWDOWN_MS);
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
      const slowdown = meter.deferral(graph.identity.objectId);
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

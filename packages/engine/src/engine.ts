import type { Redis } from 'ioredis';
import type { Db } from '@autoposter/db';
import { wakeAccountDeliveries } from './account-session.ts';
import type { EngineContext, EngineLogger, EngineSettings } from './context.ts';
import { dispatchPass } from './dispatch-pass.ts';
import { deleteAccount, deletePost, deleteUser, publishNow, scheduleCreatedPost, retryFailed, retryPost, schedulePost, startPosting, unschedulePost } from './post-actions.ts';
import { startPeriodicPasses } from './periodic-passes.ts';
import { createPublishQueues } from './publish-queues.ts';
import { retentionPass } from './retention-pass.ts';

export interface EngineOptions {
  db: Db;
  redis: Redis;
  prefix: string;
  logger: EngineLogger;
  settings: EngineSettings;
  now?: () => Date;
}

export type Engine = ReturnType<typeof createEngine>;

/** The posting engine's producer side: every way a post starts, stops or comes back, bound to its dependencies. */
export function createEngine(options: EngineOptions) {
  const ctx: EngineContext = {
    db: options.db,
    redis: options.redis,
    prefix: options.prefix,
    logger: options.logger,
    settings: options.settings,
    now: options.now ?? (() => new Date()),
    queues: createPublishQueues(options.redis, options.prefix),
  };
  return {
    queues: ctx.queues,
    startPosting: (userId: string, postIds: string[]) => startPosting(ctx, userId, postIds),
    publishNow: (userId: string, postId: string) => publishNow(ctx, userId, postId),
    schedulePost: (userId: string, postId: string, at: Date) => schedulePost(ctx, userId, postId, at),
    unschedulePost: (userId: string, postId: string) => unschedulePost(ctx, userId, postId),
    retryPost: (userId: string, postId: string) => retryPost(ctx, userId, postId),
    retryFailed: (userId: string, postIds: string[] | null) => retryFailed(ctx, userId, postIds),
    deletePost: (userId: string, postId: string) => deletePost(ctx, userId, postId),
    deleteAccount: (userId: string, accountId: string) => deleteAccount(ctx, userId, accountId),
    deleteUser: (userId: string) => deleteUser(ctx, userId),
    wakeAccountDeliveries: (userId: string, accountId: string) => wakeAccountDeliveries(ctx, userId, accountId),
    scheduleCreatedPost: (userId: string, postId: string) => scheduleCreatedPost(ctx, userId, postId),
    dispatchPass: () => dispatchPass(ctx),
    retentionPass: () => retentionPass(ctx),
    startPeriodicPasses: (workerConnection: Redis) => startPeriodicPasses(ctx, workerConnection),
    async close() {
      await Promise.all(Object.values(ctx.queues).map((q) => q.close()));
    },
  };
}

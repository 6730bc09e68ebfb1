import Type, { type Static } from 'typebox';
import { channels, deliveryStatuses, errorTypes, postStatuses } from '@autoposter/db';
import type { DeliveryRow, PostWithDeliveries } from '@autoposter/db/repositories/posts';
import { Nullable, NullableTimestamp, Timestamp, Uuid, toIso } from '../schemas/common.ts';

export const DeliveryView = Type.Object(
  {
    id: Uuid,
    channel: Type.Enum(channels),
    account_id: Uuid,
    target_id: Nullable(Type.String()),
    status: Type.Enum(deliveryStatuses),
    attempt_count: Type.Integer(),
    next_attempt_at: NullableTimestamp,
    last_error_type: Nullable(Type.Enum(errorTypes)),
    last_error_message: Nullable(Type.String()),
    provider_post_id: Nullable(Type.String()),
    permalink: Nullable(Type.String()),
    posted_at: NullableTimestamp,
  },
  { description: 'One target of a post, with its own status and result' },
);

export const PostView = Type.Object(
  {
    id: Uuid,
    title: Nullable(Type.String()),
    body: Type.String(),
    price: Nullable(Type.Number({ description: 'two decimals at most' })),
    currency: Nullable(Type.String()),
    category: Nullable(Type.String()),
    condition: Nullable(Type.String()),
    location: Nullable(Type.String()),
    link: Nullable(Type.String()),
    media_ids: Type.Array(Uuid),
    video_media_id: Nullable(Uuid),
    scheduled_at: NullableTimestamp,
    status: Type.Enum(postStatuses, { description: 'derived from the deliveries' }),
    created_at: Timestamp,
    updated_at: Timestamp,
    deliveries: Type.Array(DeliveryView),
  },
  { description: 'A post and its deliveries' },
);

export type DeliveryView = Static<typeof DeliveryView>;
export type PostView = Static<typeof PostView>;

export function toDeliveryView(row: DeliveryRow): DeliveryView {
  return {
    id: row.id,
    channel: row.channel as DeliveryView['channel'],
    account_id: row.accountId,
    target_id: row.targetId,
    status: row.status as DeliveryView['status'],
    attempt_count: row.attemptCount,
    next_attempt_at: toIso(row.nextAttemptAt),
    last_error_type: row.lastErrorType as DeliveryView['last_error_type'],
    last_error_message: row.lastErrorMessage,
    provider_post_id: row.providerPostId,
    permalink: row.permalink,
    posted_at: toIso(row.postedAt),
  };
}

export function toPostView(post: PostWithDeliveries): PostView {
  return {
    id: post.id,
    title: post.title,
    body: post.body,
    price: post.price === null ? null : Number(post.price),
    currency: post.currency,
    category: post.category,
    condition: post.condition,
    location: post.location,
    link: post.link,
    media_ids: post.mediaIds,
    video_media_id: post.videoMediaId,
    scheduled_at: toIso(post.scheduledAt),
    status: post.status as PostView['status'],
    created_at: post.createdAt.toISOString(),
    updated_at: post.updatedAt.toISOString(),
    deliveries: post.deliveries.map(toDeliveryView),
  };
}
